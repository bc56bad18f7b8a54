/**
 * Reconciling bank statement lines as odoo-recordings/19/20-reconcile-* shows a real Odoo 19 (the OCA
 * account_reconcile_oca "edit" mode's steps, made over RPC):
 *
 * - `account.move` `write` of `line_ids` on a statement line's posted entry is refused ("You cannot modify the
 *   following readonly fields on a posted move: line_ids") unless the context has `skip_readonly_check`; then the
 *   commands apply: `(1, id, vals)` updates an item (account, partner, label, debit/credit), `(0, 0, vals)` adds one,
 *   `(2, id)` removes one, and the entry must balance.
 * - `account.move.line` `reconcile`: the items (one account) are matched debit against credit, oldest first, as
 *   far as they go (`account.partial.reconcile`); the invoices involved get their payment state again. Answers None.
 * - `account.bank.statement.line` `action_undo_reconciliation`: the partial reconciliations of the line's items are
 *   removed, and its entry gets new liquidity and suspense items (new ids), on a line that was not reconciled too.
 *   Answers None.
 * - `account.payment`: `outstanding_account_id` (the account of its outstanding item) and `is_matched` (that item
 *   reconciled to nothing left).
 *
 * 17 and 18 are not recorded; they run the same code.
 */
import { acc, accountByCode, reconcile, refreshPaymentState } from "./accounting.js";
import { hooks } from "./base-methods.js";
import { userError } from "./fault.js";
import { bool, m2o, money } from "./fields.js";
import { convertVals, type Database, type Env, type Rec, round2, type Vals } from "./orm.js";
import { NONE } from "./rpc.js";

const LINE_MODEL = "account.bank.statement.line";

function items(env: Env, moveId: unknown): Rec[] {
  return [...env.db.model("account.move.line").records.values()].filter((i) => i.move_id === moveId);
}

function statementLineOf(env: Env, moveId: unknown): Rec | undefined {
  return [...env.db.model(LINE_MODEL).records.values()].find((l) => l.move_id === moveId);
}

function setAmounts(item: Rec, debit: number, credit: number): void {
  const balance = round2(debit - credit);
  item.debit = Math.max(balance, 0);
  item.credit = balance < 0 ? -balance : 0;
  item.balance = balance;
  item.amount_currency = balance;
  // Open on a reconciled account; the model's compute answers 0 elsewhere.
  item.amount_residual = balance;
  item.amount_residual_currency = balance;
}

function amountsOf(item: Rec | undefined, vals: Vals): [number, number] {
  if (!("debit" in vals) && !("credit" in vals) && !("balance" in vals))
    return [Number(item?.debit ?? 0), Number(item?.credit ?? 0)];
  if ("balance" in vals) {
    const b = Number(vals.balance ?? 0);
    return [Math.max(b, 0), b < 0 ? -b : 0];
  }
  return [Number(vals.debit ?? 0), Number(vals.credit ?? 0)];
}

/** The commands of a `line_ids` write on a statement line's entry (skip_readonly_check). */
function writeStatementEntry(env: Env, move: Rec, commands: unknown): void {
  const model = env.db.model("account.move.line");
  if (!Array.isArray(commands)) return;
  for (const command of commands) {
    if (!Array.isArray(command)) continue;
    const [code, id, raw] = command as [number, number, Vals | undefined];
    const vals = { ...(raw ?? {}) };
    if (code === 2 || code === 3) {
      model.records.delete(id);
      continue;
    }
    if (code !== 0 && code !== 1) continue;
    const item =
      code === 1
        ? model.rec(id)
        : model.insert({
            move_id: move.id,
            name: false,
            partner_id: false,
            account_id: false,
            display_type: "product",
            tax_ids: [],
            date_maturity: move.date ?? false,
          });
    if (!item)
      throw userError(`Record does not exist or has been deleted.\n(Record: account.move.line(${id},))`);
    const [debit, credit] = amountsOf(code === 1 ? item : undefined, vals);
    delete vals.debit;
    delete vals.credit;
    delete vals.balance;
    Object.assign(item, convertVals(env, model, vals, "write"));
    setAmounts(item, debit, credit);
  }
  const total = round2(items(env, move.id).reduce((sum, i) => sum + Number(i.balance ?? 0), 0));
  if (Math.abs(total) >= 0.005) throw userError("The entry is not balanced.");
}

/** `account.move.line.reconcile`: debits against credits of one account, oldest first. */
function reconcileItems(env: Env, ids: number[]): void {
  const model = env.db.model("account.move.line");
  const recs = ids.map((id) => model.rec(id)).filter((r): r is Rec => r !== undefined);
  const accounts = [...new Set(recs.map((r) => r.account_id))];
  if (accounts.length > 1) {
    const names = accounts.map((a) => {
      const account = env.db.model("account.account").rec(a as number);
      return `${String(account?.code ?? "")} ${String(account?.name ?? "")}`.trim();
    });
    throw userError(`Entries are not from the same account: ${names.join(", ")}`);
  }
  const open = (r: Rec) => Number(r.amount_residual ?? 0);
  const debits = recs.filter((r) => open(r) > 0).sort((a, b) => a.id - b.id);
  const credits = recs.filter((r) => open(r) < 0).sort((a, b) => a.id - b.id);
  let d = 0;
  let c = 0;
  while (d < debits.length && c < credits.length) {
    const debit = debits[d] as Rec;
    const credit = credits[c] as Rec;
    reconcile(env, debit, credit, false);
    if (Math.abs(open(debit)) < 0.005) d++;
    if (Math.abs(open(credit)) < 0.005) c++;
  }
  refreshMoves(env, recs);
}

