/**
 * What a real Odoo 19 shows of journal items in odoo-recordings/19/16-payables-tax-ledger-* (17 and 18 keep the
 * sandbox's earlier answers: no recording of theirs shows these):
 *
 * - `tax_base_amount`: on a tax line, the base it was computed on, in company currency, with the sign of the base
 *   lines' balance (`account.tax._prepare_tax_lines`: `sign * base_amount`); 0 elsewhere.
 * - a payment's journal items are labelled "<payment method line>: <memo>" ("Manual Payment: ALPHA-1110",
 *   `account.payment._get_aml_default_display_name_list`);
 * - an item's display name is its entry's number, the entry's reference in parentheses, then its label unless it
 *   repeats the number (`account.move.line._format_aml_name`): "PBNK1/2026/00001 (ALPHA-1110) Manual Payment:
 *   ALPHA-1110", "BILL/2026/11/0002 (ALPHA-1110)".
 */
import { money } from "./fields.js";
import { type Database, type Env, type Rec, round2 } from "./orm.js";

export function defineTaxBase(db: Database): void {
  db.model("account.move.line").fields.tax_base_amount = money("Base Amount", {
    readonly: true,
    compute: (r, env) => {
      const tax = r.tax_line_id;
      if (typeof tax !== "number") return 0;
      let base = 0;
      for (const line of env.db.model("account.move.line").records.values()) {
        if (line.move_id !== r.move_id || line.tax_line_id) continue;
        if (((line.tax_ids as number[] | undefined) ?? []).includes(tax)) base += Number(line.balance ?? 0);
      }
      return round2(base);
    },
  });
}

/** The label of a payment's journal items; before 19 the memo alone. */
export function paymentLineLabel(env: Env, wizard: Rec): string {
  const memo = String(wizard.communication || "");
  if (env.version !== 19) return memo;
  const method = env.db.model("account.payment.method.line").rec(wizard.payment_method_line_id as number);
  const label = String(method?.name || "No Payment Method");
  return memo ? `${label}: ${memo}` : label;
}

/** An Odoo 19 journal item's display name, for a posted entry (`move` has its number). */
export function itemDisplayName(item: Rec, move: Rec): string {
  const moveName = typeof move.name === "string" ? move.name : "";
  const ref = typeof move.ref === "string" ? move.ref : "";
  const label = typeof item.name === "string" ? item.name : "";
  const names: string[] = [];
  if (moveName && moveName !== "/") names.push(moveName);
  if (ref && ref !== "/") names.push(`(${ref})`);
  if (label && label !== "/" && label !== moveName && label !== `${ref} - ${moveName}`) names.push(label);
  return names.join(" ") || "Draft Entry";
}

/**
 * A posted invoice's receivable or payable item is labelled with its payment reference (the number, on a customer
 * invoice; nothing on a bill without one): `account.move.line._compute_name` for payment terms.
 */
export function labelPaymentTerms(items: Rec[], move: Rec): void {
  for (const item of items)
    if (item.display_type === "payment_term") item.name = move.payment_reference || false;
}
