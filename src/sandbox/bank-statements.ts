/**
 * Bank statements as odoo-recordings/19/19-bank-import-* shows a real Odoo 19 (account_bank_statement.py and
 * account_bank_statement_line.py of its account module):
 *
 * - `account.bank.statement.line` `_inherits` `account.move`: each line's create makes a posted entry (`entry`,
 *   numbered like every entry of the bank journal, `BNK1/2026/00001`, its `ref` the line's) with two items labelled
 *   with the line's `payment_ref`: the liquidity item on the journal's `default_account_id` and the suspense item on
 *   its `suspense_account_id` (`_prepare_move_line_default_vals`). The line reads `is_reconciled` false and
 *   `amount_residual` minus its amount while the suspense item is there (`_compute_is_reconciled`). Searches of
 *   lines answer newest first (`internal_index desc`: date, then id).
 * - `account.bank.statement` created with `line_ids: [[0, 0, vals]...]` (or `[6, 0, ids]`) groups them: its
 *   journal, currency and date come from the lines, `balance_end` is `balance_start` plus their amounts,
 *   `is_complete` when it meets `balance_end_real`.
 * - On 19, creating either needs `account.group_account_basic` ("Basic"), which a fresh Community database's admin
 *   lacks (`res.users.has_group` answers false; the create is an AccessError naming the group); `res.users` write
 *   `group_ids: [[4, 26]]` ("Show Full Accounting Features", which implies Basic) gives it. The two groups and their
 *   `ir.model.data` rows are the recorded ones. 17 and 18 are not recorded: their sandbox has the same models and
 *   no rights check.
 *
 * - Journal items know their statement line (`statement_line_id`) and payment (`payment_id`), statements their
 *   `first_line_index`, journals their `sequence` (odoo-recordings/19/22-bank-balances-*).
 *
 * Not modelled (not recorded): a statement's default name and starting balance (given in every recorded create),
 * foreign-currency lines, writes and unlinks of lines, reconciliation.
 */
import { accountByCode } from "./accounting.js";
import { hooks } from "./base-methods.js";
import { accessError, userError } from "./fault.js";
import { bool, char, date, define, float, int, json, m2m, m2o, money } from "./fields.js";
import {
  convertVals,
  createGeneric,
  type Database,
  type Env,
  type FieldDef,
  type Model,
  type Rec,
  round2,
  type Vals,
} from "./orm.js";

const MAXINT = 2147483647;
const BASIC_GROUP = 25;
const FULL_GROUP = 26;
/** Each group with the groups it implies (res.groups implied_ids). */
const IMPLIED: Record<number, number[]> = { [FULL_GROUP]: [BASIC_GROUP] };

const LINE_MODEL = "account.bank.statement.line";
const STATEMENT_MODEL = "account.bank.statement";

function userGroups(env: Env): Set<number> {
  const user = env.db.model("res.users").rec(env.uid);
  const out = new Set<number>();
  const add = (id: number) => {
    if (out.has(id)) return;
    out.add(id);
    for (const implied of IMPLIED[id] ?? []) add(implied);
  };
  for (const id of (user?.group_ids as number[] | undefined) ?? []) add(id);
  return out;
}

/** The ACL of 19's account module: the bank statement models are written by the Basic group only. */
function checkRights(env: Env, model: Model, description: string): void {
  if (env.version !== 19 || userGroups(env).has(BASIC_GROUP)) return;
  throw accessError(
    `You are not allowed to create '${description}' (${model.name}) records.\n\nThis operation is allowed for the following groups:\n\t- Basic\n\nContact your administrator to request access if necessary.`,
  );
}

