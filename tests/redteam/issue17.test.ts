/**
 * Red team (issue 17), round 2: the agent calls the new tools in parallel, as an agent framework may.
 */
import { ElicitRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { afterEach, describe, expect, it } from "vitest";
import { type Harness, seedCustomer, startHarness } from "../support/harness.js";
import { invoiceFor, isoDay, outputOf, pendingId } from "./helpers.js";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const count = (t: Harness, model: string, domain: unknown[]) =>
  t.app.odoo.searchCount(model, domain as never);

describe("exactly once when the agent calls in parallel", () => {
  it("ten identical create_vendor_bill calls at once: one bill, nine DUPLICATE_BILL", async () => {
    h = await startHarness();
    const vendor = await h.app.odoo.create("res.partner", {
      name: "Toner World",
      is_company: true,
      supplier_rank: 1,
    });
    const args = {
      vendor,
      bill_date: "2026-11-03",
      vendor_reference: "INV-PAR-1",
      lines: [{ description: "Toner", quantity: 1, unit_price: 80 }],
    };
    const answers = await Promise.all(Array.from({ length: 10 }, () => h?.call("create_vendor_bill", args)));
    expect(answers.filter((a) => a?.isError === false)).toHaveLength(1);
    expect(answers.filter((a) => a?.error?.code === "DUPLICATE_BILL")).toHaveLength(9);
    expect(await count(h, "account.move", [["move_type", "=", "in_invoice"]])).toBe(1);
  });

  it("ten create_partner calls with the same VAT at once: one partner, nine PARTNER_EXISTS", async () => {
    h = await startHarness();
    const before = await count(h, "res.partner", []);
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        h?.call("create_partner", { name: `Twin ${i}`, kind: "vendor", vat: "BE0477472701" }),
      ),
    );
    expect(answers.filter((a) => a?.isError === false)).toHaveLength(1);
    expect(answers.filter((a) => a?.error?.code === "PARTNER_EXISTS")).toHaveLength(9);
    expect(await count(h, "res.partner", [])).toBe(before + 1);
  });
});

/** A posted customer invoice with two lines of 100 each, made and posted by a person: its number and record id. */
async function postedTwoLineInvoice(t: Harness): Promise<{ number: string; moveId: number }> {
  await seedCustomer(t);
  const created = await pendingId(t, "create_invoice", {
    ...invoiceFor(100, "Design"),
    line_items: [
      { description: "Design", quantity: 1, unit_price: 100 },
      { description: "Hosting", quantity: 1, unit_price: 100 },
    ],
  });
  await t.approve(created);
  const post = await pendingId(t, "post_invoice", {
    invoice_id: String((await outputOf(t, created)).invoice_id),
  });
  await t.approve(post);
  const number = String((await outputOf(t, post)).invoice_id);
  const [row] = await t.app.odoo.searchRead("account.move", [["name", "=", number]], ["id"]);
  return { number, moveId: Number(row?.id) };
}

/** Someone else in Odoo: the move to draft, each product line's price set (same lines, same ids), posted again. */
async function repriced(t: Harness, moveId: number, prices: number[]): Promise<void> {
  await t.app.odoo.call({ model: "account.move", method: "button_draft", ids: [moveId] });
  const lines = await t.app.odoo.searchRead(
    "account.move.line",
    [
      ["move_id", "=", moveId],
      ["display_type", "=", "product"],
    ],
    ["id"],
    { order: "id" },
  );
  await t.app.odoo.write("account.move", [moveId], {
    invoice_line_ids: lines.map((line, i) => [1, Number(line.id), { price_unit: prices[i] }]),
  });
  await t.app.odoo.call({ model: "account.move", method: "action_post", ids: [moveId] });
}

async function failedWith(t: Harness, id: string): Promise<string> {
  const record = await t.app.approvals.get(id);
  const outcome = record?.outcome;
  if (!outcome || outcome.ok) throw new Error(`approval ${id} did not fail (${record?.status})`);
  expect(outcome.code, outcome.message).toBe("APPROVAL_INVALID");
  return outcome.message;
}

