/**
 * Red team, issue 18: overdue reminders. A reminder moves no money but speaks for the company: what the person
 * approved (the address, each invoice and what is due on it) is what is sent, or nothing is; an invoice paid after
 * the approval is not chased; the chat approves reminders only within its limits, counting the overdue total; a
 * customer is not reminded twice within the interval, nor twice by one approval.
 */
import { afterEach, describe, expect, it } from "vitest";
import { sendReminderOperation } from "../../src/mcp/accounting/reminders.js";
import { type Harness, seedCustomer, startHarness } from "../support/harness.js";
import { day, postedInvoice, remindersOf } from "../support/overdue.js";
import { pendingId } from "./helpers.js";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function customerOwing(t: Harness, ...prices: number[]) {
  const partner = await seedCustomer(t, "Late Payer Ltd", "accounts@late-payer.example");
  const invoices: number[] = [];
  for (const price of prices) invoices.push(await postedInvoice(t, partner, { price }));
  return { partner, invoices };
}

async function pay(t: Harness, invoice: number, amount: number) {
  const [bank] = await t.app.odoo.searchRead("account.journal", [["type", "=", "bank"]], ["id"], {
    limit: 1,
  });
  const context = { active_model: "account.move", active_ids: [invoice] };
  const wizard = await t.app.odoo.create(
    "account.payment.register",
    { amount, payment_date: day(0), journal_id: bank?.id },
    context,
  );
  await t.app.odoo.call({
    model: "account.payment.register",
    method: "action_create_payments",
    ids: [wizard],
    context,
  });
}

async function outcome(t: Harness, id: string) {
  return (await t.call("get_approval", { approval_id: id })).data;
}

describe("what was approved is what is sent", () => {
  it("an invoice paid between the approval request and the send: APPROVAL_INVALID, nothing emailed", async () => {
    h = await startHarness();
    const { partner, invoices } = await customerOwing(h, 400, 250);
    const id = await pendingId(h, "send_reminder", { partner_id: partner });
    await pay(h, invoices[1] as number, 250);
    await h.approve(id);
    const done = await outcome(h, id);
    expect(done.status).toBe("failed");
    expect(done.error).toMatchObject({ code: "APPROVAL_INVALID" });
    expect(String((done.error as { message: string }).message)).toMatch(
      /250\.00 USD due when approved, .*0\.00 USD due now/,
    );
    expect(await remindersOf(h, partner)).toHaveLength(0);
  });

  it("the customer's email changed after the request: APPROVAL_INVALID, nothing emailed to either address", async () => {
    h = await startHarness();
    const { partner } = await customerOwing(h, 400);
    const id = await pendingId(h, "send_reminder", { partner_id: partner });
    await h.app.odoo.write("res.partner", [partner], { email: "attacker@evil.example" });
    await h.approve(id);
    const done = await outcome(h, id);
    expect(done.error).toMatchObject({ code: "APPROVAL_INVALID" });
    expect(String((done.error as { message: string }).message)).toMatch(
      /recipient's email was accounts@late-payer\.example when approved, attacker@evil\.example now/,
    );
    expect(await remindersOf(h, partner)).toHaveLength(0);
  });
});

describe("the chat approves reminders only within its limits", () => {
  it("the overdue total counts: within the maximum the chat approves; with the same customer's earlier one today past it, a person must", async () => {
    const prompts: string[] = [];
    h = await startHarness({
      elicitation: (message) => {
        prompts.push(message);
        return "approve";
      },
    });
    const { partner, invoices } = await customerOwing(h, 300, 900);
    const small = await h.call("send_reminder", { invoice_id: invoices[0] });
    expect(small.data.status, small.text).toBe("sent");
    expect(prompts).toHaveLength(1);
    expect(prompts[0]).toContain("Overdue total");

    // 900 alone is within the chat's 1000, but with the 300 approved in the chat for the same customer today: 1200.
    const big = await h.call("send_reminder", { invoice_id: invoices[1], again: true });
    expect(big.data.status, big.text).toBe("pending_approval");
    expect(String(big.data.message)).toMatch(/same partner today .* 1200/);
    expect(prompts).toHaveLength(1);
    expect(await remindersOf(h, partner)).toHaveLength(1);
  });

  it("a customer owing more than the chat's maximum: asked of a person, never in the chat", async () => {
    const prompts: string[] = [];
    h = await startHarness({
      elicitation: (message) => {
        prompts.push(message);
        return "approve";
      },
    });
    const { partner } = await customerOwing(h, 800, 700);
    const answer = await h.call("send_reminder", { partner_id: partner });
    expect(answer.data.status, answer.text).toBe("pending_approval");
    expect(String(answer.data.message)).toMatch(/above 1000/);
    expect(prompts).toHaveLength(0);
  });
});

describe("reminding twice", () => {
  it("two requests made before either ran: the first is sent, the second refused at its run (ALREADY_REMINDED)", async () => {
    h = await startHarness();
    const { partner } = await customerOwing(h, 400);
    const first = await pendingId(h, "send_reminder", { partner_id: partner });
    const second = await pendingId(h, "send_reminder", { partner_id: partner });
    await h.approve(first);
    await h.approve(second);
    expect((await outcome(h, first)).status).toBe("executed");
    expect(await outcome(h, second)).toMatchObject({ status: "failed", error: { code: "ALREADY_REMINDED" } });
    expect(await remindersOf(h, partner)).toHaveLength(1);
  });

  it("one approval is found in Odoo by its note, so it never sends twice; the marker covers a stop before the note", async () => {
    h = await startHarness();
    const { partner } = await customerOwing(h, 400);
    const odoo = h.app.odoo;
    const input = { partner_id: partner, reminder_days: 7 };
    const prepared = await sendReminderOperation.prepare(odoo, input);
    const approvalId = "apr_aaaaaaaaaaaaaaaaaaaaaaaaaa";
    expect(
      await sendReminderOperation.findApplied(odoo, input, { approvalId, bound: prepared.binding }),
    ).toBeNull();
    const marker = await sendReminderOperation.mark(odoo, input);
    const sent = await sendReminderOperation.apply(odoo, input, {
      approvalId,
      marker,
      bound: prepared.binding,
    });
    const found = await sendReminderOperation.findApplied(odoo, input, {
      approvalId,
      bound: prepared.binding,
    });
    expect(found).toMatchObject({ status: "sent", message_id: sent.message_id, invoices: sent.invoices });

    // Odoo stopped after the email, before the note: without a recorded attempt nothing is claimed...
    const notes = await odoo.searchRead("mail.message", [["body", "ilike", approvalId]], ["id"]);
    await odoo.call({ model: "mail.message", method: "unlink", ids: notes.map((n) => n.id as number) });
    expect(
      await sendReminderOperation.findApplied(odoo, input, { approvalId, bound: prepared.binding }),
    ).toBeNull();
    // ...with one, the email after its watermark is this approval's: found, and tagged now.
    const again = await sendReminderOperation.findApplied(odoo, input, {
      approvalId,
      marker,
      bound: prepared.binding,
    });
    expect(again).toMatchObject({ status: "sent", message_id: sent.message_id });
    expect(await odoo.searchCount("mail.message", [["body", "ilike", approvalId]])).toBe(1);
    expect(await remindersOf(h, partner)).toHaveLength(1);
  });
});
