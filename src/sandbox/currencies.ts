/**
 * Other currencies and payment terms, as the lab's Odoo 19 answered them (odoo-recordings/19/14-vendor-bills-full):
 * a fresh database has EUR and GBP inactive, each with no rate (so `rate` and `inverse_rate` read 1); a user
 * activates one and gives it a rate (`res.currency.rate`, units of it per unit of the company currency), which is
 * then the currency's `rate`. Payment terms are the ten a fresh database holds; the sandbox knows how many days
 * after the invoice date the single-instalment ones fall due (accounting.ts `paymentTermDays`), and the instalments
 * of "30% Now, Balance 60 Days" (odoo-recordings/19/24-reminder-installments: 30% rounded due on the invoice date,
 * the balance 60 days later; accounting.ts `instalmentsOf`). Recorded on Odoo 19
 * only (17 and 18 cannot be run here): the sandbox of 17 and 18 keeps to what their recordings show.
 */
import { hooks } from "./base-methods.js";
import { bool, date, define, float, m2o } from "./fields.js";
import { createGeneric, type Database, type Rec } from "./orm.js";

/** The lab's payment terms (id, name, days for a single instalment; null: several instalments or a month's end). */
const TERMS: Array<[number, string, number | null]> = [
  [1, "Immediate Payment", 0],
  [2, "15 Days", 15],
  [3, "21 Days", 21],
  [4, "30 Days", 30],
  [5, "45 Days", 45],
  [6, "End of Following Month", null],
  [7, "10 Days after End of Next Month", null],
  [8, "30% Now, Balance 60 Days", null],
  [9, "2/7 Net 30", null],
  [10, "90 days, on the 10th", null],
];

/** Terms of several instalments, as recorded: [percent of the total (null: the balance), days after the invoice date]. */
const INSTALMENTS: Record<number, Array<[number | null, number]>> = {
  8: [
    [30, 0],
    [null, 60],
  ],
};

export function defineCurrencies(db: Database): void {
  if (db.version !== 19) return;
  const currency = db.model("res.currency");
  currency.fields.inverse_rate = float("Inverse Rate", {
    compute: (r: Rec) => (Number(r.rate) > 0 ? 1 / Number(r.rate) : 1),
  });
  if (!currency.records.has(143)) {
    currency.records.set(143, {
      id: 143,
      name: "GBP",
      symbol: "£",
      decimal_places: 2,
      rounding: 0.01,
      position: "before",
      active: false,
      rate: 1,
    });
  }
  const rates = define(
    db,
    "res.currency.rate",
    {
      name: date("Date"),
      rate: float("Technical Rate"),
      currency_id: m2o("res.currency", "Currency", { readonly: true }),
      company_id: m2o("res.company", "Company"),
    },
    { order: "name desc, id desc" },
  );
  hooks.set(rates, {
    create: (env, model, vals) => {
      const rec = createGeneric(env, model, vals, { company_id: 1 });
      // The latest rate is the currency's (the sandbox converts at it, whatever the document's date).
      const owner = currency.rec(rec.currency_id as number);
      if (owner && Number(rec.rate) > 0) owner.rate = Number(rec.rate);
      return rec;
    },
  });
  const terms = db.model("account.payment.term");
  for (const [id, name, days] of TERMS) {
    terms.records.set(id, {
      id,
      name,
      active: true,
      note: false,
      sequence: 10,
      company_id: false,
      nb_days: days,
      ...(INSTALMENTS[id] ? { instalments: INSTALMENTS[id] } : {}),
    });
    if (terms.nextId <= id) terms.nextId = id + 1;
  }
  db.model("product.product").fields.purchase_ok = bool("Purchase", { compute: () => true });
}
