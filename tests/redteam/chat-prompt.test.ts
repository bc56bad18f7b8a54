/**
 * Issue 13, attacks 1 and 2: an MCP client that is itself the agent answers every prompt "approve". The chat is a
 * channel with a budget of its own (a count and a total per day, counted in the approval journal), money going out
 * is never approved there, and installments (several payments on one invoice, several requests for one partner in
 * a day) are judged by what they add up to.
 */
import { rm } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { localDate } from "../../src/mcp/dates.js";
import { type Harness, seedCustomer, startHarness } from "../support/harness.js";
import {
  countInvoices,
  countPayments,
  countPosted,
  invoiceFor,
  isoDay,
  outputOf,
  pendingId,
} from "./helpers.js";

/** A client that approves every prompt itself, counting them. */
async function selfApprovingClient(env: Record<string, string> = {}, version: 17 | 18 | 19 = 19) {
  const prompts: string[] = [];
  const h = await startHarness({
    version,
    env,
    elicitation: (message) => {
      prompts.push(message);
      return "approve";
    },
  });
  return { h, prompts };
}

/** A posted customer invoice of `amount` (approved and posted by a person at the terminal): its number. */
async function postedInvoice(h: Harness, amount: number): Promise<string> {
  const created = await pendingId(h, "create_invoice", invoiceFor(amount));
  await h.approve(created);
  const invoiceId = String((await outputOf(h, created)).invoice_id);
  const post = await pendingId(h, "post_invoice", { invoice_id: invoiceId });
  await h.approve(post);
  return String((await outputOf(h, post)).invoice_id);
}

const pay = (h: Harness, invoiceId: string, amount: number) =>
  h.call("record_payment", {
    invoice_id: invoiceId,
    amount,
    payment_date: isoDay(0),
    payment_method: "bank_transfer",
  });

describe("attack 1: the agent answers its own prompt", () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it("twelve invoices under the limit: the chat approves today's 5, the rest wait for a person", async () => {
    const client = await selfApprovingClient();
    h = client.h;
    // Twelve customers, so that no two requests are for the same partner (that rule is tested below).
    const answers = [];
    for (let i = 0; i < 12; i++) {
      const name = `Customer ${i}`;
      await seedCustomer(h, name, `c${i}@example.com`);
      answers.push(
        await h.call("create_invoice", {
          ...invoiceFor(100),
          customer_name: name,
          customer_email: `c${i}@example.com`,
        }),
      );
    }
    const statuses = answers.map((answer) => answer.data.status);
    expect(statuses.slice(0, 5)).toEqual(Array(5).fill("draft"));
    expect(statuses.slice(5)).toEqual(Array(7).fill("pending_approval"));
    expect(String(answers[5]!.data.message)).toMatch(
      /Not asked in the chat: today's 5 approvals in the chat/,
    );
    // Past the budget, the prompt is not even shown.
    expect(client.prompts).toHaveLength(5);
    expect(await countInvoices(h)).toBe(5);
  });

  it("the budget's total: 2000 a day in the chat, whatever the count", async () => {
    const client = await selfApprovingClient();
    h = client.h;
    const done = [];
    for (let i = 0; i < 4; i++) {
      await seedCustomer(h, `Customer ${i}`, `c${i}@example.com`);
      const answer = await h.call("create_invoice", {
        ...invoiceFor(900),
        customer_name: `Customer ${i}`,
        customer_email: `c${i}@example.com`,
      });
      done.push(answer.data.status);
    }
    expect(done).toEqual(["draft", "draft", "pending_approval", "pending_approval"]);
    expect(await countInvoices(h)).toBe(2);
  });

  it("parallel calls get nothing past the budget (counted under the journal's lock)", async () => {
    const client = await selfApprovingClient({ ODOO_MCP_ELICITATION_DAILY_COUNT: "3" });
    h = client.h;
    const harness = h;
    for (let i = 0; i < 8; i++) await seedCustomer(harness, `Customer ${i}`, `c${i}@example.com`);
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        harness.call("create_invoice", {
          ...invoiceFor(50),
          customer_name: `Customer ${i}`,
          customer_email: `c${i}@example.com`,
        }),
      ),
    );
    expect(answers.filter((answer) => answer.data.status === "draft")).toHaveLength(3);
    expect(await countInvoices(harness)).toBe(3);
  });

  it("deleting the audit log resets nothing: the budget lives in the chained journal", async () => {
    const client = await selfApprovingClient({ ODOO_MCP_ELICITATION_DAILY_COUNT: "2" });
    h = client.h;
    for (let i = 0; i < 3; i++) await seedCustomer(h, `Customer ${i}`, `c${i}@example.com`);
    const ask = (i: number) =>
      h!.call("create_invoice", {
        ...invoiceFor(50),
        customer_name: `Customer ${i}`,
        customer_email: `c${i}@example.com`,
      });
    expect((await ask(0)).data.status).toBe("draft");
    expect((await ask(1)).data.status).toBe("draft");
    await rm(path.join(h.dataDir, "Logs", `${localDate(new Date())}.json`), { force: true });
    expect((await ask(2)).data.status).toBe("pending_approval");
    expect(await countInvoices(h)).toBe(2);
  });

  it("the budget is set like the automatic one, and 0 turns the chat's approvals off", async () => {
    const client = await selfApprovingClient({ ODOO_MCP_ELICITATION_DAILY_COUNT: "0" });
    h = client.h;
    await seedCustomer(h);
    const answer = await h.call("create_invoice", invoiceFor(10));
    expect(answer.data.status).toBe("pending_approval");
    expect(client.prompts).toEqual([]);
    expect(await countInvoices(h)).toBe(0);
  });

  it("the gate's own channels cannot be claimed by a caller: decide refuses 'elicitation' and 'auto'", async () => {
    h = await startHarness();
    await seedCustomer(h);
    const id = await pendingId(h, "create_invoice", invoiceFor(10));
    for (const channel of ["elicitation", "auto"] as const)
      await expect(
        h.app.approvals.decide(id, {
          decision: "approved",
          channel: channel as unknown as "cli",
          actor: "agent",
        }),
      ).rejects.toMatchObject({ code: "APPROVAL_REQUIRED" });
    expect((await h.app.approvals.get(id))?.status).toBe("pending");
  });
});