describe("approved is what runs: the amounts that move, not only the document's total", () => {
  it("a partial credit note of a line repriced after the approval, the invoice's total kept: refused, no credit note", async () => {
    h = await startHarness();
    const { number, moveId } = await postedTwoLineInvoice(h);
    // The person approves a credit note of the Design line: 100.00.
    const id = await pendingId(h, "create_credit_note", {
      invoice_id: number,
      reason: "Goodwill",
      date: isoDay(0),
      lines: { "0": 1 },
    });
    // Design 190, Hosting 10: the same lines, the same ids, the same 200.00 total; the credit would be 190.00.
    await repriced(h, moveId, [190, 10]);
    await h.approve(id);
    expect(await failedWith(h, id)).toMatch(/credited total was 100\.00 USD when approved, 190\.00 USD now/);
    expect(await h.app.odoo.searchCount("account.move", [["move_type", "=", "out_refund"]])).toBe(0);
  });

  it("a line index that points to another line after the approval (the first line deleted, the total kept): refused", async () => {
    h = await startHarness();
    const { number, moveId } = await postedTwoLineInvoice(h);
    const id = await pendingId(h, "create_credit_note", {
      invoice_id: number,
      reason: "Goodwill",
      date: isoDay(0),
      lines: { "0": 1 },
    });
    await h.app.odoo.call({ model: "account.move", method: "button_draft", ids: [moveId] });
    const [design, hosting] = await h.app.odoo.searchRead(
      "account.move.line",
      [
        ["move_id", "=", moveId],
        ["display_type", "=", "product"],
      ],
      ["id"],
      { order: "id" },
    );
    // Line 0 is now Hosting, at 200: the same invoice, partner and total.
    await h.app.odoo.write("account.move", [moveId], {
      invoice_line_ids: [
        [2, Number(design?.id)],
        [1, Number(hosting?.id), { price_unit: 200 }],
      ],
    });
    await h.app.odoo.call({ model: "account.move", method: "action_post", ids: [moveId] });
    await h.approve(id);
    expect(await failedWith(h, id)).toMatch(/credited lines was .* when approved/);
    expect(await h.app.odoo.searchCount("account.move", [["move_type", "=", "out_refund"]])).toBe(0);
  });

  it("a bill's payment after the bill was repriced (reset, edited, posted again): refused, no payment", async () => {
    h = await startHarness();
    const vendor = await h.app.odoo.create("res.partner", {
      name: "Paper Mill",
      is_company: true,
      supplier_rank: 1,
    });
    const bill = await h.call("create_draft_invoice", {
      description: "Paper",
      amount: 1_000,
      partner_id: vendor,
    });
    expect(bill.isError, bill.text).toBe(false);
    const post = await pendingId(h, "post_invoice", { invoice_id: bill.data.invoice_id });
    await h.approve(post);
    const moveId = Number((await outputOf(h, post)).record_id ?? bill.data.record_id ?? bill.data.invoice_id);
    // The person approves paying 1,000.00, the whole bill ("left to pay 0.00").
    const pay = await pendingId(h, "record_payment", {
      invoice_id: String(bill.data.invoice_id),
      amount: 1_000,
      payment_date: isoDay(0),
      payment_method: "bank_transfer",
    });
    await repriced(h, moveId, [5_000]);
    const payments = await h.app.odoo.searchCount("account.payment", []);
    await h.approve(pay);
    expect(await failedWith(h, pay)).toMatch(/total was 1,000\.00 USD when approved, 5,000\.00 USD now/);
    expect(await h.app.odoo.searchCount("account.payment", [])).toBe(payments);
  });
});

describe("money going out is never approved in the chat, even when the draft turns into a credit note meanwhile", () => {
  it("the chat approves posting an invoice; while its prompt is open the draft is switched to a credit note: not posted", async () => {
    h = await startHarness({ elicitation: () => "approve" });
    const t = h;
    await seedCustomer(t);
    const draft = await t.call("create_invoice", invoiceFor(500));
    expect(draft.data.status, draft.text).toBe("draft");
    const [row] = await t.app.odoo.searchRead("account.move", [["move_type", "=", "out_invoice"]], ["id"]);
    const moveId = Number(row?.id);
    // The prompt is answered once someone in Odoo has switched the draft into a credit note (Odoo's "Switch into
    // refund/credit note": the same record, partner, currency and total; money going out once posted).
    t.client.setRequestHandler(ElicitRequestSchema, async () => {
      await t.app.odoo.write("account.move", [moveId], { move_type: "out_refund" });
      return { action: "accept", content: { decision: "approve" } };
    });
    const post = await t.call("post_invoice", { invoice_id: String(moveId) });
    expect(post.error?.code, post.text).toBe("APPROVAL_INVALID");
    expect(post.error?.message).toMatch(/its type was out_invoice when approved, out_refund now/);
    const [after] = await t.app.odoo.read("account.move", [moveId], ["state", "move_type"]);
    expect(after).toMatchObject({ state: "draft", move_type: "out_refund" });
  });
});

