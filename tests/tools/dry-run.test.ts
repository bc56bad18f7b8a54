import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Odoo } from "../../src/mcp/odoo/types.js";
import { type Harness, INVOICE_INPUT, seedCustomer, startHarness } from "../support/harness.js";
import { toolNamed, unlistedKeys } from "../support/shapes.js";

const yesterday = () => new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
const today = () => new Date().toISOString().slice(0, 10);

/** Everything a write tool could create or change: counted before and after each dry run. */
const MODELS = [
  "account.move",
  "account.move.line",
  "account.payment",
  "hr.expense",
  "res.partner",
  "mail.message",
  "ir.attachment",
];
async function counts(odoo: Odoo): Promise<Record<string, number>> {
  const entries = await Promise.all(
    MODELS.map(async (model) => [model, await odoo.searchCount(model, [])] as const),
  );
  return Object.fromEntries(entries);
}
async function states(odoo: Odoo): Promise<unknown[]> {
  return odoo.searchRead("account.move", [], ["state", "is_move_sent", "amount_residual"], { order: "id" });
}

/** The output fields of a tool (its result's, without the approval and dry-run fields). */
const OUTPUT_FIELDS: Record<string, string[]> = {
  create_invoice: [
    "invoice_id",
    "total_amount",
    "odoo_url",
    "created_at",
    "record_id",
    "amount_untaxed",
    "amount_tax",
    "currency",
    "customer",
    "sent_to",
    "due_date",
    "warnings",
  ],
  send_invoice: ["invoice_id", "email_sent", "sent_to", "sent_at", "record_id", "odoo_url", "posted"],
  record_payment: [
    "payment_id",
    "invoice_id",
    "reconciled",
    "invoice_status",
    "created_at",
    "record_id",
    "amount",
    "amount_residual",
    "currency",
    "journal",
    "odoo_state",
  ],
  post_invoice: ["invoice_id", "record_id", "move_type", "total_amount", "odoo_url", "posted_at"],
  create_credit_note: ["credit_note_id", "record_id", "invoice_id", "total_amount", "amount_tax", "odoo_url"],
  create_expense: [
    "expense_id",
    "category",
    "receipt_attached",
    "created_at",
    "record_id",
    "odoo_url",
    "total_amount",
    "currency",
    "description",
    "expense_date",
    "category_name",
    "employee",
    "odoo_state",
    "report_id",
    "attachment_id",
    "warnings",
  ],
  create_draft_invoice: ["invoice_id", "record_id", "move_type", "total_amount", "odoo_url", "created_at"],
};

