#!/usr/bin/env node
// Compares generate_report's aged_payables, tax_summary and general_ledger, run on a real Odoo, with Odoo's own
// journal items read plainly (search_read), to the cent. Run by hand after `npm run build`:
//
//   node scripts/lab-reports.mjs [--setup] [--url http://127.0.0.1:8069] [--db odoo_test]
//     [--key-file ~/odoo-lab/apikey19.txt] [--start 2026-11-01] [--end 2026-11-30] [--account 211000]
//     [--allow-sandbox]   (to try it on a sandbox, src/sandbox, instead of a real Odoo)
//
// --setup first posts what the lab scenario 16 posts (vendor bills with the 15% purchase tax, one overdue, one paid,
// one partly paid; a taxed customer invoice partly paid), under names unique to this run. The key is read from the
// file and never printed. Exits 1 when a figure differs.
import os from "node:os";
import { generateReport } from "../dist/mcp/reports/index.js";
import { labOdoo, labOptions } from "./lab-odoo.mjs";

const opts = labOptions({ start: "2026-11-01", end: "2026-11-30", account: "211000", setup: false }, ["setup"]);
const odoo = labOdoo(opts);
const cents = (v) => Math.round(Number(v ?? 0) * 100);
const sum = (values) => values.reduce((a, b) => a + b, 0);
const fmt = (c) => (c / 100).toFixed(2);
let failures = 0;
const check = (what, reported, expected) => {
  const ok = reported === expected;
  if (!ok) failures += 1;
  console.log(`${ok ? "ok  " : "DIFF"} ${what}: report ${fmt(reported)}, journal items ${fmt(expected)}`);
};

async function setup() {
  const tag = `lab-${Date.now().toString(36)}`;
  const [sale] = await odoo.searchRead(
    "account.tax",
    [
      ["type_tax_use", "=", "sale"],
      ["amount", "=", 15],
    ],
    ["id"],
    { limit: 1 },
  );
  const [purchase] = await odoo.searchRead(
    "account.tax",
    [
      ["type_tax_use", "=", "purchase"],
      ["amount", "=", 15],
    ],
    ["id"],
    { limit: 1 },
  );
  const partner = (name, vals) =>
    odoo.create("res.partner", { name: `${name} ${tag}`, is_company: true, ...vals });
  const [alpha, beta, customer] = [
    await partner("Vendor Alpha", { supplier_rank: 1 }),
    await partner("Vendor Beta", { supplier_rank: 1 }),
    await partner("Customer", {}),
  ];
  const move = async (vals, lines) => {
    const id = await odoo.create("account.move", {
      ...vals,
      invoice_line_ids: lines.map(([name, quantity, price_unit, taxes]) => [
        0,
        0,
        { name, quantity, price_unit, tax_ids: [[6, 0, taxes]] },
      ]),
    });
    await odoo.call({ model: "account.move", method: "action_post", ids: [id] });
    return id;
  };
  const pay = async (id, amount, date) => {
    const context = { active_model: "account.move", active_ids: [id] };
    const wizard = await odoo.create("account.payment.register", { amount, payment_date: date }, context);
    await odoo.call({
      model: "account.payment.register",
      method: "action_create_payments",
      ids: [wizard],
      context,
    });
  };
  const bill = (partner_id, date, due, ref, lines) =>
    move(
      {
        move_type: "in_invoice",
        partner_id,
        invoice_date: date,
        invoice_date_due: due,
        ref: `${ref}-${tag}`,
      },
      lines,
    );
  await bill(alpha, "2026-09-20", "2026-10-20", "ALPHA-0920", [
    ["Shelving", 3, 120.5, [purchase.id]],
    ["Delivery", 1, 80, []],
  ]);
  const b = await bill(beta, "2026-11-05", "2026-12-05", "BETA-1105", [
    ["Consulting", 1, 1000, [purchase.id]],
  ]);
  const c = await bill(alpha, "2026-11-10", "2026-11-20", "ALPHA-1110", [
    ["Cables", 2, 45.25, [purchase.id]],
  ]);
  await pay(c, 104.08, "2026-11-15");
  await pay(b, 500, "2026-11-20");
  const inv = await move(
    {
      move_type: "out_invoice",
      partner_id: customer,
      invoice_date: "2026-11-02",
      invoice_date_due: "2026-12-02",
    },
    [["Workshop", 4, 250.35, [sale.id]]],
  );
  await pay(inv, 200, "2026-11-12");
  console.log(`set up: vendors and bills tagged ${tag}`);
}

if (opts.setup) await setup();
const run = async (report_type, extra = {}) =>
  (
    await generateReport(
      odoo,
      { report_type, start_date: opts.start, end_date: opts.end, ...extra },
      { dataDir: os.tmpdir() },
    )
  ).data.details;
