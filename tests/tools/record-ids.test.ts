import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, INVOICE_INPUT, seedCustomer, startHarness } from "../support/harness.js";

/**
 * Ids the agent gets back are accepted back in the same form (issue 15, finding 9): create_invoice answers
 * `invoice_id: "12"` and `record_id: 12`; every tool that takes the invoice takes either, and its number.
 */
describe.each([19, 18, 17] as const)("record ids on Odoo %i", (version) => {
  let h: Harness;
  let partnerId: number;
  let created: { invoice_id: string; record_id: number };
  beforeAll(async () => {
    h = await startHarness({ version });
    partnerId = await seedCustomer(h);
    const pending = await h.call("create_invoice", INVOICE_INPUT);
    await h.approve(pending.data.approval_id);
    const status = await h.call("get_approval", { approval_id: pending.data.approval_id });
    created = status.data.output as { invoice_id: string; record_id: number };
  });
  afterAll(async () => h?.close());

  it("takes the record id as a number wherever it takes an invoice_id", async () => {
    expect(typeof created.record_id).toBe("number");
    expect(created.invoice_id).toBe(String(created.record_id));
    const byNumber = await h.call("get_invoice", { invoice_id: created.record_id });
    expect(byNumber.isError, byNumber.text).toBe(false);
    expect(byNumber.data.record_id).toBe(created.record_id);
    const byString = await h.call("get_invoice", { invoice_id: created.invoice_id });
    expect(byString.data.record_id).toBe(created.record_id);
    for (const [tool, args] of [
      ["send_invoice", { invoice_id: created.record_id }],
      ["post_invoice", { invoice_id: created.record_id }],
    ] as const) {
      const pending = await h.call(tool, args);
      expect(pending.isError, `${tool}: ${pending.text}`).toBe(false);
      expect(pending.data.status).toBe("pending_approval");
      const record = await h.app.approvals.get(String(pending.data.approval_id));
      // Stored as the one form the operations work with: the string.
      expect((record?.args as { invoice_id?: unknown } | undefined)?.invoice_id).toBe(
        String(created.record_id),
      );
      await h.reject(pending.data.approval_id);
    }
  });

  it("takes a posted invoice's number, and a payment's invoice as its record id number", async () => {
    const pending = await h.call("post_invoice", { invoice_id: created.invoice_id });
    await h.approve(pending.data.approval_id);
    const posted = await h.call("get_invoice", { invoice_id: created.record_id });
    const number = String(posted.data.invoice_id);
    expect(number).toMatch(/^INV\//);
    expect((await h.call("get_invoice", { invoice_id: number })).data.record_id).toBe(created.record_id);
    const payment = await h.call("record_payment", {
      invoice_id: created.record_id,
      amount: 100,
      payment_date: "2026-11-20",
      payment_method: "bank_transfer",
    });
    expect(payment.isError, payment.text).toBe(false);
    expect(payment.data.status).toBe("pending_approval");
    await h.reject(payment.data.approval_id);
  });

  it("takes a partner id as a number or a string; refuses what is not a record id", async () => {
    const asString = await h.call("create_draft_invoice", {
      description: "Flour, 25 kg",
      amount: 48,
      partner_id: String(partnerId),
    });
    expect(asString.isError, asString.text).toBe(false);
    for (const bad of [0, -1, 1.5]) {
      const refused = await h.call("get_invoice", { invoice_id: bad });
      expect(refused.isError).toBe(true);
      expect(refused.error?.code).toBe("VALIDATION_ERROR");
    }
    const badPartner = await h.call("create_draft_invoice", {
      description: "Flour",
      amount: 48,
      partner_id: "7; drop",
    });
    expect(badPartner.error?.code).toBe("VALIDATION_ERROR");
  });
});
