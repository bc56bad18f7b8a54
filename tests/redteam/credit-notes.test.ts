/**
 * Red team, issue 17: credit notes. A credit note gives money back (or undoes what a vendor is owed): money going
 * out, approved only by a person at the terminal or in the app, never in the chat nor by the policy, whatever
 * the amount and however loose the chat's limits are set. And what the person approved (the invoice, its partner,
 * its total, the lines credited) is what runs: an invoice changed after the approval fails with APPROVAL_INVALID
 * and no credit note is made.
 */
import { afterEach, describe, expect, it } from "vitest";
import { channelRefusal, DEFAULT_POLICY } from "../../src/mcp/approvals/policy.js";
import { type Harness, seedCustomer, startHarness } from "../support/harness.js";
import { invoiceFor, isoDay, outputOf, pendingId } from "./helpers.js";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const countCreditNotes = (t: Harness) =>
  t.app.odoo.searchCount("account.move", [["move_type", "in", ["out_refund", "in_refund"]]]);

/** A posted customer invoice of `amount` (untaxed), made and posted by a person at the terminal: its number. */
async function postedInvoice(t: Harness, amount: number): Promise<string> {
  await seedCustomer(t);
  const created = await pendingId(t, "create_invoice", invoiceFor(amount));
  await t.approve(created);
  const post = await pendingId(t, "post_invoice", {
    invoice_id: String((await outputOf(t, created)).invoice_id),
  });
  await t.approve(post);
  return String((await outputOf(t, post)).invoice_id);
}

const creditNote = (invoiceId: string, extra: Record<string, unknown> = {}) => ({
  invoice_id: invoiceId,
  reason: "Goodwill",
  date: isoDay(0),
  ...extra,
});

describe("a credit note is never approved in the chat", () => {
  it("a 1.00 credit note, with the chat's limits and budget set wide open: asked of a person, no prompt", async () => {
    const prompts: string[] = [];
    h = await startHarness({
      env: {
        ODOO_MCP_ELICITATION_MAX_AMOUNT: "1000000",
        ODOO_MCP_ELICITATION_DAILY_COUNT: "1000",
        ODOO_MCP_ELICITATION_DAILY_TOTAL: "1000000",
      },
      elicitation: (message) => {
        prompts.push(message);
        return "approve";
      },
    });
    // The invoice itself (money coming in) may be made and posted in the chat: the prompt is there and works.
    await seedCustomer(h);
    const invoice = await h.call("create_invoice", invoiceFor(1));
    expect(invoice.data.status, invoice.text).toBe("draft");
    const post = await h.call("post_invoice", { invoice_id: String(invoice.data.invoice_id) });
    expect(post.data.status, post.text).toBe("posted");
    expect(prompts).toHaveLength(2);
    const invoiceId = String(post.data.invoice_id);

    for (const args of [creditNote(invoiceId), creditNote(invoiceId, { lines: { "0": 0.5 } })]) {
      const answer = await h.call("create_credit_note", args);
      expect(answer.data.status, answer.text).toBe("pending_approval");
      expect(String(answer.data.message)).toMatch(
        /money going out .* only at the terminal or in the odoo-mcp app/,
      );
    }
    expect(prompts).toHaveLength(2);
    expect(await countCreditNotes(h)).toBe(0);
  });

  it("the policy and the budget read the credit note's direction: out, for a customer's and a vendor's", async () => {
    h = await startHarness();
    const invoiceId = await postedInvoice(h, 10);
    const vendor = await seedCustomer(h, "Credit Vendor", "ap@credit-vendor.example");
    const bill = await h.app.odoo.create("account.move", {
      move_type: "in_invoice",
      partner_id: vendor,
      invoice_date: isoDay(-3),
      invoice_line_ids: [[0, 0, { name: "Chairs", quantity: 1, price_unit: 5 }]],
    });
    await h.app.odoo.call({ model: "account.move", method: "action_post", ids: [bill] });
    const { createCreditNoteOperation } = await import("../../src/mcp/accounting/index.js");
    const wide = { ...DEFAULT_POLICY, expenseThreshold: "1000000", elicitationMaxAmount: "1000000" };
    for (const id of [invoiceId, String(bill)]) {
      const prepared = await createCreditNoteOperation.prepare(h.app.odoo, creditNote(id));
      expect(prepared.direction, id).toBe("out");
      const ask = { amount: prepared.amount, currency: prepared.currency, direction: prepared.direction };
      expect(channelRefusal(wide, "auto", ask, "USD")).toMatch(/money going out/);
      expect(channelRefusal(wide, "elicitation", ask, "USD")).toMatch(/money going out/);
    }
  });
});

describe("what was approved is what runs", () => {
  it("the invoice changed after the approval (reset, its line edited, posted again) → refused, no credit note", async () => {
    h = await startHarness();
    const invoiceId = await postedInvoice(h, 200);
    const [invoice] = await h.app.odoo.searchRead("account.move", [["name", "=", invoiceId]], ["id"]);
    const moveId = Number(invoice?.id);
    const id = await pendingId(h, "create_credit_note", creditNote(invoiceId, { lines: { Consulting: 1 } }));
    // Someone else changes the invoice: to draft, a higher price, posted again under the same number.
    await h.app.odoo.call({ model: "account.move", method: "button_draft", ids: [moveId] });
    const [line] = await h.app.odoo.searchRead(
      "account.move.line",
      [
        ["move_id", "=", moveId],
        ["display_type", "=", "product"],
      ],
      ["id"],
    );
    await h.app.odoo.write("account.move", [moveId], {
      invoice_line_ids: [[1, Number(line?.id), { price_unit: 2000 }]],
    });
    await h.app.odoo.call({ model: "account.move", method: "action_post", ids: [moveId] });
    await h.approve(id);
    const record = await h.app.approvals.get(id);
    expect(record?.status).toBe("failed");
    const outcome = record?.outcome;
    if (!outcome || outcome.ok) throw new Error("no failure recorded");
    expect(outcome.code, outcome.message).toBe("APPROVAL_INVALID");
    expect(outcome.message).toMatch(/total was 200\.00 USD when approved, 2,000\.00 USD now/);
    expect(outcome.message).toMatch(/Nothing was written; ask again\./);
    expect(await countCreditNotes(h)).toBe(0);
  });

  it("an unchanged invoice is credited as approved, by the person", async () => {
    h = await startHarness();
    const invoiceId = await postedInvoice(h, 200);
    const id = await pendingId(h, "create_credit_note", creditNote(invoiceId));
    await h.approve(id);
    expect(await outputOf(h, id)).toMatchObject({
      status: "posted",
      invoice_id: invoiceId,
      total_amount: 200,
    });
    expect(await countCreditNotes(h)).toBe(1);
  });
});