const company = (await odoo.company()).current.id;
// tax_base_amount (a tax line's base) is a second check of the bases; the sandbox has no such field.
const described = await odoo.call({
  model: "account.move.line",
  method: "fields_get",
  args: { allfields: ["tax_base_amount"], attributes: ["type"] },
});
const withBase = "tax_base_amount" in described;
const items = await odoo.searchRead(
  "account.move.line",
  [
    ["parent_state", "=", "posted"],
    ["company_id", "=", company],
  ],
  [
    "date",
    "account_id",
    "partner_id",
    "balance",
    "debit",
    "credit",
    "amount_residual",
    "date_maturity",
    "reconciled",
    "tax_line_id",
    "tax_ids",
    ...(withBase ? ["tax_base_amount"] : []),
  ],
  { order: "date, id" },
);
const accounts = new Map(
  (
    await odoo.searchRead("account.account", [], ["code", "account_type"], {
      context: { active_test: false },
    })
  ).map((a) => [a.id, a]),
);
const accountOf = (line) => accounts.get(line.account_id[0]);
console.log(`${items.length} posted journal items read plainly; period ${opts.start}..${opts.end}`);

// aged_payables at end: what is owed now on payable items dated by then (no reconciliation after end is assumed
// when end is after the last payment; the report's partial-reconcile rule is checked by the sandbox tests).
const aged = await run("aged_payables");
const open = items.filter(
  (l) =>
    accountOf(l)?.account_type === "liability_payable" &&
    l.date <= opts.end &&
    !l.reconciled &&
    cents(l.amount_residual) !== 0,
);
check("aged_payables total owed", cents(aged.totals.total), -sum(open.map((l) => cents(l.amount_residual))));
for (const v of aged.vendors) {
  const mine = open.filter((l) => (l.partner_id ? l.partner_id[0] : null) === v.partner_id);
  check(`  ${v.name}`, cents(v.total), -sum(mine.map((l) => cents(l.amount_residual))));
}
check(
  "aged_payables over 90 + 31-60 + 1-30 + not due",
  cents(aged.totals.total),
  sum(["not_due", "days_1_30", "days_31_60", "days_61_90", "over_90"].map((k) => cents(aged.totals[k]))),
);

// tax_summary over the period.
const tax = await run("tax_summary");
const inPeriod = items.filter((l) => l.date >= opts.start && l.date <= opts.end);
for (const [section, sign] of [
  ["sales", -1],
  ["purchases", 1],
]) {
  for (const t of tax[section].taxes) {
    check(
      `tax_summary ${section} ${t.name} (id ${t.tax_id}) base`,
      cents(t.base),
      sign * sum(inPeriod.filter((l) => l.tax_ids.includes(t.tax_id)).map((l) => cents(l.balance))) || 0,
    );
    const lines = inPeriod.filter((l) => l.tax_line_id && l.tax_line_id[0] === t.tax_id);
    check(
      `tax_summary ${section} ${t.name} (id ${t.tax_id}) tax`,
      cents(t.tax),
      sign * sum(lines.map((l) => cents(l.balance))) || 0,
    );
    if (withBase && lines.length > 0)
      check(
        "  its tax lines' tax_base_amount",
        cents(t.base),
        sign * sum(lines.map((l) => cents(l.tax_base_amount))) || 0,
      );
  }
}
console.log(`tax_summary: collected ${tax.tax_collected}, paid ${tax.tax_paid}, net due ${tax.net_due}`);

// general_ledger of one account, every page.
const account = [...accounts.values()].find((a) => a.code === opts.account);
const onAccount = items.filter((l) => l.account_id[0] === account.id);
const expected = onAccount.filter((l) => l.date >= opts.start && l.date <= opts.end);
const seen = [];
let cursor;
let pages = 0;
let d;
do {
  d = await run("general_ledger", { account_code: opts.account, ...(cursor ? { cursor } : {}) });
  pages += 1;
  seen.push(...d.items);
  cursor = d.page.next_cursor;
} while (cursor);
check(
  `general_ledger ${opts.account} opening balance`,
  cents(d.opening_balance),
  sum(onAccount.filter((l) => l.date < opts.start).map((l) => cents(l.balance))),
);
check(`general_ledger ${opts.account} debit`, cents(d.debit), sum(expected.map((l) => cents(l.debit))));
check(`general_ledger ${opts.account} credit`, cents(d.credit), sum(expected.map((l) => cents(l.credit))));
check(
  `general_ledger ${opts.account} closing balance`,
  cents(d.closing_balance),
  sum(onAccount.filter((l) => l.date <= opts.end).map((l) => cents(l.balance))),
);
const sameItems = JSON.stringify(seen.map((i) => i.line_id)) === JSON.stringify(expected.map((l) => l.id));
let running = cents(d.opening_balance);
const continuous = seen.every((i) => (running += cents(i.debit) - cents(i.credit)) === cents(i.balance));
if (!sameItems || !continuous) failures += 1;
console.log(
  `${sameItems && continuous ? "ok  " : "DIFF"} general_ledger: ${seen.length} items in ${pages} page(s), each once in date/id order: ${sameItems}; running balance continuous: ${continuous}`,
);
console.log(failures === 0 ? "every figure equals the journal items" : `${failures} difference(s)`);
process.exit(failures === 0 ? 0 : 1);
