import { chmod, readdir } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createInvoiceOperation } from "../../src/mcp/accounting/invoices.js";
import { localDate } from "../../src/mcp/dates.js";
import { type Harness, INVOICE_INPUT, seedCustomer, startHarness } from "../support/harness.js";
import { runnerWentRound } from "../support/wait.js";

/** Attacks on the approval gate through MCP alone: each is refused, with nothing extra in Odoo. */

function daysAgo(days: number): string {
  return new Date(Date.now() - days * 86_400_000).toISOString().slice(0, 10);
}
const expense = (amount: number, n: number) => ({
  description: `Taxi ${n}`,
  amount,
  expense_date: daysAgo(1),
  category: "travel",
});
const expenseCount = (h: Harness) => h.app.odoo.searchCount("hr.expense", []);

describe("the approval gate against an agent", () => {
  let h: Harness | undefined;
  afterEach(async () => {
    if (h) await chmod(path.join(h.dataDir, "Logs"), 0o700).catch(() => {});
    await h?.close();
    h = undefined;
  });

  it("SPLITTING: five expenses of 99.99 are not all approved automatically (daily budget)", async () => {
    h = await startHarness({ env: { ODOO_MCP_AUTO_APPROVAL_DAILY_TOTAL: "300" } });
    const answers = [];
    for (let n = 1; n <= 5; n++) answers.push(await h.call("create_expense", expense(99.99, n)));
    for (const answer of answers) expect(answer.isError, answer.text).toBe(false);
    expect(answers.slice(0, 3).map((a) => a.data.status)).toEqual(["submitted", "submitted", "submitted"]);
    expect(answers.slice(3).map((a) => a.data.status)).toEqual(["pending_approval", "pending_approval"]);
    expect(String(answers[3]!.data.message)).toMatch(
      /Not approved automatically: it would take today's automatic approvals past 300/,
    );
    expect(await expenseCount(h)).toBe(3);
  });

  it("SPLITTING: the count of automatic approvals per day is capped too", async () => {
    h = await startHarness({ env: { ODOO_MCP_AUTO_APPROVAL_DAILY_COUNT: "2" } });
    const statuses = [];
    for (let n = 1; n <= 3; n++) statuses.push((await h.call("create_expense", expense(5, n))).data.status);
    expect(statuses).toEqual(["submitted", "submitted", "pending_approval"]);
    expect(await expenseCount(h)).toBe(2);
  });

  it("AUTO-APPROVAL THAT OUTLIVES A FAILURE: when the audit log cannot be written, nothing stays approved", async () => {
    h = await startHarness();
    // The disk fills up between the request's audit line and the decision's: only that write fails.
    const audit = h.app.audit;
    const append = audit.append.bind(audit);
    audit.append = async (event) => {
      if (event.event === "approval_decided") throw new Error("ENOSPC: no space left on device");
      return append(event);
    };
    const answer = await h.call("create_expense", expense(20, 1));
    expect(answer.error?.code).toBe("AUDIT_LOG_UNAVAILABLE");
    const approved = await h.app.approvals.list({ status: ["approved", "pending"] });
    expect(approved).toEqual([]);
    const [failed] = await h.app.approvals.list();
    expect(failed?.status).toBe("failed");
    expect(await expenseCount(h)).toBe(0);
    // A running server's runner finds nothing to execute later: once it has gone over the store (and run the two
    // requests approved for that proof), Odoo holds those two expenses and nothing else.
    audit.append = append;
    const runner = h.app.approvals.startRunner({ fallbackMs: 50 });
    try {
      await runnerWentRound(h);
    } finally {
      await runner.stop();
    }
    expect(await expenseCount(h)).toBe(2);
    expect(await h.app.approvals.get(failed!.id)).toEqual(failed); // untouched
  });

  it("NUL in any argument is refused before anything else", async () => {
    h = await startHarness();
    await seedCustomer(h);
    const answer = await h.call("create_invoice", {
      ...INVOICE_INPUT,
      line_items: [{ description: "Audit\u0000", quantity: 1, unit_price: 10 }],
    });
    expect(answer.error?.code).toBe("VALIDATION_ERROR");
    expect(answer.error?.message).toMatch(/line_items\.0\.description: a NUL character is not allowed/);
    expect(await h.app.approvals.list()).toEqual([]);
  });

  it("FLOODING: the undecided requests of one client are capped", async () => {
    h = await startHarness({ env: { ODOO_MCP_MAX_PENDING: "3" } });
    await seedCustomer(h);
    const codes = [];
    for (let n = 0; n < 5; n++) {
      const answer = await h.call("create_invoice", { ...INVOICE_INPUT, notes: `n${n}` });
      codes.push(answer.error?.code ?? answer.data.status);
    }
    expect(codes).toEqual([
      "pending_approval",
      "pending_approval",
      "pending_approval",
      "TOO_MANY_PENDING",
      "TOO_MANY_PENDING",
    ]);
    expect(
      (await readdir(path.join(h.dataDir, "approvals"))).filter((f) => f.endsWith(".json")),
    ).toHaveLength(3);
  });

  it("an automatic approval is audited as such, with its amount, before the expense is written", async () => {
    h = await startHarness();
    await h.call("create_expense", expense(12.5, 1));
    const events = await h.app.audit.read(localDate(new Date()));
    const decided = events.find((e) => e.event === "approval_decided");
    expect(decided).toMatchObject({ channel: "auto", result: "success", amount: "12.50" });
    const executed = events.findIndex((e) => e.event === "execution" && e.result === "success");
    expect(events.indexOf(decided!)).toBeLessThan(executed);
  });

  it("takes the operation itself, and only one it runs: a look-alike under a registered name stores nothing", async () => {
    h = await startHarness();
    await seedCustomer(h);
    const call = { clientName: "test", signal: new AbortController().signal };
    // Were it stored, the request would later run the registered create_invoice, not what was prepared here.
    const lookAlike = { ...createInvoiceOperation };
    await expect(h.app.approvals.request(lookAlike, INVOICE_INPUT, call)).rejects.toMatchObject({
      code: "INTERNAL_ERROR",
    });
    expect(await h.app.approvals.list()).toEqual([]);
    expect(await h.app.approvals.request(createInvoiceOperation, INVOICE_INPUT, call)).toMatchObject({
      status: "pending_approval",
    });
    expect(await h.app.approvals.list()).toHaveLength(1);
  });
});
