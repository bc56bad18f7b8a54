/**
 * Red team: the approval policy. Amount tricks against the automatic approval of small expenses, the client's
 * prompt above its limit, `.env` written by the agent, `approved: true` in the arguments, receipts changed after
 * they were hashed.
 */
import { mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/mcp/config/config.js";
import { pdfBytes } from "../expenses/files.js";
import { type Harness, seedCustomer, startHarness } from "../support/harness.js";
import {
  countExpenses,
  countInvoices,
  countPayments,
  countPosted,
  invoiceFor,
  isoDay,
  outputOf,
  pendingId,
} from "./helpers.js";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const expense = (amount: unknown, extra: Record<string, unknown> = {}) =>
  h!.call("create_expense", {
    description: "Lunch",
    amount,
    expense_date: isoDay(-1),
    category: "meals",
    ...extra,
  });

describe("automatic approval of small expenses", () => {
  it("amount formats and tricks never auto-approve at or above the threshold", async () => {
    h = await startHarness();
    for (const amount of [
      100,
      100.0,
      99.999,
      99.995,
      1e-9,
      -5,
      0,
      "50",
      "99.99",
      1e9,
      Number.MAX_SAFE_INTEGER,
    ]) {
      const answer = await expense(amount);
      if (!answer.isError) expect(answer.data.status, `amount ${String(amount)}`).toBe("pending_approval");
    }
    expect(await countExpenses(h)).toBe(0);
  });

  it("no other argument sets the currency or approves: unknown fields are refused", async () => {
    h = await startHarness();
    for (const extra of [
      { approved: true },
      { currency: "JPY" },
      { auto_approve: true },
      { status: "approved" },
    ]) {
      const answer = await expense(5_000, extra);
      expect(answer.isError).toBe(true);
      expect(answer.error?.code).toBe("VALIDATION_ERROR");
    }
    expect(await countExpenses(h)).toBe(0);
  });

  it("the daily count of automatic approvals holds", async () => {
    h = await startHarness({ env: { ODOO_MCP_AUTO_APPROVAL_DAILY_COUNT: "2" } });
    expect((await expense(10)).data.status).not.toBe("pending_approval");
    expect((await expense(10)).data.status).not.toBe("pending_approval");
    expect((await expense(10)).data.status).toBe("pending_approval");
    expect(await countExpenses(h)).toBe(2);
  });

  it("a receipt changed (or its symlink pointed elsewhere) after the request is refused at approval", async () => {
    h = await startHarness();
    const dir = await mkdtemp(path.join(tmpdir(), "redteam-receipt-"));
    try {
      const real = path.join(dir, "real.pdf");
      const other = path.join(dir, "other.pdf");
      const link = path.join(dir, "receipt.pdf");
      await writeFile(real, pdfBytes());
      await writeFile(other, Buffer.concat([pdfBytes(), Buffer.from("% another document\n")]));
      await symlink(real, link);
      const id = String((await expense(450, { receipt_path: link })).data.approval_id);
      // After the request: the link now points to another file.
      await rm(link);
      await symlink(other, link);
      await h.approve(id);
      const record = await h.app.approvals.get(id);
      expect(record?.status).toBe("failed");
      expect(await countExpenses(h)).toBe(0);
      // And the content of the very file changed: refused too.
      const id2 = String((await expense(460, { receipt_path: real })).data.approval_id);
      await writeFile(real, Buffer.concat([pdfBytes(), Buffer.from("% edited\n")]));
      await h.approve(id2);
      expect((await h.app.approvals.get(id2))?.status).toBe("failed");
      expect(await countExpenses(h)).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("the MCP client's prompt (elicitation)", () => {
  it("is not asked above its limit, for each tool that has an amount", async () => {
    const prompts: string[] = [];
    h = await startHarness({
      elicitation: (message) => {
        prompts.push(message);
        return "approve";
      },
    });
    await seedCustomer(h);
    // An invoice of 5,000 (before the prompt existed, a person approved it at the terminal).
    const id = await pendingId(h, "create_invoice", invoiceFor(5_000));
    expect(prompts).toHaveLength(0);
    await h.approve(id);
    const invoiceId = String((await outputOf(h, id)).invoice_id);
    // Posting it, and an expense of 5,000: above the limit, no prompt.
    expect((await h.call("post_invoice", { invoice_id: invoiceId })).data.status).toBe("pending_approval");
    expect((await expense(5_000)).data.status).toBe("pending_approval");
    const vendor = await seedCustomer(h, "Vendor Co", "vendor@example.com");
    const bill = await h.call("create_draft_invoice", {
      description: "Big bill",
      amount: 20_000,
      partner_id: vendor,
    });
    expect(bill.isError, bill.text).toBe(false);
    const postBill = await h.call("post_invoice", { invoice_id: bill.data.invoice_id });
    expect(postBill.data.status, postBill.text).toBe("pending_approval");
    expect(prompts).toHaveLength(0);
    expect(await countPosted(h)).toBe(0);
    expect(await countExpenses(h)).toBe(0);
  });

  it("a payment above the limit is not asked for", async () => {
    const prompts: string[] = [];
    h = await startHarness({
      elicitation: (message) => {
        prompts.push(message);
        return "approve";
      },
    });
    await seedCustomer(h);
    const id = await pendingId(h, "create_invoice", invoiceFor(5_000));
    await h.approve(id);
    const invoiceId = String((await outputOf(h, id)).invoice_id);
    const post = await pendingId(h, "post_invoice", { invoice_id: invoiceId });
    await h.approve(post);
    const pay = await h.call("record_payment", {
      invoice_id: invoiceId,
      amount: 4_000,
      payment_date: isoDay(0),
      payment_method: "bank_transfer",
    });
    expect(pay.data.status, pay.text).toBe("pending_approval");
    expect(prompts).toHaveLength(0);
    expect(await countPayments(h)).toBe(0);
  });
});

describe(".env written by the agent", () => {
  async function configWith(dotenv: string, env: Record<string, string> = {}) {
    const cwd = await mkdtemp(path.join(tmpdir(), "redteam-env-"));
    await writeFile(path.join(cwd, ".env"), dotenv);
    try {
      return loadConfig({ env: { HOME: cwd, ...env }, cwd });
    } finally {
      await rm(cwd, { recursive: true, force: true });
    }
  }

  it("cannot loosen any rule: threshold, budget, prompt, its limit, expiry, data folder", async () => {
    const config = await configWith(
      [
        "ODOO_MCP_EXPENSE_APPROVAL_THRESHOLD=1000000000",
        "ODOO_MCP_AUTO_APPROVAL_DAILY_COUNT=1000000",
        "ODOO_MCP_AUTO_APPROVAL_DAILY_TOTAL=1000000000",
        "ODOO_MCP_ELICITATION_MAX_AMOUNT=99999999",
        "ODOO_MCP_APPROVAL_TTL_HOURS=8000",
        "ODOO_MCP_MAX_PENDING=10000",
        "ODOO_MCP_DATA_DIR=/tmp/elsewhere",
      ].join("\n"),
    );
    expect(config.policy.expenseThreshold).toBe("100");
    expect(config.policy.autoBudget).toEqual({ count: 10, total: "300" });
    expect(config.policy.elicitationMaxAmount).toBe("1000");
    expect(config.policy.ttlMs).toBe(72 * 3_600_000);
    expect(config.policy.maxPendingPerClient).toBe(20);
    expect(config.dataDir).not.toBe("/tmp/elsewhere");
  });

  it("duplicate keys, quoting, export, spaces and comments do not loosen a rule either", async () => {
    const config = await configWith(
      [
        "ODOO_MCP_EXPENSE_APPROVAL_THRESHOLD=50",
        'export ODOO_MCP_EXPENSE_APPROVAL_THRESHOLD="  5000  "',
        "ODOO_MCP_ELICITATION_MAX_AMOUNT='5000' # looser",
        "ODOO_MCP_ELICITATION = true",
      ].join("\n"),
      { ODOO_MCP_ELICITATION: "false" },
    );
    expect(Number(config.policy.expenseThreshold)).toBeLessThanOrEqual(100);
    expect(Number(config.policy.elicitationMaxAmount)).toBeLessThanOrEqual(1000);
    expect(config.policy.elicitation).toBe(false);
  });

  it("the environment wins over .env for the server, the database and the sandbox switch", async () => {
    const config = await configWith(
      [
        "ODOO_URL=https://attacker.example",
        "ODOO_DB=other",
        "ODOO_DATABASE=other",
        "ODOO_MCP_ALLOW_SANDBOX=true",
        "DRY_RUN=false",
      ].join("\n"),
      {
        ODOO_URL: "https://odoo.example.com",
        ODOO_DATABASE: "books",
        ODOO_MCP_ALLOW_SANDBOX: "false",
        DRY_RUN: "true",
      },
    );
    expect(config.odoo.url).toBe("https://odoo.example.com");
    expect(config.odoo.database).toBe("books");
    expect(config.odoo.allowSandbox).toBeUndefined();
    expect(config.dryRun).toBe(true);
  });

  it("under DRY_RUN nothing is requested nor written, and no approval is created", async () => {
    h = await startHarness({ env: { DRY_RUN: "true" } });
    await seedCustomer(h);
    const answer = await h.call("create_invoice", invoiceFor(10));
    expect(answer.isError, answer.text).toBe(false);
    expect(answer.data.status).not.toBe("pending_approval");
    expect(await h.app.approvals.list()).toHaveLength(0);
    expect(await countInvoices(h)).toBe(0);
  });
});
