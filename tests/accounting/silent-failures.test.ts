/** The cases where real Odoo answers success although the job was not done (see the transcripts' READMEs). */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createInvoiceOperation,
  postInvoiceOperation,
  recordPaymentOperation,
  sendInvoiceOperation,
} from "../../src/mcp/accounting/index.js";
import {
  alteredOdoo,
  applyRef,
  createCustomer,
  daysAgo,
  expectToolError,
  startTestOdoo,
  type TestOdoo,
  uniqueName,
  VERSIONS,
} from "./helpers.js";

describe.each(VERSIONS)("silent Odoo failures on %i", (version) => {
  let t: TestOdoo;
  beforeAll(async () => {
    t = await startTestOdoo(version);
  });
  afterAll(async () => {
    t?.sandbox.setSmtpUp(true);
    await t?.close();
  });

  async function postedInvoice(
    email: string,
    unitPrice = 200,
  ): Promise<{ invoice_id: string; record_id: number }> {
    const name = uniqueName("Silent Customer");
    await createCustomer(t.odoo, name, email);
    const input = {
      customer_name: name,
      customer_email: email,
      invoice_date: daysAgo(20),
      due_date: daysAgo(-10),
      line_items: [{ description: "Queued mail invoice", quantity: 1, unit_price: unitPrice }],
      tax_rate: 0.15,
    };
    const created = await createInvoiceOperation.apply(
      t.odoo,
      input,
      applyRef(await createInvoiceOperation.mark(t.odoo, input)),
    );
    return postInvoiceOperation.apply(t.odoo, { invoice_id: created.invoice_id }, applyRef());
  }

  it("sends a mail that Odoo only queued, once, and confirms its delivery", async () => {
    const { invoice_id } = await postedInvoice("queued@mail-customer.example");
    const sends: OdooCallLog[] = [];
    const queueing = alteredOdoo(t.odoo, {
      call: (call) => {
        if (call.model === "mail.mail" && call.method === "send") sends.push({ ids: call.ids ?? [] });
        return call.method === "action_send_and_print" && call.model !== "account.move"
          ? { ...call, context: { ...call.context, mail_notify_force_send: false } }
          : call;
      },
    });
    const out = await sendInvoiceOperation.apply(
      queueing,
      { invoice_id },
      applyRef(await sendInvoiceOperation.mark(t.odoo, { invoice_id })),
    );
    expect(out.email_sent).toBe(true);
    expect(sends).toHaveLength(1);
  });

  it("answers EMAIL_SEND_FAILED when the mail server is down, and findApplied says so after a crash", async () => {
    const { invoice_id } = await postedInvoice("down@mail-customer.example");
    const marker = applyRef(await sendInvoiceOperation.mark(t.odoo, { invoice_id }));
    t.sandbox.setSmtpUp(false);
    try {
      const error = await expectToolError(
        sendInvoiceOperation.apply(t.odoo, { invoice_id }, marker),
        "EMAIL_SEND_FAILED",
      );
      expect(error.details?.reason).toMatch(/Connection refused/);
    } finally {
      t.sandbox.setSmtpUp(true);
    }
    // Replaying after a crash must neither send again nor claim success.
    await expectToolError(
      sendInvoiceOperation.findApplied(t.odoo, { invoice_id }, marker),
      "EMAIL_SEND_FAILED",
    );
    await expectToolError(sendInvoiceOperation.prepare(t.odoo, { invoice_id }), "INVOICE_ALREADY_SENT");
  });

  it("answers RECONCILIATION_FAILED when the amount due did not drop by the payment", async () => {
    const { invoice_id } = await postedInvoice("recon@example.com", 100); // 115.00 due
    const wrongAmount = alteredOdoo(t.odoo, {
      create: (model, values) =>
        model === "account.payment.register" ? { ...values, amount: Number(values.amount) - 0.01 } : values,
    });
    const error = await expectToolError(
      recordPaymentOperation.apply(
        wrongAmount,
        { invoice_id, amount: 50, payment_date: daysAgo(1), payment_method: "bank_transfer" },
        applyRef(),
      ),
      "RECONCILIATION_FAILED",
    );
    expect(error.message).toMatch(/do not record it again/);
    expect(error.details?.payment_id).toMatch(/^PBNK1\//);
  });

  it("does not mistake another payment for its own after a crash", async () => {
    const { invoice_id } = await postedInvoice("other@example.com", 100);
    const input = {
      invoice_id,
      amount: 30,
      payment_date: daysAgo(1),
      payment_method: "bank_transfer" as const,
    };
    const marker = applyRef(await recordPaymentOperation.mark(t.odoo, input));
    await recordPaymentOperation.apply(t.odoo, { ...input, amount: 20 }, applyRef());
    expect(await recordPaymentOperation.findApplied(t.odoo, input, marker)).toBeNull();
    const applied = await recordPaymentOperation.apply(t.odoo, input, marker);
    expect((await recordPaymentOperation.findApplied(t.odoo, input, marker))?.record_id).toBe(
      applied.record_id,
    );
    expect(applied).toMatchObject({ invoice_status: "partial", amount_residual: 65 });
  });

  it("refuses a cancelled invoice for posting, sending and payment", async () => {
    const name = uniqueName("Cancel Customer");
    const partner = await createCustomer(t.odoo, name, "cancel@example.com");
    const id = await t.odoo.create("account.move", {
      move_type: "out_invoice",
      partner_id: partner,
      invoice_date: daysAgo(5),
      invoice_line_ids: [[0, 0, { name: "Cancelled work", quantity: 1, price_unit: 10 }]],
    });
    await t.odoo.call({ model: "account.move", method: "button_cancel", ids: [id] });
    const ref = String(id);
    await expectToolError(postInvoiceOperation.prepare(t.odoo, { invoice_id: ref }), "INVALID_STATUS");
    await expectToolError(sendInvoiceOperation.prepare(t.odoo, { invoice_id: ref }), "INVALID_STATUS");
    await expectToolError(
      recordPaymentOperation.prepare(t.odoo, {
        invoice_id: ref,
        amount: 10,
        payment_date: daysAgo(1),
        payment_method: "check",
      }),
      "INVALID_STATUS",
    );
  });

  it("passes Odoo's own refusal to post on as VALIDATION_ERROR with Odoo's words", async () => {
    const vendor = await createCustomer(t.odoo, uniqueName("Undated Vendor"), "v@example.com");
    const id = await t.odoo.create("account.move", {
      move_type: "in_invoice",
      partner_id: vendor,
      invoice_line_ids: [[0, 0, { name: "Undated bill", quantity: 1, price_unit: 10 }]],
    });
    if (version === 19) {
      // 19 accepts a bill without date (it takes today).
      const posted = await postInvoiceOperation.apply(t.odoo, { invoice_id: String(id) }, applyRef());
      expect(posted.status).toBe("posted");
    } else {
      const error = await expectToolError(
        postInvoiceOperation.apply(t.odoo, { invoice_id: String(id) }, applyRef()),
        "VALIDATION_ERROR",
      );
      expect(error.message).toContain("The Bill/Refund date is required to validate this document.");
    }
  });
});

interface OdooCallLog {
  ids: number[];
}
