/**
 * Text the agent gives, for Odoo's `like`/`ilike`/`=like`/`=ilike` operators. Odoo hands the value to
 * PostgreSQL's LIKE as it is (wrapped in `%...%` for `ilike`), where `%` and `_` are wildcards and `\` escapes:
 * a search for "100%" or "_" would otherwise match every record. Escaped as Odoo's own `escape_psql` does, the
 * value matches literally.
 */
export function likeLiteral(text: string): string {
  return text.replace(/[\\%_]/g, (ch) => `\\${ch}`);
}