function defineGroups(db: Database): void {
  if (db.version !== 19) return;
  const groups = define(db, "res.groups", { name: char("Name") });
  groups.records.set(BASIC_GROUP, { id: BASIC_GROUP, name: "Basic" });
  groups.records.set(FULL_GROUP, { id: FULL_GROUP, name: "Show Full Accounting Features" });
  groups.nextId = FULL_GROUP + 1;
  const data = define(
    db,
    "ir.model.data",
    {
      name: char("External Identifier"),
      module: char("Module"),
      model: char("Model Name"),
      res_id: int("Record ID"),
    },
    { logAccess: false },
  );
  data.records.set(27870, {
    id: 27870,
    name: "group_account_basic",
    module: "account",
    model: "res.groups",
    res_id: 25,
  });
  data.records.set(27871, {
    id: 27871,
    name: "group_account_user",
    module: "account",
    model: "res.groups",
    res_id: 26,
  });
  data.nextId = 27872;

  const users = db.model("res.users");
  users.fields.group_ids = m2m("res.groups", "Groups");
  users.methods.set("has_group", {
    kind: "records",
    params: [{ name: "group_ext_id", required: true }],
    owner: "ResUsers.has_group",
    fn: ({ env, ids, args }) => {
      const [module, name] = String(args.group_ext_id).split(".");
      const row = [...env.db.model("ir.model.data").records.values()].find(
        (r) => r.module === module && r.name === name && r.model === "res.groups",
      );
      const user = ids[0] === env.uid ? env : { ...env, uid: ids[0] ?? env.uid };
      return row !== undefined && userGroups(user).has(row.res_id as number);
    },
  });
}

/** A journal's currency, else its company's (the company currency is 1 in the sandbox). */
function journalCurrency(env: Env, journalId: unknown): number {
  const journal = env.db.model("account.journal").rec(journalId as number);
  return typeof journal?.currency_id === "number" ? journal.currency_id : 1;
}

function moveOf(env: Env, line: Rec): Rec | undefined {
  return env.db.model("account.move").rec(line.move_id as number);
}

function itemsOf(env: Env, line: Rec): Rec[] {
  return [...env.db.model("account.move.line").records.values()].filter((i) => i.move_id === line.move_id);
}

/** The line's suspense items (`_seek_for_lines`): those on its journal's suspense account. */
function suspenseItems(env: Env, line: Rec): Rec[] {
  const journal = env.db.model("account.journal").rec(line.journal_id as number);
  const suspense = suspenseAccount(env, journal);
  return itemsOf(env, line).filter((i) => i.account_id === suspense);
}

function residual(env: Env, line: Rec): number {
  const items = suspenseItems(env, line);
  if (!items.length) return 0;
  const reconcile = env.db.model("account.account").rec(items[0]?.account_id as number)?.reconcile;
  const key = reconcile ? "amount_residual_currency" : "amount_currency";
  return round2(items.reduce((sum, i) => sum + Number(i[key] ?? 0), 0));
}

/** A bank, cash or credit journal's suspense account: the chart's 101402 of its company. */
function suspenseAccount(env: Env, journal: Rec | undefined): number | false {
  if (!journal || !["bank", "cash", "credit"].includes(String(journal.type))) return false;
  return accountByCode(env, "101402", typeof journal.company_id === "number" ? journal.company_id : 1);
}

const internalIndex = (r: Rec, env: Env): string => {
  const day = String(moveOf(env, r)?.date ?? r.date ?? "").replaceAll("-", "");
  const sequence = Number(r.sequence ?? 1);
  return `${day}${String(MAXINT - sequence).padStart(10, "0")}${String(r.id).padStart(10, "0")}`;
};

