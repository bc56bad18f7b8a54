/**
 * What `create_partner` reads and writes beyond the base partner (seed.ts), as the recordings
 * odoo-recordings/19/13-partners-*.json show a real Odoo 19: a partner's customer and vendor payment terms
 * (`property_payment_term_id`, `property_supplier_payment_term_id`), the payment terms the account module installs
 * (ids 1-10), and the countries those recordings use. Odoo 17 and 18 were not recorded creating partners with
 * these: their sandbox has the fields but no payment terms, and only the seeded United States.
 */
import { m2o } from "./fields.js";
import type { Database } from "./orm.js";

const TERMS_19 = [
  "Immediate Payment",
  "15 Days",
  "21 Days",
  "30 Days",
  "45 Days",
  "End of Following Month",
  "10 Days after End of Next Month",
  "30% Now, Balance 60 Days",
  "2/7 Net 30",
  "90 days, on the 10th",
];

const COUNTRIES_19: [number, string, string][] = [
  [20, "Belgium", "BE"],
  [57, "Germany", "DE"],
];

export function definePartnerTerms(db: Database): void {
  const partner = db.model("res.partner");
  partner.fields.property_payment_term_id = m2o("account.payment.term", "Customer Payment Terms");
  partner.fields.property_supplier_payment_term_id = m2o("account.payment.term", "Vendor Payment Terms");
  if (db.version !== 19) return;
  const terms = db.model("account.payment.term");
  TERMS_19.forEach((name, index) => {
    terms.records.set(index + 1, {
      id: index + 1,
      name,
      active: true,
      sequence: 10,
      note: false,
      company_id: false,
    });
  });
  terms.nextId = Math.max(terms.nextId, TERMS_19.length + 1);
  const countries = db.model("res.country");
  for (const [id, name, code] of COUNTRIES_19) countries.records.set(id, { id, name, code });
}
