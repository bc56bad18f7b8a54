import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, INVOICE_INPUT, seedCustomer, startHarness } from "../support/harness.js";

const long = (n: number) => "x".repeat(n);

/** [title, tool, arguments, expected code] — every kind of bad input gets its contract code, and no request. */
const CASES: [string, string, unknown, string][] = [
  // create_invoice
  [
    "missing customer_name",
    "create_invoice",
    { ...INVOICE_INPUT, customer_name: undefined },
    "VALIDATION_ERROR",
  ],
  ["customer_name wrong type", "create_invoice", { ...INVOICE_INPUT, customer_name: 42 }, "VALIDATION_ERROR"],
  [
    "customer_name oversized",
    "create_invoice",
    { ...INVOICE_INPUT, customer_name: long(257) },
    "VALIDATION_ERROR",
  ],
  [
    "customer_email malformed",
    "create_invoice",
    { ...INVOICE_INPUT, customer_email: "not-an-email" },
    "VALIDATION_ERROR",
  ],
  [
    "invoice_date malformed",
    "create_invoice",
    { ...INVOICE_INPUT, invoice_date: "02/11/2026" },
    "INVALID_DATE",
  ],
  [
    "invoice_date not a calendar date",
    "create_invoice",
    { ...INVOICE_INPUT, invoice_date: "2026-02-30" },
    "INVALID_DATE",
  ],
  [
    "due_date before invoice_date",
    "create_invoice",
    { ...INVOICE_INPUT, due_date: "2026-10-01" },
    "INVALID_DATE",
  ],
  ["no line items", "create_invoice", { ...INVOICE_INPUT, line_items: [] }, "VALIDATION_ERROR"],
  [
    "negative quantity",
    "create_invoice",
    { ...INVOICE_INPUT, line_items: [{ description: "x", quantity: -1, unit_price: 1 }] },
    "VALIDATION_ERROR",
  ],
  [
    "unit_price a string",
    "create_invoice",
    { ...INVOICE_INPUT, line_items: [{ description: "x", quantity: 1, unit_price: "12" }] },
    "VALIDATION_ERROR",
  ],
  ["tax_rate out of range", "create_invoice", { ...INVOICE_INPUT, tax_rate: 15 }, "VALIDATION_ERROR"],
  ["tax_rate with no such tax", "create_invoice", { ...INVOICE_INPUT, tax_rate: 0.123 }, "VALIDATION_ERROR"],
  [
    "unknown customer",
    "create_invoice",
    { ...INVOICE_INPUT, customer_name: "Nobody Ltd" },
    "CUSTOMER_NOT_FOUND",
  ],
  ["notes oversized", "create_invoice", { ...INVOICE_INPUT, notes: long(4001) }, "VALIDATION_ERROR"],
  // send_invoice
  ["send: missing invoice_id", "send_invoice", {}, "VALIDATION_ERROR"],
  ["send: unknown invoice number", "send_invoice", { invoice_id: "INV/2099/99999" }, "INVOICE_NOT_FOUND"],
  ["send: unknown record id", "send_invoice", { invoice_id: "999999" }, "INVOICE_NOT_FOUND"],
  [
    "send: oversized subject",
    "send_invoice",
    { invoice_id: "1", email_subject: long(999) },
    "VALIDATION_ERROR",
  ],
  // record_payment
  [
    "payment: zero amount",
    "record_payment",
    { invoice_id: "1", amount: 0, payment_date: "2026-11-10", payment_method: "cash" },
    "INVALID_AMOUNT",
  ],
  [
    "payment: negative amount",
    "record_payment",
    { invoice_id: "1", amount: -5, payment_date: "2026-11-10", payment_method: "cash" },
    "INVALID_AMOUNT",
  ],
  [
    "payment: malformed date",
    "record_payment",
    { invoice_id: "1", amount: 5, payment_date: "yesterday", payment_method: "cash" },
    "PAYMENT_DATE_INVALID",
  ],
  [
    "payment: future date",
    "record_payment",
    { invoice_id: "1", amount: 5, payment_date: "2999-01-01", payment_method: "bank_transfer" },
    "PAYMENT_DATE_INVALID",
  ],
  [
    "payment: unknown method",
    "record_payment",
    { invoice_id: "1", amount: 5, payment_date: "2026-11-10", payment_method: "bitcoin" },
    "VALIDATION_ERROR",
  ],
  [
    "payment: unknown invoice",
    "record_payment",
    { invoice_id: "INV/2099/99999", amount: 5, payment_date: "2026-11-10", payment_method: "bank_transfer" },
    "INVOICE_NOT_FOUND",
  ],
  // post_invoice, create_draft_invoice, reads
  ["post: unknown invoice", "post_invoice", { invoice_id: "987654" }, "INVOICE_NOT_FOUND"],
  [
    "draft bill: amount a string",
    "create_draft_invoice",
    { description: "Paper", amount: "12" },
    "VALIDATION_ERROR",
  ],
  [
    "draft bill: negative amount",
    "create_draft_invoice",
    { description: "Paper", amount: -3 },
    "VALIDATION_ERROR",
  ],
  [
    "draft bill: oversized description",
    "create_draft_invoice",
    { description: long(1001), amount: 3 },
    "VALIDATION_ERROR",
  ],
  [
    "draft bill: unknown vendor id",
    "create_draft_invoice",
    { description: "Paper", amount: 3, partner_id: 987654 },
    "VALIDATION_ERROR",
  ],
  ["get_invoice: unknown", "get_invoice", { invoice_id: "INV/2099/99999" }, "INVOICE_NOT_FOUND"],
  ["list_invoices: limit out of range", "list_invoices", { limit: 100000 }, "VALIDATION_ERROR"],
  ["find_partners: oversized query", "find_partners", { query: long(300) }, "VALIDATION_ERROR"],
  ["unknown tool", "no_such_tool", {}, "VALIDATION_ERROR"],
];

describe("bad input of every kind gets its error code at once, and no approval request", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    await seedCustomer(h);
  });
  afterAll(async () => h.close());

  it.each(CASES)("%s", async (_title, tool, args, code) => {
    const before = (await h.app.approvals.list()).length;
    const result = await h.call(tool, args);
    expect(result.isError, result.text).toBe(true);
    expect(result.error?.code).toBe(code);
    expect(result.error?.message.length).toBeGreaterThan(10);
    expect(result.text).not.toMatch(/Traceback|at .*\.js:\d+|node_modules/);
    expect((await h.app.approvals.list()).length).toBe(before);
  });
});