/** The line's entry and its two items, posted (account.bank.statement.line.create). */
function createLine(env: Env, model: Model, vals: Vals): Rec {
  const v = { ...vals };
  if (typeof v.statement_id === "number" && v.journal_id === undefined) {
    v.journal_id = env.db.model(STATEMENT_MODEL).rec(v.statement_id)?.journal_id ?? false;
  }
  const own = convertVals(env, model, v, "create");
  const journals = env.db.model("account.journal");
  const journal = journals.rec(own.journal_id as number);
  const suspense = suspenseAccount(env, journal);
  if (!suspense) {
    throw userError(
      `You can't create a new statement line without a suspense account set on the ${String(journal?.name ?? "")} journal.`,
    );
  }
  const moves = env.db.model("account.move");
  const move = hooks.get(moves)?.create?.(env, moves, {
    move_type: "entry",
    journal_id: own.journal_id,
    date: own.date,
    ...(own.ref !== undefined ? { ref: own.ref } : {}),
    ...(typeof own.partner_id === "number" ? { partner_id: own.partner_id } : {}),
  }) as Rec;
  const line = model.insert({
    sequence: 1,
    amount: 0,
    payment_ref: false,
    partner_name: false,
    account_number: false,
    transaction_type: false,
    partner_id: false,
    statement_id: false,
    foreign_currency_id: false,
    ...own,
    move_id: move.id,
  });
  const amount = round2(Number(line.amount ?? 0));
  const items = env.db.model("account.move.line");
  const item = (account: unknown, balance: number) =>
    items.insert({
      move_id: move.id,
      name: line.payment_ref,
      partner_id: line.partner_id,
      account_id: account,
      display_type: "product",
      balance,
      debit: Math.max(balance, 0),
      credit: balance < 0 ? -balance : 0,
      amount_currency: balance,
      tax_ids: [],
    });
  item(journal?.default_account_id ?? false, amount);
  item(suspense, round2(-amount));
  const post = moves.methods.get("action_post");
  post?.fn({ env, model: moves, ids: [move.id], args: {} });
  return line;
}

function defineLines(db: Database): void {
  const moveField = (name: string, field: FieldDef) => ({
    ...field,
    compute: (r: Rec, env: Env) => moveOf(env, r)?.[name] ?? false,
  });
  const lines = define(
    db,
    LINE_MODEL,
    {
      move_id: m2o("account.move", "Journal Entry", { required: true, readonly: true }),
      journal_id: m2o("account.journal", "Journal", { required: true }),
      company_id: m2o("res.company", "Company", {
        stored: true,
        compute: (r, env) => env.db.model("account.journal").rec(r.journal_id as number)?.company_id ?? 1,
      }),
      statement_id: m2o(STATEMENT_MODEL, "Statement"),
      sequence: int("Sequence"),
      partner_id: m2o("res.partner", "Partner"),
      account_number: char("Bank Account Number"),
      partner_name: char("Partner Name"),
      transaction_type: char("Transaction Type"),
      payment_ref: char("Label"),
      currency_id: m2o("res.currency", "Journal Currency", {
        stored: true,
        compute: (r, env) => journalCurrency(env, r.journal_id),
      }),
      amount: money("Amount"),
      foreign_currency_id: m2o("res.currency", "Foreign Currency"),
      amount_currency: money("Amount in Currency"),
      amount_residual: float("Residual Amount", { stored: true, compute: (r, env) => residual(env, r) }),
      is_reconciled: bool("Is Reconciled", {
        stored: true,
        compute: (r, env) => suspenseItems(env, r).length === 0 || Math.abs(residual(env, r)) < 0.005,
      }),
      internal_index: char("Internal Reference", { stored: true, compute: internalIndex }),
      transaction_details: json("Transaction Details", { readonly: true }),
      date: moveField("date", date("Date", { required: true })),
      ref: moveField("ref", char("Reference")),
      state: moveField("state", char("Status")),
      name: moveField("name", char("Number")),
    },
    {
      order: "internal_index desc",
      displayName: (r, env) => {
        const name = moveOf(env, r)?.name;
        return typeof name === "string" ? name : false;
      },
    },
  );
  hooks.set(lines, {
    create: (env, model, vals) => {
      checkRights(env, model, "Bank Statement Line");
      return createLine(env, model, vals);
    },
  });

  const moves = db.model("account.move");
  const lineOfMove = (env: Env, moveId: unknown) =>
    [...env.db.model(LINE_MODEL).records.values()].find((l) => l.move_id === moveId)?.id ?? false;
  moves.fields.statement_line_id = m2o(LINE_MODEL, "Statement Line", {
    readonly: true,
    compute: (r, env) => lineOfMove(env, r.id),
  });
  // Journal items know their statement line and payment (stored related fields: bank balances group by them).
  const itemFields = db.model("account.move.line").fields;
  itemFields.statement_line_id = m2o(LINE_MODEL, "Originator Statement Line", {
    stored: true,
    compute: (r, env) => lineOfMove(env, r.move_id),
  });
  itemFields.payment_id = m2o("account.payment", "Originator Payment", {
    stored: true,
    compute: (r, env) => env.db.model("account.move").rec(r.move_id as number)?.payment_id ?? false,
  });
}