describe("DRY_RUN with Odoo up: the tools' output fields, totals from Odoo, nothing written", () => {
  let live: Harness;
  let dry: Harness;
  let posted: { id: number; name: string };
  let draft: number;
  let bill: number;

  beforeAll(async () => {
    live = await startHarness({
      version: 19,
      // The invoice (1,478.33) is above the default limit of what the prompt may approve.
      env: { ODOO_MCP_ELICITATION_MAX_AMOUNT: "5000" },
      elicitation: () => "approve",
    });
    dry = await startHarness({ version: 19, sandbox: live.sandbox, env: { DRY_RUN: "true" } });
    const customer = await seedCustomer(live);
    const odoo = live.app.odoo;
    const invoice = (state: "draft" | "posted") =>
      odoo.create("account.move", {
        move_type: "out_invoice",
        partner_id: customer,
        invoice_date: "2026-11-02",
        invoice_line_ids: [[0, 0, { name: `Work (${state})`, quantity: 2, price_unit: 250 }]],
      });
    const postedId = await invoice("posted");
    await odoo.call({ model: "account.move", method: "action_post", ids: [postedId] });
    const [row] = await odoo.read("account.move", [postedId], ["name"]);
    posted = { id: postedId, name: String(row?.name) };
    draft = await invoice("draft");
    bill = await odoo.create("account.move", {
      move_type: "in_invoice",
      partner_id: customer,
      invoice_date: "2026-11-03",
      invoice_line_ids: [[0, 0, { name: "Paper", quantity: 1, price_unit: 64.2 }]],
    });
  }, 30_000);
  afterAll(async () => {
    await dry?.close();
    await live?.close();
  });

  async function dryCall(name: string, args: Record<string, unknown>) {
    const before = await counts(dry.app.odoo);
    const movesBefore = await states(dry.app.odoo);
    const result = await dry.call(name, args);
    expect(result.isError, result.text).toBe(false);
    expect(await counts(dry.app.odoo), `${name} wrote nothing`).toEqual(before);
    expect(await states(dry.app.odoo), `${name} changed nothing`).toEqual(movesBefore);
    expect(result.data).toMatchObject({ status: "dry_run", dry_run: true, validated_against_odoo: true });
    expect(Object.keys(result.data)).toEqual(expect.arrayContaining(OUTPUT_FIELDS[name] ?? ["?"]));
    expect(result.data.would).toBeTypeOf("object");
    expect(JSON.parse(result.text)).toEqual(result.data);
    expect(unlistedKeys(toolNamed(name).output, result.data)).toEqual([]);
    return result.data;
  }

  it("create_invoice: Odoo's totals, computed read-only, equal the created invoice's", async () => {
    const preview = await dryCall("create_invoice", INVOICE_INPUT);
    expect(preview).toMatchObject({
      invoice_id: null,
      record_id: null,
      odoo_url: null,
      created_at: null,
      amount_untaxed: 1285.5,
      amount_tax: 192.83,
      total_amount: 1478.33,
      currency: "USD",
      customer: "Acme Corp",
      sent_to: "billing@acme.example",
      due_date: "2026-12-02",
      warnings: [],
    });
    const created = await live.call("create_invoice", INVOICE_INPUT);
    expect(created.data.status).toBe("draft");
    for (const key of ["amount_untaxed", "amount_tax", "total_amount", "currency", "customer", "sent_to"])
      expect(preview[key], key).toEqual(created.data[key]);
  });

  // Recorded on a real Odoo 19.0 (generic chart, tax_calculation_rounding_method "round_globally", its default):
  // three lines of 1.5 × 0.05 with 15% → amount_untaxed 0.23, amount_tax 0.03, amount_total 0.26 (each
  // price_subtotal 0.08); three lines of 1 × 0.05 with 15% → 0.15, 0.02, 0.17. Rounding per line would say
  // 0.24/0.03/0.27 and 0.15/0.03/0.18.
  it.each([
    [
      "1.5 × 0.05",
      { quantity: 1.5, unit_price: 0.05 },
      { amount_untaxed: 0.23, amount_tax: 0.03, total_amount: 0.26 },
    ],
    [
      "1 × 0.05",
      { quantity: 1, unit_price: 0.05 },
      { amount_untaxed: 0.15, amount_tax: 0.02, total_amount: 0.17 },
    ],
  ])(
    "create_invoice, Odoo 19 rounding per tax (round_globally), three lines of %s: preview = invoice",
    async (_name, line, totals) => {
      const input = {
        ...INVOICE_INPUT,
        line_items: ["A", "B", "C"].map((description) => ({ description, ...line })),
      };
      const preview = await dryCall("create_invoice", input);
      expect(preview).toMatchObject({ ...totals, warnings: [] });
      const created = await live.call("create_invoice", input);
      expect(created.data).toMatchObject({ status: "draft", ...totals });
    },
  );

  it("create_invoice without tax, round_globally: the exact sum rounded once", async () => {
    const { tax_rate: _none, ...untaxed } = INVOICE_INPUT;
    const input = {
      ...untaxed,
      line_items: ["A", "B", "C"].map((description) => ({ description, quantity: 1.5, unit_price: 0.05 })),
    };
    const preview = await dryCall("create_invoice", input);
    expect(preview).toMatchObject({ amount_untaxed: 0.23, amount_tax: 0, total_amount: 0.23 });
    const created = await live.call("create_invoice", input);
    expect(created.data).toMatchObject({ amount_untaxed: 0.23, amount_tax: 0, total_amount: 0.23 });
  });

  it("create_invoice without tax: the exact subtotal", async () => {
    const { tax_rate: _none, ...untaxed } = INVOICE_INPUT;
    const preview = await dryCall("create_invoice", untaxed);
    expect(preview).toMatchObject({ amount_untaxed: 1285.5, amount_tax: 0, total_amount: 1285.5 });
  });

  it("send_invoice (a draft: posted first, so its number is not known yet)", async () => {
    const preview = await dryCall("send_invoice", { invoice_id: String(draft) });
    expect(preview).toMatchObject({
      invoice_id: null,
      record_id: draft,
      sent_to: "billing@acme.example",
      posted: true,
      email_sent: null,
      sent_at: null,
    });
    const postedPreview = await dryCall("send_invoice", { invoice_id: posted.name });
    expect(postedPreview).toMatchObject({ invoice_id: posted.name, record_id: posted.id, posted: false });
  });

  it("record_payment", async () => {
    const preview = await dryCall("record_payment", {
      invoice_id: posted.name,
      amount: 200,
      payment_date: today(),
      payment_method: "bank_transfer",
    });
    expect(preview).toMatchObject({
      payment_id: null,
      record_id: null,
      invoice_id: posted.name,
      amount: 200,
      amount_residual: 300,
      invoice_status: "partial",
      currency: "USD",
      journal: expect.any(String),
      reconciled: null,
    });
  });

  it("post_invoice", async () => {
    const preview = await dryCall("post_invoice", { invoice_id: String(bill) });
    expect(preview).toMatchObject({
      invoice_id: null,
      record_id: bill,
      move_type: "in_invoice",
      total_amount: 64.2,
      posted_at: null,
    });
  });

  it("create_credit_note (half of one line: Odoo's totals, no credit note made)", async () => {
    const preview = await dryCall("create_credit_note", {
      invoice_id: posted.name,
      reason: "Half the work",
      date: yesterday(),
      lines: { "0": 1 },
    });
    expect(preview).toMatchObject({
      credit_note_id: null,
      record_id: null,
      invoice_id: posted.name,
      total_amount: 250,
      amount_tax: 0,
      currency: "USD",
      refund: null,
    });
  });

  it("create_expense", async () => {
    const preview = await dryCall("create_expense", {
      description: "Team dinner",
      amount: 180,
      expense_date: yesterday(),
      category: "meals",
      vendor: "Chez Marcel",
    });
    expect(preview).toMatchObject({
      expense_id: null,
      record_id: null,
      category: "meals",
      category_name: "Meals",
      total_amount: 180,
      currency: "USD",
      description: "Team dinner (Chez Marcel)",
      employee: "Administrator",
      expense_date: yesterday(),
    });
  });

  it("create_draft_invoice", async () => {
    const preview = await dryCall("create_draft_invoice", { description: "Ink", amount: 12.5 });
    expect(preview).toMatchObject({
      invoice_id: null,
      record_id: null,
      move_type: "in_invoice",
      total_amount: 12.5,
    });
  });

  it("a bad input still gets its contract error, and nothing is stored for approval", async () => {
    const bad = await dry.call("create_invoice", { ...INVOICE_INPUT, customer_name: "Nobody" });
    expect(bad.error?.code).toBe("CUSTOMER_NOT_FOUND");
    const missing = await dry.call("post_invoice", { invoice_id: "999999" });
    expect(missing.error?.code).toBe("INVOICE_NOT_FOUND");
    expect(await dry.app.approvals.list()).toEqual([]);
  });
});