function refreshMoves(env: Env, recs: Rec[]): void {
  const moves = env.db.model("account.move");
  for (const moveId of new Set(recs.map((r) => r.move_id))) {
    const move = moves.rec(moveId as number);
    if (move) refreshPaymentState(env, move);
  }
}

/** `remove_move_reconcile` of these items: their partial reconciliations undone, amounts open again. */
function unreconcileItems(env: Env, recs: Rec[]): void {
  const model = env.db.model("account.move.line");
  const state = acc(env.db);
  const mine = new Set(recs.map((r) => r.id));
  const touched: Rec[] = [...recs];
  state.partials = state.partials.filter((p) => {
    if (!mine.has(p.debit) && !mine.has(p.credit)) return true;
    const debit = model.rec(p.debit);
    const credit = model.rec(p.credit);
    for (const [line, delta] of [
      [debit, p.amount],
      [credit, -p.amount],
    ] as const) {
      if (!line) continue;
      line.amount_residual = round2(Number(line.amount_residual ?? 0) + delta);
      line.amount_residual_currency = line.amount_residual;
      touched.push(line);
    }
    return false;
  });
  const partials = env.db.model("account.partial.reconcile");
  for (const p of [...partials.records.values()])
    if (mine.has(p.debit_move_id as number) || mine.has(p.credit_move_id as number))
      partials.records.delete(p.id);
  refreshMoves(env, touched);
}

function undoReconciliation(env: Env, line: Rec): void {
  const model = env.db.model("account.move.line");
  const own = items(env, line.move_id);
  unreconcileItems(env, own);
  const journal = env.db.model("account.journal").rec(line.journal_id as number);
  const suspense = accountByCode(
    env,
    "101402",
    typeof journal?.company_id === "number" ? journal.company_id : 1,
  );
  for (const item of own) model.records.delete(item.id);
  const amount = round2(Number(line.amount ?? 0));
  for (const [account, balance] of [
    [journal?.default_account_id ?? false, amount],
    [suspense, -amount],
  ] as const) {
    const item = model.insert({
      move_id: line.move_id,
      name: line.payment_ref,
      partner_id: line.partner_id,
      account_id: account,
      display_type: "product",
      tax_ids: [],
    });
    setAmounts(item, Math.max(balance, 0), balance < 0 ? -balance : 0);
  }
}

export function defineBankReconciliation(db: Database): void {
  const moves = db.model("account.move");
  const previous = hooks.get(moves) ?? {};
  hooks.set(moves, {
    ...previous,
    write: (env, model, recs, vals) => {
      const statementEntries = recs.every((r) => statementLineOf(env, r.id) !== undefined);
      if (env.context.skip_readonly_check && "line_ids" in vals && statementEntries && recs.length > 0) {
        const { line_ids: commands, ...rest } = vals;
        if (Object.keys(rest).length > 0) previous.write?.(env, model, recs, rest);
        for (const move of recs) writeStatementEntry(env, move, commands);
        return;
      }
      previous.write?.(env, model, recs, vals);
    },
  });

  const lines = db.model("account.move.line");
  lines.methods.set("reconcile", {
    kind: "records",
    owner: "AccountMoveLine.reconcile",
    params: [],
    fn: ({ env, ids }) => {
      reconcileItems(env, ids);
      return NONE;
    },
  });

  const statementLines = db.model(LINE_MODEL);
  statementLines.methods.set("action_undo_reconciliation", {
    kind: "records",
    owner: "AccountBankStatementLine.action_undo_reconciliation",
    params: [],
    fn: ({ env, model, ids }) => {
      for (const id of ids) {
        const line = model.rec(id);
        if (line) undoReconciliation(env, line);
      }
      return NONE;
    },
  });

  const payments = db.model("account.payment");
  const outstandingItem = (env: Env, payment: Rec): Rec | undefined =>
    items(env, payment.move_id).find((i) => i.display_type !== "payment_term");
  payments.fields.outstanding_account_id = m2o("account.account", "Outstanding Account", {
    stored: true,
    compute: (r, env) => outstandingItem(env, r)?.account_id ?? false,
  });
  payments.fields.is_matched = bool("Is Matched With a Bank Statement", {
    stored: true,
    compute: (r, env) => {
      const item = outstandingItem(env, r);
      return item !== undefined && Math.abs(Number(item.amount_residual ?? 0)) < 0.005;
    },
  });
  // Negative for money out (odoo-recordings/19/22-bank-balances-*).
  payments.fields.amount_company_currency_signed = money("Amount Signed", {
    stored: true,
    compute: (r, env) => outstandingItem(env, r)?.balance ?? 0,
  });
}
