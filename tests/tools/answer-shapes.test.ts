import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, INVOICE_INPUT, seedCustomer, startHarness } from "../support/harness.js";
import { rawAnswer, toolNamed, unlistedKeys } from "../support/shapes.js";

const today = () => new Date().toISOString().slice(0, 10);
const yesterday = () => new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);

/**
 * One shape per answer: a gated call approved during the call answers exactly what the executor stored (and
 * get_approval returns), plus its approval fields; and no tool returns a key its output schema does not list
 * (the server would silently drop it).
 */
describe("answers of a call approved during the call (elicitation)", () => {
  let h: Harness;
  const answers = new Map<string, { direct: Record<string, unknown>; stored: Record<string, unknown> }>();

  /** The call through MCP, approved in the client's prompt, and what get_approval returns for it. */
  async function approvedCall(name: string, args: Record<string, unknown>) {
    const result = await h.call(name, args);
    expect(result.isError, result.text).toBe(false);
    expect(JSON.parse(result.text), "the text content is the structured content").toEqual(result.data);
    const view = await h.call("get_approval", { approval_id: result.data.approval_id });
    expect(view.data.status, name).toBe("executed");
    const stored = view.data.output as Record<string, unknown>;
    answers.set(name, { direct: result.data, stored });
    return result.data;
  }

  beforeAll(async () => {
    h = await startHarness({
      version: 19,
      // The invoice (1,478.33) is above the default limit of what the prompt may approve; the calls below add up
      // to more than its daily budget and, for one customer, than its default limit (installments judged together).
      env: {
        ODOO_MCP_ELICITATION_MAX_AMOUNT: "10000",
        ODOO_MCP_ELICITATION_DAILY_COUNT: "100",
        ODOO_MCP_ELICITATION_DAILY_TOTAL: "100000",
      },
      elicitation: () => "approve",
    });
    await seedCustomer(h);
    const invoice = await approvedCall("create_invoice", INVOICE_INPUT);
    const sent = await approvedCall("send_invoice", { invoice_id: String(invoice.record_id) });
    await approvedCall("record_payment", {
      invoice_id: sent.invoice_id,
      amount: 100,
      payment_date: today(),
      payment_method: "bank_transfer",
      reference: "first part",
    });
    // A customer invoice's draft (posting a vendor bill is money going out: never approved in the chat).
    const draft = await h.call("create_invoice", {
      ...INVOICE_INPUT,
      line_items: [{ description: "Printer paper", quantity: 1, unit_price: 64.2 }],
    });
    expect(draft.data.status, draft.text).toBe("draft");
    await approvedCall("post_invoice", { invoice_id: String(draft.data.record_id) });
    await approvedCall("create_expense", {
      description: "Team dinner",
      amount: 180,
      expense_date: yesterday(),
      category: "meals",
    });
  }, 60_000);
  afterAll(async () => {
    await h?.close();
  });

  const gated = ["create_invoice", "send_invoice", "record_payment", "post_invoice", "create_expense"];

  it.each(gated)("%s: the direct answer is the stored outcome plus the approval fields", (name) => {
    const answer = answers.get(name);
    if (!answer) throw new Error(`${name} did not run`);
    expect(answer.direct).toEqual({ ...answer.stored, approval_id: answer.direct.approval_id });
    expect(answer.direct.approval_id).toMatch(/^apr_/);
  });

  it("create_invoice's direct answer keeps the fields the schema used to drop", () => {
    const direct = answers.get("create_invoice")?.direct;
    expect(direct).toMatchObject({
      status: "draft",
      sent_to: "billing@acme.example",
      warnings: [],
      amount_untaxed: 1285.5,
      amount_tax: 192.83,
      total_amount: 1478.33,
      currency: "USD",
      customer: "Acme Corp",
      due_date: "2026-12-02",
    });
  });

  it.each(gated)("%s: every key of the operation's output is in the tool's output schema", (name) => {
    const stored = answers.get(name)?.stored;
    if (!stored) throw new Error(`${name} did not run`);
    expect(Object.keys(stored).length).toBeGreaterThan(4);
    expect(unlistedKeys(toolNamed(name).output, stored)).toEqual([]);
  });
});

describe("every tool's raw answer fits its output schema", () => {
  let h: Harness;
  let dry: Harness;
  beforeAll(async () => {
    h = await startHarness({ version: 19 });
    dry = await startHarness({ version: 19, sandbox: h.sandbox, env: { DRY_RUN: "true" } });
    await seedCustomer(h);
  });
  afterAll(async () => {
    await dry?.close();
    await h?.close();
  });

  it("the schema check itself finds an unlisted key, at any depth", () => {
    const listTaxes = toolNamed("list_taxes").output;
    expect(unlistedKeys(toolNamed("create_invoice").output, { status: "draft", surprise: 1 })).toEqual([
      "$.surprise",
    ]);
    const [path] = unlistedKeys(listTaxes, { taxes: [{ id: 1, unknown_field: true }] });
    expect(path).toMatch(/unknown_field$/);
  });

  it("create_draft_invoice", async () => {
    const answer = await rawAnswer(h, "create_draft_invoice", { description: "Ink", amount: 12.5 });
    expect(answer.status).toBe("draft");
    expect(unlistedKeys(toolNamed("create_draft_invoice").output, answer)).toEqual([]);
  });

  it("the read tools", async () => {
    const vendor = await h.app.odoo.create("res.partner", { name: "Toner Supplies", is_company: true });
    const bill = await rawAnswer(h, "create_draft_invoice", {
      description: "Toner",
      amount: 80,
      partner_id: vendor,
    });
    // A posted bill, so that the reports have journal items to sum.
    await h.app.odoo.call({ model: "account.move", method: "action_post", ids: [Number(bill.record_id)] });
    const pending = await rawAnswer(h, "create_invoice", INVOICE_INPUT);
    const year = today().slice(0, 4);
    const calls: [string, Record<string, unknown>][] = [
      ["find_partners", { query: "Acme" }],
      ["list_invoices", {}],
      ["get_invoice", { invoice_id: bill.invoice_id }],
      ["list_journals", {}],
      ["list_taxes", {}],
      ["list_expense_categories", {}],
      ["get_approval", { approval_id: pending.approval_id }],
      ["list_approvals", {}],
      ["get_bank_balances", {}],
      ["generate_report", { report_type: "profit_loss", start_date: `${year}-01-01`, end_date: today() }],
      ["generate_report", { report_type: "balance_sheet", start_date: `${year}-01-01`, end_date: today() }],
    ];
    for (const [name, args] of calls) {
      const answer = await rawAnswer(h, name, args);
      expect(Object.keys(answer).length, name).toBeGreaterThan(0);
      expect(unlistedKeys(toolNamed(name).output, answer), name).toEqual([]);
    }
  });

  it("a pending answer of each gated tool, and each write tool's dry run", async () => {
    const pending = await rawAnswer(h, "create_invoice", INVOICE_INPUT);
    expect(pending.status).toBe("pending_approval");
    expect(unlistedKeys(toolNamed("create_invoice").output, pending)).toEqual([]);
    const answer = await rawAnswer(dry, "create_invoice", INVOICE_INPUT);
    expect(answer.status).toBe("dry_run");
    expect(unlistedKeys(toolNamed("create_invoice").output, answer)).toEqual([]);
    const bill = await rawAnswer(dry, "create_draft_invoice", { description: "Ink", amount: 12.5 });
    expect(bill.status).toBe("dry_run");
    expect(unlistedKeys(toolNamed("create_draft_invoice").output, bill)).toEqual([]);
  });
});
