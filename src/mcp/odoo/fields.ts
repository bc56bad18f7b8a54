import type { Odoo } from "./types.js";

/**
 * Which of some fields a model has on this Odoo, asked once per client (`fields_get` of those fields, type only)
 * and kept: where Odoo 20 removed or renamed a field (`ir.attachment.datas`, the expense flow's fields), the
 * product asks Odoo what it has instead of guessing from the version number, so a server that already has the
 * change works whatever its number. Odoo answers only the fields it has of those asked.
 */
const cache = new WeakMap<Odoo, Map<string, Promise<ReadonlySet<string>>>>();

export function fieldsPresent(
  odoo: Odoo,
  model: string,
  fields: readonly string[],
): Promise<ReadonlySet<string>> {
  let asked = cache.get(odoo);
  if (!asked) {
    asked = new Map();
    cache.set(odoo, asked);
  }
  const key = `${model}:${fields.join(",")}`;
  let pending = asked.get(key);
  if (!pending) {
    const question = odoo
      .call<Record<string, unknown>>(
        { model, method: "fields_get", args: { allfields: [...fields], attributes: ["type"] } },
        { idempotent: true },
      )
      .then((described) => new Set(Object.keys(described ?? {}).filter((field) => fields.includes(field))));
    pending = question;
    asked.set(key, question);
    // A failed question is asked again next time.
    question.catch(() => {
      if (asked.get(key) === question) asked.delete(key);
    });
  }
  return pending;
}
