/**
 * Bank statement lines and what bank_balances reads of them, as odoo-recordings/19/22-bank-balances-* shows a real
 * Odoo 19:
 *
 * - `account.bank.statement.line` create: a posted entry in the line's journal (numbered like the journal's
 *   entries, `BNK1/2026/00001`), its amount on the journal's default (bank) account and the opposite on the bank
 *   suspense account (101402); `is_reconciled` false while the suspense line holds the amount. Its `internal_index`
 *   is the date, 2147483647 minus `sequence` (default 1) and the id, each zero-padded to 10.
 * - `account.bank.statement` create with `line_ids` `[[6, 0, ids]]`: the lines join it; its journal and date are
 *   its lines' (the date the latest line's), `first_line_index` the lowest `internal_index` of its lines.
 * - Journal items know their statement line (`statement_line_id`) and payment (`payment_id`); a payment its
 *   outstanding account (the account of its entry's line on 101403/101404), `amount_company_currency_signed`
 *   (negative for money out) and `is_matched` (that line fully reconciled).
 * - The admin's groups (`res.users.group_ids`, 19) accept a new group: the recording finds "Show Full Accounting
 *   Features" (26) by its external id (`ir.model.data`, account.group_account_user) and gives it to the admin;
 *   without it Odoo's Invoicing refuses statement lines (AccessError naming the group "Basic": not modelled here).
 */
import { accountByCode, postMove } from "./accounting.js";
import { hooks } from "./base-methods.js";
import { bool, char, date, define, int, m2m, m2o, money, o2m } from "./fields.js";
import { createGeneric, type Database, type Env, type Rec } from "./orm.js";

const MAXINT = 2147483647;

