#!/usr/bin/env node
// Compares get_bank_balances and the cash flow's cash at bank, run on a real Odoo, with Odoo's own figures: the
// bank journal's dashboard (`account.journal.kanban_dashboard`: account_balance, outstanding_pay_account_balance,
// last_balance, number_to_reconcile) and the records read plainly. Run by hand after `npm run build`, holding the
// lab's lock (`flock /tmp/lab.lock node scripts/lab-bank-balances.mjs --setup`):
//
//   node scripts/lab-bank-balances.mjs [--setup] [--url http://127.0.0.1:8069] [--db odoo_test]
//     [--key-file ~/odoo-lab/apikey19.txt] [--allow-sandbox]
//
// --setup first does what lab scenario 22 does (the admin given "Show Full Accounting Features", two customer
// payments and a vendor payment registered, a statement with the vendor payment's line and a bank fee, left
// unreconciled) under names unique to this run, plus a third customer payment whose statement line is reconciled
// with it the way Odoo's bank reconciliation writes it (the statement line's suspense item moved to the outstanding
// receipts account, then reconciled with the payment's item). The key is read from the file and never printed.
// Exits 1 when a figure differs.
import os from "node:os";
import { bankBalances } from "../dist/mcp/reports/bank-balances.js";
import { generateReport } from "../dist/mcp/reports/index.js";
import { labOdoo, labOptions } from "./lab-odoo.mjs";

const opts = labOptions({}, ["setup"]);
const odoo = labOdoo(opts);
const cents = (v) => Math.round(Number(String(v ?? 0).replace(/[^0-9.-]/g, "")) * 100);
const sum = (values) => values.reduce((a, b) => a + b, 0);
const fmt = (c) => (c / 100).toFixed(2);
let failures = 0;
const check = (what, ours, theirs, source) => {
  const ok = ours === theirs;
  if (!ok) failures += 1;
  console.log(`${ok ? "ok  " : "DIFF"} ${what}: odoo-mcp ${ours}, ${source} ${theirs}`);
};
const one = (res) => (Array.isArray(res) ? res[0] : res);
const call = (model, method, args = {}, extra = {}) => odoo.call({ model, method, args, ...extra }, { idempotent: false });

async function setup() {
  const tag = `lab-${Date.now().toString(36)}`;
  const [group] = await odoo.searchRead(
    "ir.model.data",
    [
      ["module", "=", "account"],
      ["name", "=", "group_account_user"],
    ],
    ["res_id"],
  );
  const [user] = await odoo.searchRead("res.users", [["login", "=", "admin"]], ["id"]);
  await call("res.users", "write", { vals: { group_ids: [[4, group.res_id]] } }, { ids: [user.id] });
  const [bank] = await odoo.searchRead("account.journal", [["type", "=", "bank"]], ["default_account_id"], { limit: 1 });
  const partner = async (name, vendor) =>
    one(await call("res.partner", "create", { vals_list: [{ name: `${name} ${tag}`, ...(vendor ? { supplier_rank: 1 } : {}) }] }));
  const move = async (moveType, partnerId, price) => {
    const id = one(
      await call("account.move", "create", {
        vals_list: [
          {
            move_type: moveType,
            partner_id: partnerId,
            invoice_date: "2026-11-03",
            invoice_line_ids: [[0, 0, { name: "Lab", quantity: 1, price_unit: price, tax_ids: [[6, 0, []]] }]],
          },
        ],
      }),
    );
    await call("account.move", "action_post", {}, { ids: [id] });
    return id;
  };
  const pay = async (moveId, amount, date) => {
    const context = { active_model: "account.move", active_ids: [moveId] };
    const wizard = one(await call("account.payment.register", "create", { vals_list: [{ amount, payment_date: date, journal_id: bank.id }] }, { context }));
    const action = await call("account.payment.register", "action_create_payments", {}, { ids: [wizard], context });
    return action.res_id;
  };
  await pay(await move("out_invoice", await partner("Balance Customer A"), 500), 500, "2026-11-10");
  await pay(await move("out_invoice", await partner("Balance Customer B"), 240.75), 240.75, "2026-11-12");
  const vendor = await partner("Balance Vendor", true);
  await pay(await move("in_invoice", vendor, 120.5), 120.5, "2026-11-12");
  const customerC = await partner("Balance Customer C");
  const matched = await pay(await move("out_invoice", customerC, 99.99), 99.99, "2026-11-13");
  const lines = await call("account.bank.statement.line", "create", {
    vals_list: [
      { journal_id: bank.id, date: "2026-11-14", amount: -120.5, payment_ref: `BAL ${tag}`, partner_id: vendor },
      { journal_id: bank.id, date: "2026-11-14", amount: -9.9, payment_ref: `Bank fee ${tag}` },
      { journal_id: bank.id, date: "2026-11-15", amount: 99.99, payment_ref: `Customer C ${tag}`, partner_id: customerC },
    ],
  });
  await call("account.bank.statement", "create", {
    vals_list: [{ name: `Statement ${tag}`, balance_start: 1000, balance_end_real: 969.59, line_ids: [[6, 0, lines]] }],
  });
  // Customer C's line reconciled with its payment, as Odoo's bank reconciliation writes it.
  const [payment] = await odoo.read("account.payment", [matched], ["move_id", "outstanding_account_id"]);
  const outstanding = payment.outstanding_account_id[0];
  const [suspense] = await odoo.searchRead(
    "account.move.line",
    [
      ["statement_line_id", "=", lines[2]],
      ["account_id", "!=", bank.default_account_id[0]],
    ],
    ["move_id"],
  );
  await call(
    "account.move",
    "write",
    { vals: { line_ids: [[1, suspense.id, { account_id: outstanding, partner_id: customerC }]] } },
    { ids: [suspense.move_id[0]], context: { skip_readonly_check: true } },
  );
  const [paymentItem] = await odoo.searchRead(
    "account.move.line",
    [
      ["move_id", "=", payment.move_id[0]],
      ["account_id", "=", outstanding],
    ],
    ["id"],
  );
  await call("account.move.line", "reconcile", {}, { ids: [suspense.id, paymentItem.id] });
  console.log(`set up ${tag}: 4 payments, 3 statement lines (Customer C's reconciled with its payment)`);
}