describe("DRY_RUN with Odoo down", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ version: 19, env: { DRY_RUN: "true", ODOO_TIMEOUT_MS: "300" } });
    h.sandbox.setFault("down");
  });
  afterAll(async () => {
    await h?.close();
  });

  const calls: [string, Record<string, unknown>][] = [
    ["create_invoice", INVOICE_INPUT],
    ["send_invoice", { invoice_id: "INV/2026/00001" }],
    [
      "record_payment",
      { invoice_id: "INV/2026/00001", amount: 10, payment_date: "2026-11-10", payment_method: "cash" },
    ],
    ["post_invoice", { invoice_id: "42" }],
    ["create_credit_note", { invoice_id: "INV/2026/00001", reason: "Goodwill", date: "2026-11-10" }],
    ["create_expense", { description: "Taxi", amount: 30, expense_date: "2026-11-01", category: "travel" }],
    ["create_draft_invoice", { description: "Ink", amount: 12.5 }],
  ];

  it.each(calls)(
    "%s answers its output fields, null, and what it would do",
    async (name, args) => {
      const result = await h.call(name, args);
      expect(result.isError, result.text).toBe(false);
      expect(result.data).toMatchObject({
        status: "dry_run",
        dry_run: true,
        validated_against_odoo: false,
        would: { tool: name, arguments: args },
      });
      for (const field of OUTPUT_FIELDS[name] ?? ["?"]) expect(result.data[field], field).toBeNull();
      expect(unlistedKeys(toolNamed(name).output, result.data)).toEqual([]);
    },
    30_000,
  );
});
