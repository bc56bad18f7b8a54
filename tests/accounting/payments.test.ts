import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createInvoiceOperation,
  forgetSession,
  listPaymentJournals,
  postInvoiceOperation,
  type RecordPaymentInput,
  recordPaymentOperation,
} from "../../src/mcp/accounting/index.js";
import { todayIn } from "../../src/mcp/dates.js";
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

describe.each(VERSIONS)("record_payment on Odoo %i", (version) => {
  let t: TestOdoo;
  beforeAll(async () => {
    t = await startTestOdoo(version);
  });
  afterAll(async () => {
    await t?.close();
  });

  /** A customer invoice of `unitPrice` + 15 % tax, posted unless told otherwise. */
  async function invoice(
    unitPrice: number,
    options: { post?: boolean; taxRate?: number } = {},
  ): Promise<string> {
    const name = uniqueName("Payment Customer LLC");
    await createCustomer(t.odoo, name, "pay@payment-customer.example");
    const input = {
      customer_name: name,
      customer_email: "pay@payment-customer.example",
      invoice_date: daysAgo(20),
      due_date: daysAgo(-10),
      line_items: [{ description: "Work", quantity: 1, unit_price: unitPrice }],
      tax_rate: options.taxRate ?? 0.15,
    };
    const created = await createInvoiceOperation.apply(
      t.odoo,
      input,
      applyRef(await createInvoiceOperation.mark(t.odoo, input)),
    );
    if (options.post === false) return created.invoice_id;
    const posted = await postInvoiceOperation.apply(t.odoo, { invoice_id: created.invoice_id }, applyRef());
    return posted.invoice_id;
  }

  const pay = (
    invoice_id: string,
    amount: number,
    extra: Partial<RecordPaymentInput> = {},
  ): RecordPaymentInput => ({
    invoice_id,
    amount,
    payment_date: daysAgo(2),
    payment_method: "bank_transfer",
    ...extra,
  });

  it("pays in full: posted, reconciled, invoice paid", async () => {
    const invoiceId = await invoice(500);
    const input = pay(invoiceId, 575, { reference: "Payment INV website" });
    const prepared = await recordPaymentOperation.prepare(t.odoo, input);
    expect(prepared.summary).toContain("575.00 USD");
    expect(prepared.summary).toContain("paid in full");
    expect(prepared.amount).toBe("575.00");

    const marker = applyRef(await recordPaymentOperation.mark(t.odoo, input));
    expect(await recordPaymentOperation.findApplied(t.odoo, input, marker)).toBeNull();
    const out = await recordPaymentOperation.apply(t.odoo, input, marker);
    expect(out).toMatchObject({
      invoice_id: invoiceId,
      status: "posted",
      reconciled: true,
      invoice_status: "paid",
      amount: 575,
      amount_residual: 0,
    });
    expect(out.payment_id).toMatch(/^PBNK1\/\d{4}\/\d{5}$/);
    expect(out.odoo_state).toBe(version === 17 ? "posted" : "paid");
    const found = await recordPaymentOperation.findApplied(t.odoo, input, marker);
    expect(found?.record_id).toBe(out.record_id);
    expect(found?.payment_id).toBe(out.payment_id);

    // Nothing is due any more.
    await expectToolError(recordPaymentOperation.prepare(t.odoo, pay(invoiceId, 1)), "INVALID_STATUS");
  });

  it("pays partially, then the rest, to the cent", async () => {
    const invoiceId = await invoice(1000); // 1150.00
    const first = await recordPaymentOperation.apply(t.odoo, pay(invoiceId, 400.1), applyRef());
    expect(first.invoice_status).toBe("partial");
    expect(first.amount_residual).toBe(749.9);
    expect(first.odoo_state).toBe(version === 17 ? "posted" : "in_process");
    await expectToolError(recordPaymentOperation.prepare(t.odoo, pay(invoiceId, 749.91)), "INVALID_AMOUNT");
    const rest = await recordPaymentOperation.apply(t.odoo, pay(invoiceId, 749.9), applyRef());
    expect(rest.invoice_status).toBe("paid");
    expect(rest.amount_residual).toBe(0);
    expect(rest.payment_id).not.toBe(first.payment_id);
  });

  it("runs two approved payments of one invoice at once one after the other: each sees its own amount go", async () => {
    const invoiceId = await invoice(100); // 115.00
    // Referred to by number and by record id: the same invoice all the same.
    const [row] = await t.odoo.searchRead("account.move", [["name", "=", invoiceId]], ["id"]);
    const id = row?.id;
    const answers = await Promise.all([
      recordPaymentOperation.apply(t.odoo, pay(invoiceId, 1), applyRef()),
      recordPaymentOperation.apply(t.odoo, pay(String(id), 1), applyRef()),
    ]);
    expect(answers.map((answer) => answer.amount_residual).sort()).toEqual([113, 114]);
    expect(answers[0].payment_id).not.toBe(answers[1].payment_id);
  });

  it("refuses what Odoo would silently accept: a draft, an overpayment, zero, a future date", async () => {
    const draft = await invoice(42, { post: false });
    const draftError = await expectToolError(
      recordPaymentOperation.prepare(t.odoo, pay(draft, 48.3)),
      "INVALID_STATUS",
    );
    expect(draftError.message).toMatch(/post/i);
    const paymentsBefore = await t.odoo.searchCount("account.payment", []);

    const posted = await invoice(100); // 115.00
    const over = await expectToolError(
      recordPaymentOperation.prepare(t.odoo, pay(posted, 150)),
      "INVALID_AMOUNT",
    );
    expect(over.message).toContain("115.00");
    await expectToolError(recordPaymentOperation.prepare(t.odoo, pay(posted, 0)), "INVALID_AMOUNT");
    await expectToolError(recordPaymentOperation.prepare(t.odoo, pay(posted, -5)), "INVALID_AMOUNT");
    await expectToolError(recordPaymentOperation.prepare(t.odoo, pay(posted, 10.001)), "INVALID_AMOUNT");
    await expectToolError(
      recordPaymentOperation.prepare(t.odoo, pay(posted, 10, { payment_date: daysAgo(-2) })),
      "PAYMENT_DATE_INVALID",
    );
    await expectToolError(
      recordPaymentOperation.prepare(t.odoo, pay(posted, 10, { payment_date: "2026-02-30" })),
      "PAYMENT_DATE_INVALID",
    );
    await expectToolError(
      recordPaymentOperation.prepare(t.odoo, pay("INV/1999/00001", 10)),
      "INVOICE_NOT_FOUND",
    );
    // apply re-checks too (the invoice may have changed since the approval).
    await expectToolError(
      recordPaymentOperation.apply(t.odoo, pay(draft, 48.3), applyRef()),
      "INVALID_STATUS",
    );
    expect(await t.odoo.searchCount("account.payment", [])).toBe(paymentsBefore);
  });

  it("uses a cash journal for cash, where the company has one", async () => {
    const journals = await listPaymentJournals(t.odoo);
    const cash = journals.find((j) => j.payment_method === "cash");
    const invoiceId = await invoice(20);
    if (version === 19) {
      // Odoo 19's generic chart of accounts has no cash journal.
      expect(cash?.available).toBe(false);
      const error = await expectToolError(
        recordPaymentOperation.prepare(t.odoo, pay(invoiceId, 23, { payment_method: "cash" })),
        "VALIDATION_ERROR",
      );
      expect(error.message).toMatch(/no cash journal/);
    } else {
      expect(cash?.available).toBe(true);
      const out = await recordPaymentOperation.apply(
        t.odoo,
        pay(invoiceId, 23, { payment_method: "cash" }),
        applyRef(),
      );
      expect(out.payment_id).toMatch(/^PCSH1\//);
      expect(out.invoice_status).toBe("paid");
    }
    expect(journals.find((j) => j.payment_method === "check")?.journal?.type).toBe("bank");
  });

  it("judges a future payment date in the user's time zone, not the machine's", async () => {
    const invoiceId = await invoice(10);
    const uid = await t.odoo.uid();
    try {
      for (const zone of ["Pacific/Kiritimati", "Pacific/Pago_Pago"]) {
        await t.odoo.write("res.users", [uid], { tz: zone });
        forgetSession(t.odoo);
        const local = todayIn(zone);
        const prepared = await recordPaymentOperation.prepare(
          t.odoo,
          pay(invoiceId, 1, { payment_date: local }),
        );
        expect(prepared.facts.payment_date).toBe(local);
        const tomorrow = new Date(Date.parse(`${local}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
        const error = await expectToolError(
          recordPaymentOperation.prepare(t.odoo, pay(invoiceId, 1, { payment_date: tomorrow })),
          "PAYMENT_DATE_INVALID",
        );
        expect(error.message).toContain(zone);
      }
    } finally {
      await t.odoo.write("res.users", [uid], { tz: false });
      forgetSession(t.odoo);
    }
  });
});