if (opts.setup) await setup();

const balances = await bankBalances(odoo);
const journals = await odoo.searchRead(
  "account.journal",
  [["id", "in", balances.journals.map((j) => j.journal_id)]],
  ["name", "kanban_dashboard", "default_account_id"],
);
for (const ours of balances.journals) {
  const journal = journals.find((j) => j.id === ours.journal_id);
  const dashboard = JSON.parse(journal.kanban_dashboard);
  console.log(`\n${ours.name} (${ours.currency})`);
  // Odoo's dashboard "Balance" is the statement lines' running balance (from the first statement's starting
  // balance), not the ledger: they differ by whatever the bank held before the first statement that was never booked.
  console.log(
    `info balance in the books ${ours.books}; dashboard account_balance (statements' running balance) ${fmt(cents(dashboard.account_balance))}`,
  );
  check(
    "payments in transit, incoming - outgoing",
    cents(ours.incoming.amount) - cents(ours.outgoing.amount),
    cents(dashboard.outstanding_pay_account_balance),
    "dashboard outstanding_pay_account_balance",
  );
  if (ours.last_statement)
    check("last statement's ending balance", cents(ours.last_statement.balance), cents(dashboard.last_balance), "dashboard last_balance");
  check("statement lines to reconcile", ours.unreconciled.count, dashboard.number_to_reconcile, "dashboard number_to_reconcile");

  const items = await odoo.searchRead(
    "account.move.line",
    [
      ["account_id", "=", journal.default_account_id[0]],
      ["parent_state", "=", "posted"],
    ],
    ["balance"],
  );
  check("balance in the books", cents(ours.books), sum(items.map((l) => cents(l.balance))), "items read plainly");
  const open = await odoo.searchRead(
    "account.bank.statement.line",
    [
      ["journal_id", "=", ours.journal_id],
      ["is_reconciled", "=", false],
    ],
    ["amount"],
  );
  check("unreconciled statement lines", cents(ours.unreconciled.amount), sum(open.map((l) => cents(l.amount))), "lines read plainly");
  const payments = await odoo.searchRead(
    "account.payment",
    [
      ["journal_id", "=", ours.journal_id],
      ["is_matched", "=", false],
      ["move_id.state", "=", "posted"],
    ],
    ["amount", "payment_type"],
  );
  for (const [direction, type] of [
    ["incoming", "inbound"],
    ["outgoing", "outbound"],
  ]) {
    const list = payments.filter((p) => p.payment_type === type);
    check(`${direction} payments in transit (count)`, ours[direction].count, list.length, "payments read plainly");
    check(`${direction} payments in transit`, cents(ours[direction].amount), sum(list.map((p) => cents(p.amount))), "payments read plainly");
  }
  console.log(`     after clearing: ${ours.after_clearing}; last statement: ${JSON.stringify(ours.last_statement)}`);
}

const flow = await generateReport(
  odoo,
  { report_type: "cash_flow", start_date: "2026-01-01", end_date: "2026-12-31" },
  { dataDir: os.tmpdir() },
);
const d = flow.data.details;
console.log("\ncash_flow 2026");
const bankTotal = sum(balances.journals.map((j) => cents(j.books)));
check("closing cash at bank", cents(d.closing_cash), bankTotal, "get_bank_balances books");
check(
  "closing bank statement lines not yet reconciled",
  cents(d.closing_cash_unreconciled),
  sum(balances.journals.map((j) => cents(j.unreconciled.amount))),
  "get_bank_balances unreconciled",
);
check(
  "closing payments in transit",
  cents(d.closing_cash_in_transit),
  sum(balances.journals.map((j) => cents(j.incoming.amount) - cents(j.outgoing.amount))),
  "get_bank_balances incoming - outgoing",
);
console.log(
  `     cash at bank ${fmt(cents(d.closing_cash))} = reconciled ${fmt(cents(d.closing_cash_reconciled))} + not yet reconciled ${fmt(cents(d.closing_cash_unreconciled))} (${d.unreconciled_statement_lines} lines); payments in transit ${fmt(cents(d.closing_cash_in_transit))}; closing ${fmt(cents(d.closing_balance))}`,
);
await odoo.close?.();
process.exit(failures === 0 ? 0 : 1);
