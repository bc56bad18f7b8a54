/**
 * Where a vendor bill's payment goes, as odoo-recordings/19/18-bill-bank-account-* shows a real Odoo 19: bank
 * accounts (`res.partner.bank`: `acc_number`, `partner_id`; named by the number), a bill's recipient account
 * (`account.move.partner_bank_id`), which Odoo fills on a draft bill with the vendor's first account and lets
 * anyone change on the posted bill, and the payment wizard, which takes the bill's account. Odoo 17 and 18 have the
 * same fields and default in their account module (not recorded there); their sandbox has them too, since
 * record_payment reads them on every version. The company's own account that Odoo puts on a customer invoice is
 * not modelled: the sandbox's company has none.
 */
import { hooks } from "./base-methods.js";
import { char, define, m2o } from "./fields.js";
import {
  commercialPartnerId,
  createGeneric,
  type Database,
  type Env,
  type Rec,
  writeGeneric,
} from "./orm.js";

/** Moves whose money goes to the partner: their recipient account is one of the partner's. */
const PAID_TO_PARTNER = ["in_invoice", "out_refund", "in_receipt"];

export function defineBankAccounts(db: Database): void {
  const banks = define(
    db,
    "res.partner.bank",
    {
      acc_number: char("Account Number", { required: true }),
      partner_id: m2o("res.partner", "Account Holder", { required: true }),
      company_id: m2o("res.company", "Company"),
    },
    { order: "id", displayName: (r) => String(r.acc_number ?? "") || false },
  );
  hooks.set(banks, { create: (env, model, vals) => createGeneric(env, model, vals, { company_id: false }) });

  const move = db.model("account.move");
  move.fields.partner_bank_id = m2o("res.partner.bank", "Recipient Bank");
  const moveHooks = hooks.get(move);
  hooks.set(move, {
    ...moveHooks,
    create: (env, model, vals) => {
      const rec = moveHooks?.create ? moveHooks.create(env, model, vals) : createGeneric(env, model, vals);
      if (!("partner_bank_id" in vals)) rec.partner_bank_id = partnerBank(env, rec);
      return rec;
    },
    // A draft's new partner brings its own account (Odoo's compute); a posted bill keeps the one it has.
    write: (env, model, recs, vals) => {
      if (moveHooks?.write) moveHooks.write(env, model, recs, vals);
      else writeGeneric(env, model, recs, vals);
      for (const rec of recs)
        if ("partner_id" in vals && !("partner_bank_id" in vals) && rec.state === "draft")
          rec.partner_bank_id = partnerBank(env, rec);
    },
  });

  const wizard = db.model("account.payment.register");
  wizard.fields.partner_bank_id = m2o("res.partner.bank", "Recipient Bank Account");
  const wizardHooks = hooks.get(wizard);
  hooks.set(wizard, {
    ...wizardHooks,
    create: (env, model, vals) => {
      const rec = wizardHooks?.create
        ? wizardHooks.create(env, model, vals)
        : createGeneric(env, model, vals);
      if (!("partner_bank_id" in vals)) {
        const [first] = (rec.line_ids as number[] | undefined) ?? [];
        const line = env.db.model("account.move.line").rec(first ?? 0);
        rec.partner_bank_id =
          env.db.model("account.move").rec(line?.move_id as number)?.partner_bank_id ?? false;
      }
      return rec;
    },
  });
}

/** Odoo's default on a new move paying its partner: the commercial partner's first account (this company's or any). */
function partnerBank(env: Env, move: Rec): number | false {
  if (!PAID_TO_PARTNER.includes(String(move.move_type)) || typeof move.partner_id !== "number") return false;
  const holder = commercialPartnerId(env, move.partner_id);
  const company = typeof move.company_id === "number" ? move.company_id : 1;
  const account = [...env.db.model("res.partner.bank").records.values()]
    .filter((b) => b.partner_id === holder && (b.company_id === false || b.company_id === company))
    .sort((a, b) => a.id - b.id)[0];
  return account?.id ?? false;
}
