/**
 * What `create_partner` reads and writes beyond the base partner (seed.ts), as the recordings
 * odoo-recordings/19/13-partners-*.json show a real Odoo 19: a partner's customer and vendor payment terms
 * (`property_payment_term_id`, `property_supplier_payment_term_id`), the payment terms the account module installs
 * (ids 1-10), the countries those recordings use, and Odoo 19's answer to a country that does not exist (the
 * database's foreign key, reported as a ValidationError that speaks of a delete). Odoo 17 and 18 were not recorded
 * creating partners with these: their sandbox has the fields but no payment terms, only the seeded United States,
 * and a missing country is any missing record.
 */
import { hooks } from "./base-methods.js";
import { validationError } from "./fault.js";
import { m2o } from "./fields.js";
import { createGeneric, type Database } from "./orm.js";

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

export function definePartners(db: Database): void {
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
  const base = hooks.get(partner);
  hooks.set(partner, {
    ...base,
    create: (env, model, vals) => {
      const country = vals.country_id;
      if (typeof country === "number" && !countries.records.has(country)) throw missingCountry();
      return base?.create ? base.create(env, model, vals) : createGeneric(env, model, vals);
    },
  });
}

const missingCountry = () =>
  validationError(
    "The operation cannot be completed: Another model is using the record you are trying to delete.\n\n" +
      "The troublemaker is: 'Contact' (res.partner)\nThanks to the following constraint: 'Country' (country_id)\n" +
      "How about archiving the record instead?",
  );