describe("attack 2: money going out is never approved in the chat", () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  for (const version of [19, 17] as const)
    it(`a 999 vendor bill the agent drafted is neither posted nor paid through the prompt (Odoo ${version})`, async () => {
      const client = await selfApprovingClient({}, version);
      h = client.h;
      const vendor = await seedCustomer(h, "Shady Supplies", "pay@shady.example");
      const bill = await h.call("create_draft_invoice", {
        description: "Services",
        amount: 999,
        partner_id: vendor,
      });
      expect(bill.isError, bill.text).toBe(false);
      const post = await h.call("post_invoice", { invoice_id: bill.data.invoice_id });
      expect(post.data.status, post.text).toBe("pending_approval");
      expect(String(post.data.message)).toMatch(
        /money going out .* only at the terminal or in the odoo-mcp app/,
      );
      expect(client.prompts).toEqual([]);
      expect(await countPosted(h)).toBe(0);
    });

  it("a 5,000 bill a person posted is not paid off in prompt-approved installments", async () => {
    const client = await selfApprovingClient();
    h = client.h;
    const vendor = await seedCustomer(h, "Big Vendor", "ap@vendor.example");
    const bill = await h.call("create_draft_invoice", {
      description: "Equipment",
      amount: 5_000,
      partner_id: vendor,
    });
    const post = await pendingId(h, "post_invoice", { invoice_id: bill.data.invoice_id });
    await h.approve(post); // the person posts it at the terminal
    const billId = String((await outputOf(h, post)).invoice_id);
    for (let i = 0; i < 6; i++) {
      const answer = await pay(h, billId, 1_000);
      expect(answer.data.status, answer.text).toBe("pending_approval");
    }
    expect(client.prompts).toEqual([]);
    expect(await countPayments(h)).toBe(0);
  });

  it("the automatic approvals never approve money going out either (the policy reads the operation's direction)", async () => {
    const { channelRefusal, DEFAULT_POLICY } = await import("../../src/mcp/approvals/policy.js");
    const ask = { amount: "1", currency: "USD", direction: "out" as const };
    expect(channelRefusal(DEFAULT_POLICY, "auto", ask, "USD")).toMatch(/money going out/);
    expect(channelRefusal(DEFAULT_POLICY, "elicitation", ask, "USD")).toMatch(/money going out/);
    expect(channelRefusal(DEFAULT_POLICY, "elicitation", { ...ask, direction: "in" }, "USD")).toBeNull();
  });
});

describe("installments are judged together", () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it("payments on one customer invoice: what the chat approved on it counts against the prompt's limit", async () => {
    const client = await selfApprovingClient();
    h = client.h;
    await seedCustomer(h);
    const invoiceId = await postedInvoice(h, 2_500);
    expect((await pay(h, invoiceId, 600)).data.status).toBe("posted");
    const second = await pay(h, invoiceId, 600);
    expect(second.data.status, second.text).toBe("pending_approval");
    expect(String(second.data.message)).toMatch(/\(600\.00\), it comes to 1200(\.00)?, above 1000/);
    expect(await countPayments(h)).toBe(1);
  });

  it("the invoice's installments count on any day; the partner's requests within the day", async () => {
    const { budgetKeys, budgetRefusal, DEFAULT_POLICY } = await import("../../src/mcp/approvals/policy.js");
    const ask = { amount: "600.00", currency: "USD", direction: "in" as const, partnerId: 7, moveId: 42 };
    // Yesterday's 600 in the chat on invoice 42 for partner 7: the counters as the journal holds them.
    const used = new Map<string, { count: number; total: string }>();
    for (const key of budgetKeys("elicitation", "2026-12-05", ask))
      used.set(key, { count: 1, total: "600.00" });
    const usedOf = (key: string) => used.get(key) ?? { count: 0, total: "0" };
    expect(budgetRefusal(DEFAULT_POLICY, "elicitation", "2026-12-06", ask, usedOf)).toMatch(
      /on the same invoice or bill \(600\.00\), it comes to 1200(\.00)?, above 1000/,
    );
    // Another invoice of the same partner, the next day: nothing adds up.
    expect(
      budgetRefusal(DEFAULT_POLICY, "elicitation", "2026-12-06", { ...ask, moveId: 43 }, usedOf),
    ).toBeNull();
    // The same day, another invoice of the same partner: the partner's day adds up.
    expect(
      budgetRefusal(DEFAULT_POLICY, "elicitation", "2026-12-05", { ...ask, moveId: 43 }, usedOf),
    ).toMatch(/for the same partner today \(600\.00\)/);
  });

  it("requests for one partner in a day add up: two 600 invoices for Acme, the second waits", async () => {
    const client = await selfApprovingClient();
    h = client.h;
    await seedCustomer(h);
    expect((await h.call("create_invoice", invoiceFor(600))).data.status).toBe("draft");
    const second = await h.call("create_invoice", invoiceFor(600));
    expect(second.data.status, second.text).toBe("pending_approval");
    expect(String(second.data.message)).toMatch(/for the same partner today/);
    expect(await countInvoices(h)).toBe(1);
  });
});