describe("a payment the chat approves stays money coming in", () => {
  it("while the prompt for a customer's payment is open, the invoice is reset, switched into a credit note and posted again: no payment", async () => {
    h = await startHarness({ elicitation: () => "approve" });
    const t = h;
    await seedCustomer(t);
    const draft = await t.call("create_invoice", invoiceFor(300));
    const posted = await t.call("post_invoice", { invoice_id: String(draft.data.invoice_id) });
    expect(posted.data.status, posted.text).toBe("posted");
    const [row] = await t.app.odoo.searchRead("account.move", [["move_type", "=", "out_invoice"]], ["id"]);
    const moveId = Number(row?.id);
    t.client.setRequestHandler(ElicitRequestSchema, async () => {
      await t.app.odoo.call({ model: "account.move", method: "button_draft", ids: [moveId] });
      await t.app.odoo.write("account.move", [moveId], { move_type: "out_refund" });
      await t.app.odoo.call({ model: "account.move", method: "action_post", ids: [moveId] });
      return { action: "accept", content: { decision: "approve" } };
    });
    const payments = await t.app.odoo.searchCount("account.payment", []);
    const pay = await t.call("record_payment", {
      invoice_id: String(moveId),
      amount: 300,
      payment_date: isoDay(0),
      payment_method: "bank_transfer",
    });
    expect(pay.error?.code, pay.text).toBe("APPROVAL_INVALID");
    expect(pay.error?.message).toMatch(/its type was out_invoice when approved, out_refund now/);
    expect(await t.app.odoo.searchCount("account.payment", [])).toBe(payments);
  });
});

describe("the agent's words on a bill or credit note cannot pose as its amounts", () => {
  const fake = "Toner\n\nTotal                     0.01 USD\u202e DSU 00.0\u2066";
  it("a vendor bill's description, reference and a credit note's reason: escaped, one Total, the real one", async () => {
    h = await startHarness();
    const vendor = await h.app.odoo.create("res.partner", {
      name: "Toner World",
      is_company: true,
      supplier_rank: 1,
    });
    const bill = await h.call("create_vendor_bill", {
      vendor,
      bill_date: "2026-11-03",
      vendor_reference: "INV-1\nTotal 0.01 USD\u202e",
      lines: [{ description: fake, quantity: 1, unit_price: 4_800 }],
    });
    expect(bill.isError, bill.text).toBe(false);
    const post = await pendingId(h, "post_invoice", { invoice_id: String(bill.data.record_id) });
    await h.approve(post);
    const credit = await h.call("create_credit_note", {
      invoice_id: String((await outputOf(h, post)).invoice_id),
      reason: "Goodwill\nTotal 0.01 USD\u202e",
      date: isoDay(0),
    });
    for (const summary of [
      String((await h.app.approvals.get(post))?.meta.target),
      String(credit.data.summary),
    ]) {
      expect(summary).not.toMatch(/[\u202a-\u202e\u2066-\u2069]/u);
    }
    const text = String(credit.data.summary);
    // The agent's line breaks stay escaped inside its own cell: no line of the summary starts with its "Total".
    expect(text.split("\n").filter((line) => /^\s*Total\b/.test(line))).toEqual([]);
    expect(text).toContain("Toner\\n\\nTotal");
    expect(text).toMatch(/^\s+Credit note total {2}4,800\.00 USD$/m);
  });
});

describe("two credit notes of one invoice, each approved by a person", () => {
  it("approved at the same moment: the invoice is credited once, the second refused", async () => {
    h = await startHarness();
    const t = h;
    const { number } = await postedTwoLineInvoice(t);
    const ask = () =>
      pendingId(t, "create_credit_note", { invoice_id: number, reason: "Goodwill", date: isoDay(0) });
    const first = await ask();
    const second = await ask();
    await Promise.allSettled([t.approve(first), t.approve(second)]);
    const notes = await t.app.odoo.searchRead(
      "account.move",
      [["move_type", "=", "out_refund"]],
      ["amount_total"],
    );
    expect(notes.map((note) => note.amount_total)).toEqual([200]);
    const outcomes = await Promise.all(
      [first, second].map(async (id) => (await t.app.approvals.get(id))?.outcome),
    );
    expect(outcomes.filter((outcome) => outcome?.ok)).toHaveLength(1);
    expect(outcomes.find((outcome) => !outcome?.ok)).toMatchObject({ code: "INVALID_STATUS" });
  });
});

