import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createDraftBill,
  createInvoiceOperation,
  getInvoice,
  postInvoiceOperation,
  sendInvoiceOperation,
} from "../../src/mcp/accounting/index.js";
import {
  applyRef,
  createCustomer,
  daysAgo,
  expectToolError,
  startTestOdoo,
  type TestOdoo,
  uniqueName,
  VERSIONS,
} from "./helpers.js";

describe.each(VERSIONS)("send_invoice on Odoo %i", (version) => {
  let t: TestOdoo;
  beforeAll(async () => {
    t = await startTestOdoo(version);
  });
  afterAll(async () => {
    t?.sandbox.setSmtpUp(true);
    await t?.close();
  });

  async function draftInvoice(email: string | false, customerEmail: string | false = email): Promise<string> {
    const name = uniqueName("Mail Customer GmbH");
    await createCustomer(t.odoo, name, customerEmail);
    const input = {
      customer_name: name,
      customer_email: email || "nobody@example.com",
      invoice_date: daysAgo(20),
      due_date: daysAgo(-10),
      line_items: [{ description: "Consulting, November", quantity: 8, unit_price: 150 }],
      tax_rate: 0.15,
    };
    const created = await createInvoiceOperation.apply(
      t.odoo,
      input,
      applyRef(await createInvoiceOperation.mark(t.odoo, input)),
    );
    return created.invoice_id;
  }

  it("posts a draft, then emails it; sending twice is refused", async () => {
    const draftId = await draftInvoice("invoices@mail-customer.example");
    const input = { invoice_id: draftId };
    const prepared = await sendInvoiceOperation.prepare(t.odoo, input);
    expect(prepared.summary).toMatch(/Posts the draft invoice/);
    expect(prepared.summary).toContain("invoices@mail-customer.example");

    const marker = applyRef(await sendInvoiceOperation.mark(t.odoo, input));
    expect(await sendInvoiceOperation.findApplied(t.odoo, input, marker)).toBeNull();
    const out = await sendInvoiceOperation.apply(t.odoo, input, marker);
    expect(out).toMatchObject({
      status: "sent",
      email_sent: true,
      sent_to: "invoices@mail-customer.example",
      posted: true,
    });
    expect(out.invoice_id).toMatch(/^INV\//);
    const detail = await getInvoice(t.odoo, out.invoice_id);
    expect(detail.state).toBe("posted");
    expect(detail.is_move_sent).toBe(true);

    const found = await sendInvoiceOperation.findApplied(t.odoo, input, marker);
    expect(found).toMatchObject({ email_sent: true, record_id: out.record_id });
    await expectToolError(
      sendInvoiceOperation.prepare(t.odoo, { invoice_id: out.invoice_id }),
      "INVOICE_ALREADY_SENT",
    );
  });

  it("sends with a custom subject and body (Odoo 18 would silently drop the recipients)", async () => {
    const draftId = await draftInvoice("custom@mail-customer.example");
    const { invoice_id } = await postInvoiceOperation.apply(t.odoo, { invoice_id: draftId }, applyRef());
    const input = {
      invoice_id,
      email_subject: "Your invoice from My Company",
      email_body: "Hello,\nplease find it attached.",
    };
    const out = await sendInvoiceOperation.apply(
      t.odoo,
      input,
      applyRef(await sendInvoiceOperation.mark(t.odoo, input)),
    );
    expect(out).toMatchObject({ email_sent: true, posted: false, sent_to: "custom@mail-customer.example" });
    const messages = await t.odoo.searchRead(
      "mail.message",
      [
        ["model", "=", "account.move"],
        ["res_id", "=", out.record_id],
        ["message_type", "=", "comment"],
      ],
      ["subject"],
    );
    expect(messages.map((m) => m.subject)).toContain("Your invoice from My Company");
  });

  it("sends to the invoice-address contact when customer_email is not the customer's", async () => {
    const draftId = await draftInvoice("accounts@other.example", "main@other.example");
    const out = await sendInvoiceOperation.apply(t.odoo, { invoice_id: draftId }, applyRef());
    expect(out.sent_to).toBe("accounts@other.example");
    expect(out.email_sent).toBe(true);
  });

  it("refuses a customer without email before posting anything", async () => {
    const name = uniqueName("No Email Customer");
    const partnerId = await createCustomer(t.odoo, name, false);
    const id = await t.odoo.create("account.move", {
      move_type: "out_invoice",
      partner_id: partnerId,
      invoice_date: daysAgo(20),
      invoice_line_ids: [[0, 0, { name: "Customer without email", quantity: 1, price_unit: 99 }]],
    });
    const error = await expectToolError(
      sendInvoiceOperation.prepare(t.odoo, { invoice_id: String(id) }),
      "EMAIL_SEND_FAILED",
    );
    expect(error.message).toMatch(/no email/);
    await expectToolError(
      sendInvoiceOperation.apply(t.odoo, { invoice_id: String(id) }, applyRef()),
      "EMAIL_SEND_FAILED",
    );
    const [move] = await t.odoo.read("account.move", [id], ["state", "is_move_sent"]);
    expect(move).toMatchObject({ state: "draft", is_move_sent: false });
  });

  it("reports Odoo's reason when the mail server refuses, although Odoo marks the invoice sent", async () => {
    const draftId = await draftInvoice("smtp@mail-customer.example");
    t.sandbox.setSmtpUp(false);
    try {
      const error = await expectToolError(
        sendInvoiceOperation.apply(t.odoo, { invoice_id: draftId }, applyRef()),
        "EMAIL_SEND_FAILED",
      );
      expect(error.message).toMatch(/Connection refused/);
      expect(error.message).toMatch(/marked .* as sent/);
    } finally {
      t.sandbox.setSmtpUp(true);
    }
    const [move] = await t.odoo.read("account.move", [Number(draftId)], ["is_move_sent", "state"]);
    expect(move).toMatchObject({ is_move_sent: true, state: "posted" });
  });

  it("refuses vendor bills and unknown invoices", async () => {
    const bill = await createDraftBill(t.odoo, { description: "Paper", amount: 10 });
    await expectToolError(
      sendInvoiceOperation.prepare(t.odoo, { invoice_id: bill.invoice_id }),
      "INVALID_STATUS",
    );
    await expectToolError(
      sendInvoiceOperation.prepare(t.odoo, { invoice_id: "987654" }),
      "INVOICE_NOT_FOUND",
    );
  });

  it("uses the version's send wizard (19: subject; 18: mail_subject; 17: account.move.send)", async () => {
    const model = version === 17 ? "account.move.send" : "account.move.send.wizard";
    const fields = await t.odoo.call<Record<string, unknown>>(
      { model, method: "fields_get", args: { attributes: ["type"] } },
      { idempotent: true },
    );
    expect(Object.keys(fields)).toContain(version === 19 ? "subject" : "mail_subject");
  });
});
