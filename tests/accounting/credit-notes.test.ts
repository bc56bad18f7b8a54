import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { approvalNotes, approvalNoteText } from "../../src/mcp/accounting/approval-tag.js";
import {
  type CreateCreditNoteInput,
  createCreditNoteOperation,
  createInvoiceOperation,
  postInvoiceOperation,
  recordPaymentOperation,
} from "../../src/mcp/accounting/index.js";
import {
  applyRef,
  createCustomer,
  daysAgo,
  expectToolError,
  startTestOdoo,
  type TestOdoo,
  uniqueName,
} from "./helpers.js";

/** Odoo 19 only: the reversal wizard is recorded on a real Odoo 19 (15-credit-notes); 17 and 18 are not. */
describe("create_credit_note on Odoo 19", () => {
  let t: TestOdoo;
  beforeAll(async () => {
    t = await startTestOdoo(19);
  });
  afterAll(async () => {
    await t?.close();
  });

  /** A posted customer invoice: Consulting 10 × 100 and Travel 1 × 250, both at 15 % (1,437.50). */
  async function invoice(options: { post?: boolean } = {}): Promise<string> {
    const name = uniqueName("Credit Customer Ltd");
    await createCustomer(t.odoo, name, "credit@credit-customer.example");
    const input = {
      customer_name: name,
      customer_email: "credit@credit-customer.example",
      invoice_date: daysAgo(30),
      due_date: daysAgo(0),
      line_items: [
        { description: "Consulting", quantity: 10, unit_price: 100 },
        { description: "Travel", quantity: 1, unit_price: 250 },
      ],
      tax_rate: 0.15,
    };
    const created = await createInvoiceOperation.apply(
      t.odoo,
      input,
      applyRef(await createInvoiceOperation.mark(t.odoo, input)),
    );
    if (options.post === false) return created.invoice_id;
    return (await postInvoiceOperation.apply(t.odoo, { invoice_id: created.invoice_id }, applyRef()))
      .invoice_id;
  }

  const credit = (invoice_id: string, extra: Partial<CreateCreditNoteInput> = {}): CreateCreditNoteInput => ({
    invoice_id,
    reason: "Four hours not worked",
    date: daysAgo(1),
    ...extra,
  });

  async function run(input: CreateCreditNoteInput) {
    const prepared = await createCreditNoteOperation.prepare(t.odoo, input);
    const ref = { ...applyRef(await createCreditNoteOperation.mark(t.odoo, input)), bound: prepared.binding };
    expect(await createCreditNoteOperation.findApplied(t.odoo, input, ref)).toBeNull();
    const out = await createCreditNoteOperation.apply(t.odoo, input, ref);
    return { prepared, ref, out };
  }

  /** What a crash right after Odoo's wizard leaves: its draft credit note, nothing more. */
  async function wizardDraft(invoiceId: string, input: CreateCreditNoteInput): Promise<number> {
    const [original] = await t.odoo.searchRead("account.move", [["name", "=", invoiceId]], ["journal_id"]);
    const context = { active_model: "account.move", active_ids: [original?.id], active_id: original?.id };
    const journal = (original?.journal_id as [number, string] | undefined)?.[0];
    const wizard = await t.odoo.create(
      "account.move.reversal",
      { reason: input.reason, date: input.date, journal_id: journal },
      context,
    );
    const action = await t.odoo.call<{ res_id: number }>({
      model: "account.move.reversal",
      method: "refund_moves",
      ids: [wizard],
      context,
    });
    return action.res_id;
  }

  const move = async (id: number) =>
    (
      await t.odoo.read(
        "account.move",
        [id],
        ["state", "move_type", "payment_state", "amount_total", "amount_residual", "reversed_entry_id"],
      )
    )[0];

  it("credits a whole invoice: posted, reconciled, the invoice reads reversed; money going out", async () => {
    const invoiceId = await invoice();
    const input = credit(invoiceId);
    const { prepared, ref, out } = await run(input);
    expect(prepared.direction).toBe("out");
    expect(prepared.amount).toBe("1437.50");
    expect(prepared.document.lines?.map((l) => [l.description, l.quantity, l.subtotal])).toEqual([
      ["Consulting", "10", "1,000.00 USD"],
      ["Travel", "1", "250.00 USD"],
    ]);
    expect(prepared.summary).toContain("Four hours not worked");
    // The customer was made by the agent's own Odoo user just now: the person is told before approving.
    expect(prepared.document.flags).toEqual([
      expect.stringMatching(
        /^Customer Credit Customer Ltd .* was created less than a day ago by the agent's Odoo user/,
      ),
    ]);
    expect(prepared.summary).toContain("posts it");
    expect(out).toMatchObject({
      invoice_id: invoiceId,
      status: "posted",
      total_amount: 1437.5,
      amount_tax: 187.5,
      currency: "USD",
      refund: null,
      warnings: [],
    });
    expect(out.credit_note_id).toMatch(/^RINV\//);
    const note = await move(out.record_id);
    expect(note).toMatchObject({ state: "posted", move_type: "out_refund" });
    const original = await move(Number((note?.reversed_entry_id as [number, string] | undefined)?.[0]));
    expect(original).toMatchObject({ payment_state: "reversed", amount_residual: 0 });
    // Exactly once: the approval finds its credit note, and the invoice cannot be credited again.
    expect(await createCreditNoteOperation.findApplied(t.odoo, input, ref)).toEqual(out);
    await expectToolError(createCreditNoteOperation.prepare(t.odoo, input), "INVALID_STATUS");
  });

  it("credits some lines: a lower quantity, a line left out; Odoo's totals match the preview", async () => {
    const invoiceId = await invoice();
    const input = credit(invoiceId, { lines: { Consulting: 4 } });
    const { prepared, out } = await run(input);
    expect(prepared.document.lines).toEqual([
      expect.objectContaining({ description: "Consulting", quantity: "4 of 10", subtotal: "400.00 USD" }),
    ]);
    expect(prepared.amount).toBe("460.00");
    expect(out).toMatchObject({ total_amount: 460, amount_tax: 60 });
    const lines = await t.odoo.searchRead(
      "account.move.line",
      [
        ["move_id", "=", out.record_id],
        ["display_type", "=", "product"],
      ],
      ["name", "quantity"],
    );
    expect(lines.map((l) => [l.name, l.quantity])).toEqual([["Consulting", 4]]);
    const original = await t.odoo.searchRead(
      "account.move",
      [["name", "=", invoiceId]],
      ["amount_residual", "payment_state"],
    );
    expect(original[0]).toMatchObject({ amount_residual: 977.5, payment_state: "partial" });
    // What is left can be credited, not more.
    await expectToolError(
      createCreditNoteOperation.prepare(t.odoo, credit(invoiceId, { lines: { "0": 10, "1": 1 } })),
      "INVALID_STATUS",
    );
    const rest = await run(credit(invoiceId, { lines: { "0": 6, "1": 1 } }));
    expect(rest.out.total_amount).toBe(977.5);
  });

  it("refunds a paid invoice: the credit note is paid out (outbound) and reconciled", async () => {
    const invoiceId = await invoice();
    await recordPaymentOperation.apply(
      t.odoo,
      { invoice_id: invoiceId, amount: 1437.5, payment_date: daysAgo(2), payment_method: "bank_transfer" },
      applyRef(),
    );
    const input = credit(invoiceId, { lines: { Travel: 1 }, refund: true });
    const { prepared, ref, out } = await run(input);
    expect(prepared.document.amounts).toContainEqual({
      label: "Refund paid out",
      amount: "287.50 USD",
      strong: true,
    });
    expect(prepared.binding).toMatchObject({ refund: "287.50" });
    expect(out.refund).toMatchObject({ amount: 287.5 });
    const [payment] = await t.odoo.searchRead(
      "account.payment",
      [["name", "=", out.refund?.id]],
      ["payment_type", "amount", "reconciled_invoice_ids"],
    );
    expect(payment).toMatchObject({ payment_type: "outbound", amount: 287.5 });
    expect(payment?.reconciled_invoice_ids).toContain(out.record_id);
    expect(await move(out.record_id)).toMatchObject({ amount_residual: 0 });
    const notes = await approvalNotes(t.odoo, "account.payment", ref.approvalId);
    expect(notes.map((n) => n.body)).toEqual([`<p>${approvalNoteText("Refunded", ref.approvalId)}</p>`]);
  });

  it("refuses a refund when nothing was paid", async () => {
    const invoiceId = await invoice();
    await expectToolError(
      createCreditNoteOperation.prepare(t.odoo, credit(invoiceId, { refund: true })),
      "VALIDATION_ERROR",
    );
  });

  it("credits a vendor bill: an in_refund, still a person's decision", async () => {
    const vendor = await createCustomer(t.odoo, uniqueName("Credit Vendor Ltd"), "ap@credit-vendor.example");
    const billId = await t.odoo.create("account.move", {
      move_type: "in_invoice",
      partner_id: vendor,
      invoice_date: daysAgo(10),
      invoice_line_ids: [
        [0, 0, { name: "Office chairs", quantity: 3, price_unit: 120, tax_ids: [[6, 0, []]] }],
      ],
    });
    await t.odoo.call({ model: "account.move", method: "action_post", ids: [billId] });
    const { prepared, out } = await run(
      credit(String(billId), { reason: "One chair broken", lines: { "0": 1 } }),
    );
    expect(prepared.direction).toBe("out");
    expect(prepared.document.party).toMatchObject({ role: "Vendor" });
    expect(prepared.document.flags).toBeUndefined(); // no money goes to the vendor
    expect(out.total_amount).toBe(120);
    expect(await move(out.record_id)).toMatchObject({ move_type: "in_refund", state: "posted" });
  });

  it("refuses what cannot be credited", async () => {
    const draft = await invoice({ post: false });
    await expectToolError(createCreditNoteOperation.prepare(t.odoo, credit(draft)), "INVALID_STATUS");
    await expectToolError(
      createCreditNoteOperation.prepare(t.odoo, credit("INV/1999/99999")),
      "INVOICE_NOT_FOUND",
    );
    const posted = await invoice();
    const notOnIt = await expectToolError(
      createCreditNoteOperation.prepare(t.odoo, credit(posted, { lines: { Catering: 1 } })),
      "VALIDATION_ERROR",
    );
    expect(notOnIt.message).toContain("0: Consulting; 1: Travel");
    await expectToolError(
      createCreditNoteOperation.prepare(t.odoo, credit(posted, { lines: { "1": 2 } })),
      "VALIDATION_ERROR",
    );
    await expectToolError(
      createCreditNoteOperation.prepare(t.odoo, credit(posted, { lines: { "0": 1, consulting: 1 } })),
      "VALIDATION_ERROR",
    );
    await expectToolError(
      createCreditNoteOperation.prepare(t.odoo, credit(posted, { date: daysAgo(-3) })),
      "INVALID_DATE",
    );
  });

  it("finishes a credit note found half-done (the wizard's draft, before its note, lines and post)", async () => {
    const invoiceId = await invoice();
    const input = credit(invoiceId, { lines: { Consulting: 2 } });
    const prepared = await createCreditNoteOperation.prepare(t.odoo, input);
    const ref = { ...applyRef(await createCreditNoteOperation.mark(t.odoo, input)), bound: prepared.binding };
    // The crash: the wizard ran, nothing after it.
    await wizardDraft(invoiceId, input);
    const found = await createCreditNoteOperation.findApplied(t.odoo, input, ref);
    expect(found).toMatchObject({ status: "posted", total_amount: 230 });
    const lines = await t.odoo.searchRead(
      "account.move.line",
      [
        ["move_id", "=", found?.record_id],
        ["display_type", "=", "product"],
      ],
      ["name", "quantity"],
    );
    expect(lines.map((l) => [l.name, l.quantity])).toEqual([["Consulting", 2]]);
    const notes = await approvalNotes(t.odoo, "account.move", ref.approvalId);
    expect(notes.map((n) => n.body)).toEqual([`<p>${approvalNoteText("Credited", ref.approvalId)}</p>`]);
    expect(await createCreditNoteOperation.findApplied(t.odoo, input, ref)).toEqual(found);
  });

  it("finishes a draft whose lines were already written (the crash came between the write and the post)", async () => {
    const invoiceId = await invoice();
    const input = credit(invoiceId, { lines: { Travel: 1 } });
    const prepared = await createCreditNoteOperation.prepare(t.odoo, input);
    const ref = { ...applyRef(await createCreditNoteOperation.mark(t.odoo, input)), bound: prepared.binding };
    const draftId = await wizardDraft(invoiceId, input);
    const [consulting] = await t.odoo.searchRead(
      "account.move.line",
      [
        ["move_id", "=", draftId],
        ["name", "=", "Consulting"],
      ],
      ["id"],
    );
    await t.odoo.write("account.move", [draftId], { invoice_line_ids: [[2, consulting?.id]] });
    const found = await createCreditNoteOperation.findApplied(t.odoo, input, ref);
    expect(found).toMatchObject({ record_id: draftId, status: "posted", total_amount: 287.5 });
  });

  it("refuses to run what changed since it was approved: the invoice's lines, before any write", async () => {
    const invoiceId = await invoice();
    const input = credit(invoiceId, { lines: { Consulting: 2 } });
    const prepared = await createCreditNoteOperation.prepare(t.odoo, input);
    const before = await t.odoo.searchCount("account.move", [["move_type", "=", "out_refund"]]);
    const bound = { ...prepared.binding, credited_lines: "1:2" };
    await expectToolError(
      createCreditNoteOperation.apply(t.odoo, input, {
        ...applyRef(await createCreditNoteOperation.mark(t.odoo, input)),
        bound,
      }),
      "APPROVAL_INVALID",
    );
    expect(await t.odoo.searchCount("account.move", [["move_type", "=", "out_refund"]])).toBe(before);
  });
});