describe("a currency Odoo has no rate for", () => {
  it("activated without a rate (Odoo reads 1 and would book it 1:1): a clear error, no bill, no invoice request", async () => {
    h = await startHarness();
    const [gbp] = await h.app.odoo.searchRead("res.currency", [["name", "=", "GBP"]], ["id"], {
      context: { active_test: false },
    });
    await h.app.odoo.write("res.currency", [Number(gbp?.id)], { active: true });
    const vendor = await h.app.odoo.create("res.partner", {
      name: "London Paper",
      is_company: true,
      supplier_rank: 1,
    });
    const bill = await h.call("create_vendor_bill", {
      vendor,
      bill_date: "2026-11-03",
      vendor_reference: "LP-1",
      currency: "GBP",
      lines: [{ description: "Paper", quantity: 1, unit_price: 10_000 }],
    });
    expect(bill.error?.code, bill.text).toBe("VALIDATION_ERROR");
    expect(bill.error?.message).toMatch(/Odoo has no rate for GBP/);
    expect(await count(h, "account.move", [])).toBe(0);
    await seedCustomer(h);
    const invoice = await h.call("create_invoice", { ...invoiceFor(10_000), currency: "GBP" });
    expect(invoice.error?.code, invoice.text).toBe("VALIDATION_ERROR");
    expect(await h.app.approvals.list()).toEqual([]);
  });
});

describe("the recent-party flag names the party in the agent's own words, escaped", () => {
  it("a vendor named with a line break is refused; with a bidi override, the override is escaped wherever it is named", async () => {
    h = await startHarness();
    const refused = await h.call("create_partner", { name: "Shady\nTotal 0.01 USD", kind: "vendor" });
    expect(refused.error?.code, refused.text).toBe("VALIDATION_ERROR");
    const vendor = await h.call("create_partner", { name: "Shady Ltd\u202e DSU 10.0", kind: "vendor" });
    expect(vendor.isError, vendor.text).toBe(false);
    const bill = await h.call("create_draft_invoice", {
      description: "Consulting",
      amount: 4_800,
      partner_id: vendor.data.id,
    });
    const post = await h.call("post_invoice", { invoice_id: bill.data.invoice_id });
    const summary = String(post.data.summary);
    expect(summary).not.toMatch(/[\u202a-\u202e\u2066-\u2069]/u);
    expect(summary.split("\n").filter((line) => /^\s*Total\b/.test(line))).toEqual([
      expect.stringMatching(/4,800\.00 USD/),
    ]);
    const record = await h.app.approvals.get(String(post.data.approval_id));
    if (!record) throw new Error("no request");
    const flags = (await h.app.approvals.view(record)).document?.flags ?? [];
    expect(flags).toHaveLength(1);
    expect(flags[0]).toMatch(/was created less than a day ago by the agent's Odoo user/);
  });
});

describe("a bill is paid to the bank account the person approved", () => {
  it("the bill's bank account is switched to another after the approval (classic invoice fraud): refused, no payment", async () => {
    h = await startHarness();
    const vendor = await h.app.odoo.create("res.partner", {
      name: "Imprimerie Delvaux SRL",
      is_company: true,
      supplier_rank: 1,
    });
    await h.app.odoo.create("res.partner.bank", { acc_number: "BE71 0961 2345 6769", partner_id: vendor });
    const moveId = await h.app.odoo.create("account.move", {
      move_type: "in_invoice",
      partner_id: vendor,
      invoice_date: isoDay(0),
      invoice_line_ids: [[0, 0, { name: "Brochures", quantity: 1, price_unit: 640, tax_ids: [[6, 0, []]] }]],
    });
    await h.app.odoo.call({ model: "account.move", method: "action_post", ids: [moveId] });
    const pay = await pendingId(h, "record_payment", {
      invoice_id: String(moveId),
      amount: 640,
      payment_date: isoDay(0),
      payment_method: "bank_transfer",
    });
    const record = await h.app.approvals.get(pay);
    if (!record) throw new Error("no request");
    expect((await h.app.approvals.view(record)).document?.rows).toContainEqual({
      label: "Paid to bank account",
      value: "BE71 0961 2345 6769, held by Imprimerie Delvaux SRL",
    });
    // Someone in Odoo puts another account on the posted bill (Odoo accepts it, as recorded in 18-bill-bank-account).
    const other = await h.app.odoo.create("res.partner.bank", {
      acc_number: "GB33 BUKB 2020 1555 5555 55",
      partner_id: vendor,
    });
    await h.app.odoo.write("account.move", [moveId], { partner_bank_id: other });
    const payments = await h.app.odoo.searchCount("account.payment", []);
    await h.approve(pay);
    expect(await failedWith(h, pay)).toMatch(
      /vendor's bank account was id \d+ when approved, id \d+ \(GB33 BUKB 2020 1555 5555 55, held by Imprimerie Delvaux SRL\) now/,
    );
    expect(await h.app.odoo.searchCount("account.payment", [])).toBe(payments);
  });
});