export function defineBankStatements(db: Database): void {
  define(db, "res.groups", { name: char("Name") }, { order: "name, id" });
  const groups = db.model("res.groups");
  for (const [id, name] of [
    [25, "Basic"],
    [26, "Show Full Accounting Features"],
  ] as const)
    groups.records.set(id, { id, name });
  if (groups.nextId <= 26) groups.nextId = 27;
  if (db.version === 19) db.model("res.users").fields.group_ids = m2m("res.groups", "Groups");
  // The group's external id, as the recording looks it up (its id there: 27871).
  const xmlIds = define(db, "ir.model.data", {
    module: char("Module"),
    name: char("External Identifier"),
    model: char("Model Name"),
    res_id: int("Record ID"),
  });
  xmlIds.records.set(27871, {
    id: 27871,
    module: "account",
    name: "group_account_user",
    model: "res.groups",
    res_id: 26,
  });
  xmlIds.nextId = 27872;

  const lineOf = (env: Env, moveId: unknown) =>
    [...env.db.model("account.bank.statement.line").records.values()].find((l) => l.move_id === moveId);
  const items = (env: Env, moveId: unknown) =>
    [...env.db.model("account.move.line").records.values()].filter((l) => l.move_id === moveId);

  const stLines = define(
    db,
    "account.bank.statement.line",
    {
      move_id: m2o("account.move", "Journal Entry"),
      journal_id: m2o("account.journal", "Journal"),
      company_id: m2o("res.company", "Company"),
      statement_id: m2o("account.bank.statement", "Statement"),
      date: date("Date"),
      sequence: int("Sequence"),
      amount: money("Amount"),
      payment_ref: char("Label"),
      partner_id: m2o("res.partner", "Partner"),
      currency_id: m2o("res.currency", "Journal Currency"),
      internal_index: char("Internal Reference", {
        stored: true,
        compute: (r) => internalIndex(r),
      }),
      is_reconciled: bool("Is Reconciled", {
        stored: true,
        compute: (r, env) => {
          const suspense = accountByCode(env, "101402", r.company_id);
          return !items(env, r.move_id).some(
            (l) => l.account_id === suspense && Math.abs(Number(l.balance ?? 0)) >= 0.005,
          );
        },
      }),
    },
    {
      order: "internal_index desc",
      displayName: (r, env) => {
        const name = env.db.model("account.move").rec(r.move_id as number)?.name;
        return typeof name === "string" ? name : false;
      },
    },
  );
  hooks.set(stLines, {
    create: (env, model, vals) => {
      const journal = env.db.model("account.journal").rec(vals.journal_id as number);
      const rec = createGeneric(env, model, vals, {
        sequence: 1,
        company_id: journal?.company_id ?? 1,
        currency_id: journal?.currency_id || 1,
        statement_id: false,
        partner_id: false,
      });
      const moves = env.db.model("account.move");
      const move = moves.insert({
        name: false,
        state: "draft",
        move_type: "entry",
        journal_id: rec.journal_id,
        date: rec.date,
        ref: false,
        partner_id: rec.partner_id,
        company_id: rec.company_id,
        currency_id: rec.currency_id,
        payment_state: "not_paid",
        amount_total: Math.abs(Number(rec.amount ?? 0)),
        amount_untaxed: 0,
        amount_tax: 0,
        amount_residual: 0,
        is_move_sent: false,
      });
      const amount = Math.round(Number(rec.amount ?? 0) * 100) / 100;
      const lineModel = env.db.model("account.move.line");
      for (const [account, balance] of [
        [journal?.default_account_id, amount],
        [accountByCode(env, "101402", rec.company_id), -amount],
      ] as const) {
        lineModel.insert({
          move_id: move.id,
          name: rec.payment_ref ?? false,
          display_type: "product",
          account_id: account ?? false,
          partner_id: rec.partner_id,
          quantity: 0,
          price_unit: 0,
          tax_ids: [],
          balance,
          debit: Math.max(balance, 0),
          credit: balance < 0 ? -balance : 0,
          amount_currency: balance,
          amount_residual: balance,
          amount_residual_currency: balance,
        });
      }
      rec.move_id = move.id;
      postMove(env, move);
      return rec;
    },
  });

  const statements = define(
    db,
    "account.bank.statement",
    {
      name: char("Reference"),
      balance_start: money("Starting Balance"),
      balance_end_real: money("Ending Balance"),
      line_ids: o2m("account.bank.statement.line", "statement_id", "Statement lines"),
      journal_id: m2o("account.journal", "Journal", {
        stored: true,
        compute: (r, env) => statementLines(env, r)[0]?.journal_id ?? false,
      }),
      company_id: m2o("res.company", "Company", {
        stored: true,
        compute: (r, env) => statementLines(env, r)[0]?.company_id ?? 1,
      }),
      date: date("Date", {
        stored: true,
        compute: (r, env) => statementLines(env, r).at(-1)?.date ?? false,
      }),
      first_line_index: char("First Line Index", {
        stored: true,
        compute: (r, env) => statementLines(env, r)[0]?.internal_index ?? false,
      }),
    },
    { order: "first_line_index desc" },
  );
  hooks.set(statements, {
    create: (env, model, vals) => {
      const { line_ids: commands, ...rest } = vals;
      const rec = createGeneric(env, model, rest, { balance_start: 0, balance_end_real: 0 });
      const ids = Array.isArray(commands)
        ? commands.flatMap((c) => (Array.isArray(c) && c[0] === 6 && Array.isArray(c[2]) ? c[2] : []))
        : [];
      for (const id of ids) {
        const line = env.db.model("account.bank.statement.line").rec(Number(id));
        if (line) line.statement_id = rec.id;
      }
      return rec;
    },
  });

  const itemFields = db.model("account.move.line").fields;
  itemFields.statement_line_id = m2o("account.bank.statement.line", "Originator Statement Line", {
    stored: true,
    compute: (r, env) => lineOf(env, r.move_id)?.id ?? false,
  });
  itemFields.payment_id = m2o("account.payment", "Originator Payment", {
    stored: true,
    compute: (r, env) => env.db.model("account.move").rec(r.move_id as number)?.payment_id ?? false,
  });

  const paymentFields = db.model("account.payment").fields;
  const outstandingLine = (env: Env, payment: Rec): Rec | undefined => {
    const outstanding = [
      accountByCode(env, "101403", payment.company_id),
      accountByCode(env, "101404", payment.company_id),
    ];
    return items(env, payment.move_id).find((l) => outstanding.includes(l.account_id as number));
  };
  paymentFields.outstanding_account_id = m2o("account.account", "Outstanding Account", {
    stored: true,
    compute: (r, env) => outstandingLine(env, r)?.account_id ?? false,
  });
  paymentFields.amount_company_currency_signed = money("Amount Signed", {
    stored: true,
    compute: (r, env) => outstandingLine(env, r)?.balance ?? 0,
  });
  paymentFields.is_matched = bool("Is Matched With a Bank Statement", {
    stored: true,
    compute: (r, env) => {
      const line = outstandingLine(env, r);
      return line !== undefined && Math.abs(Number(line.amount_residual ?? line.balance ?? 0)) < 0.005;
    },
  });

  const journalFields = db.model("account.journal").fields;
  journalFields.sequence = int("Sequence", { stored: true, compute: () => 10 });
}

function statementLines(env: Env, statement: Rec): Rec[] {
  return [...env.db.model("account.bank.statement.line").records.values()]
    .filter((l) => l.statement_id === statement.id)
    .map((l) => ({ ...l, internal_index: internalIndex(l) }))
    .sort((a, b) => (a.internal_index < b.internal_index ? -1 : a.internal_index > b.internal_index ? 1 : 0));
}

function internalIndex(r: Rec): string {
  return `${String(r.date ?? "").replaceAll("-", "")}${String(MAXINT - Number(r.sequence ?? 1)).padStart(10, "0")}${String(r.id).padStart(10, "0")}`;
}