function statementLines(env: Env, statement: Rec): Rec[] {
  return [...env.db.model(LINE_MODEL).records.values()]
    .filter((l) => l.statement_id === statement.id)
    .sort((a, b) => (internalIndex(a, env) < internalIndex(b, env) ? 1 : -1));
}

function defineStatements(db: Database): void {
  const statements = define(
    db,
    STATEMENT_MODEL,
    {
      name: char("Reference"),
      reference: char("External Reference"),
      date: date("Date", {
        stored: true,
        compute: (r, env) =>
          statementLines(env, r).find((l) => moveOf(env, l)?.state === "posted")?.date ?? false,
      }),
      balance_start: money("Starting Balance"),
      balance_end: money("Computed Balance", {
        stored: true,
        compute: (r, env) =>
          round2(
            statementLines(env, r).reduce(
              (sum, l) => sum + Number(l.amount ?? 0),
              Number(r.balance_start ?? 0),
            ),
          ),
      }),
      balance_end_real: money("Ending Balance"),
      company_id: m2o("res.company", "Company", {
        stored: true,
        compute: (r, env) => {
          const journal = statementLines(env, r)[0]?.journal_id;
          return env.db.model("account.journal").rec(journal as number)?.company_id ?? false;
        },
      }),
      currency_id: m2o("res.currency", "Currency", {
        stored: true,
        compute: (r, env) => {
          const journal = statementLines(env, r)[0]?.journal_id;
          return journal ? journalCurrency(env, journal) : false;
        },
      }),
      journal_id: m2o("account.journal", "Journal", {
        readonly: true,
        stored: true,
        compute: (r, env) => statementLines(env, r)[0]?.journal_id ?? false,
      }),
      // The lowest internal_index of its lines (lines are sorted newest first).
      first_line_index: char("First Line Index", {
        stored: true,
        compute: (r, env) => {
          const last = statementLines(env, r).at(-1);
          return last ? internalIndex(last, env) : false;
        },
      }),
      line_ids: {
        type: "one2many",
        relation: LINE_MODEL,
        inverse: "statement_id",
        string: "Statement lines",
        compute: (r, env) => statementLines(env, r).map((l) => l.id),
      },
      is_complete: bool("Is Complete", {
        compute: (r, env) => {
          const posted = statementLines(env, r).filter((l) => moveOf(env, l)?.state === "posted");
          const end = posted.reduce((sum, l) => sum + Number(l.amount ?? 0), Number(r.balance_start ?? 0));
          return posted.length > 0 && Math.abs(end - Number(r.balance_end_real ?? 0)) < 0.005;
        },
      }),
    },
    { order: "first_line_index desc" },
  );
  hooks.set(statements, {
    create: (env, model, vals) => {
      checkRights(env, model, "Bank Statement");
      const { line_ids: commands, ...rest } = vals;
      const statement = createGeneric(env, model, rest, { balance_start: 0, balance_end_real: 0 });
      const lines = env.db.model(LINE_MODEL);
      for (const command of Array.isArray(commands) ? commands : []) {
        if (!Array.isArray(command)) continue;
        const [code, id, value] = command as [number, number, unknown];
        if (code === 0) createLine(env, lines, { ...(value as Vals), statement_id: statement.id });
        const linked = code === 6 && Array.isArray(value) ? value : code === 4 ? [id] : [];
        for (const lineId of linked) {
          const line = lines.rec(Number(lineId));
          if (line) line.statement_id = statement.id;
        }
      }
      return statement;
    },
  });
}

export function defineBankStatements(db: Database): void {
  defineGroups(db);
  db.model("account.journal").fields.suspense_account_id = m2o("account.account", "Suspense Account", {
    compute: (r, env) => suspenseAccount(env, r),
  });
  defineLines(db);
  defineStatements(db);
  db.model("account.journal").fields.sequence = int("Sequence", { stored: true, compute: () => 10 });
}
