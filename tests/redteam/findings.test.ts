/**
 * Red team: attacks on the approval gate that SUCCEED today. Each test performs the attack as the agent can
 * (MCP calls, file tools over the data folder) and asserts the DEFENDED outcome, so it fails until the product
 * is fixed. See the red-team report for steps, cause and suggested fix of each.
 */
import { execFile } from "node:child_process";
import { rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { ElicitRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/mcp/config/config.js";
import { createMemoryKeychain } from "../../src/mcp/credentials/keychain.js";
import { resolveCredentials } from "../../src/mcp/credentials/resolve.js";
import { localDate } from "../../src/mcp/dates.js";
import { createMcpServer } from "../../src/mcp/server.js";
import { type Harness, seedCustomer, startHarness } from "../support/harness.js";
import { runnerWentRound } from "../support/wait.js";
import {
  countExpenses,
  countInvoices,
  invoiceFor,
  isoDay,
  outputOf,
  pendingId,
  readJson,
  recordFile,
  sleepMs,
  until,
  writeRaw,
} from "./helpers.js";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe("red-team findings (fixed)", () => {
  it("F1: deleting today's audit log does not reset the daily budget of automatic approvals", async () => {
    h = await startHarness();
    const expense = (n: number) =>
      h!.call("create_expense", {
        description: `Taxi ${n}`,
        amount: 90,
        expense_date: isoDay(-1),
        category: "meals",
      });
    // 3 × 90 = 270 within the day's 300: approved by the policy; the 4th would pass 300 and waits.
    for (let n = 0; n < 3; n++) {
      const auto = await expense(n);
      expect(auto.isError, auto.text).toBe(false);
      expect(auto.data.status).not.toBe("pending_approval");
    }
    expect((await expense(3)).data.status).toBe("pending_approval");
    expect(await countExpenses(h)).toBe(3);

    // The agent deletes today's audit log file (its file tools reach the data folder).
    await rm(h.app.audit.fileFor(localDate(new Date())));

    const after = await expense(4);
    expect(after.data.status).toBe("pending_approval");
    expect(await countExpenses(h)).toBe(3);
  });

  it("F2: passphrase mode — args swapped while the decision waits for the request's lock run unseen", async () => {
    h = await startHarness({ keychain: null });
    await seedCustomer(h);
    const small = await pendingId(h, "create_invoice", invoiceFor(10, "Small job"));
    const big = await pendingId(h, "create_invoice", invoiceFor(90_000, "Big job"));
    const bigRecord = await readJson(h, big);

    // The person looks at the small one: 10 USD. Its hash is what the decision is bound to.
    const record = await h.app.approvals.get(small);
    const view = await h.app.approvals.view(record!);
    expect(view.amount).toBe("10.00");

    // The agent plants a lock on the small request (a holder on "another host": never taken over)...
    const lock = `${recordFile(h, small)}.lock`;
    await writeFile(
      lock,
      JSON.stringify({ pid: 1, host: "elsewhere", createdAt: new Date().toISOString(), token: "t0ken" }),
    );
    const decision = h.app.approvals
      .decide(small, { decision: "approved", channel: "cli", actor: "person", argsHash: record!.argsHash })
      .then(
        (r) => ({ ok: true as const, r }),
        (e: unknown) => ({ ok: false as const, e }),
      );
    // ...and, while the decision waits for it, gives the small request the big one's arguments and hash.
    await sleepMs(300);
    const current = await readJson(h, small);
    await writeRaw(
      h,
      small,
      JSON.stringify({
        ...current,
        args: bigRecord.args,
        argsHash: bigRecord.argsHash,
        meta: bigRecord.meta,
      }),
    );
    await rm(lock);
    const decided = await decision;
    if (decided.ok) await h.app.approvals.execute(small);

    // Defended: no 90,000 invoice exists (the decision is refused: the request changed since it was shown).
    const totals = await h.app.odoo.searchRead(
      "account.move",
      [["move_type", "=", "out_invoice"]],
      ["amount_total"],
    );
    expect(totals.map((t) => t.amount_total)).not.toContain(90_000);
    expect(decided.ok).toBe(false);
    expect(await countInvoices(h)).toBe(0);
  });

  it("F3: the client's prompt may not approve an invoice whose total is above its limit (tax included)", async () => {
    const prompts: string[] = [];
    h = await startHarness({
      elicitation: (message) => {
        prompts.push(message);
        return "approve";
      },
    });
    await seedCustomer(h);
    // Limit 1000 (default). Subtotal 1000, 15 % tax: the invoice's total is 1,150.00.
    const answer = await h.call("create_invoice", { ...invoiceFor(1000), tax_rate: 0.15 });
    expect(answer.isError, answer.text).toBe(false);
    expect(answer.data.status).toBe("pending_approval");
    expect(prompts).toHaveLength(0);
    expect(await countInvoices(h)).toBe(0);
  });

  it("F4: a double execution after the agent erases the claim of a running execution (two executors)", async () => {
    h = await startHarness();
    await seedCustomer(h);
    const id = await pendingId(h, "create_invoice", invoiceFor(500));
    await h.app.approvals.decide(id, { decision: "approved", channel: "cli", actor: "person" });
    const approvedCopy = await readJson(h, id);
    // Odoo answers slowly (a real server over the network).
    h.sandbox.setLatency(150);
    const first = h.app.approvals.execute(id).catch((e: unknown) => e);
    // The agent watches the file: once the claim is there, it puts back the approved copy (a genuine sealed file).
    await until(async () => (await readJson(h!, id)).execution !== undefined, 5_000);
    await writeRaw(h, id, `${JSON.stringify(approvedCopy, null, 2)}\n`);
    // Any executor of this process (the server's runner) sees an approved request nobody runs, and runs it.
    const second = h.app.approvals.execute(id).catch((e: unknown) => e);
    await Promise.all([first, second]);
    h.sandbox.setLatency(0);
    // At most once: the put-back file no longer matches the journal, so the run in progress stops before Odoo
    // and the second is refused; the request ends failed, with the reason.
    expect(await countInvoices(h)).toBeLessThanOrEqual(1);
    const after = await h.app.approvals.get(id);
    if ((await countInvoices(h)) === 0)
      expect(after?.outcome).toMatchObject({ ok: false, code: "APPROVAL_INVALID" });
  });

  it("F4b: the same through the server's own runner, while the client's prompt approval runs", async () => {
    h = await startHarness({ elicitation: () => "approve" });
    await seedCustomer(h);
    const runner = h.app.approvals.startRunner({ fallbackMs: 200 });
    try {
      h.sandbox.setLatency(150);
      const call = h.call("create_invoice", invoiceFor(500));
      // The agent keeps a copy of every version of the request file it sees (its file tools, in a loop).
      let approvedCopy: string | null = null;
      let id: string | null = null;
      const dir = path.join(h.dataDir, "approvals");
      const { readdir, readFile } = await import("node:fs/promises");
      await until(async () => {
        for (const name of await readdir(dir)) {
          if (!/^apr_[a-z2-7]{26}\.json$/.test(name)) continue;
          const text = await readFile(path.join(dir, name), "utf8").catch(() => "");
          let value: Record<string, unknown>;
          try {
            value = JSON.parse(text) as Record<string, unknown>;
          } catch {
            continue;
          }
          id = String(value.id);
          if (value.status === "approved" && value.execution === undefined) approvedCopy = text;
          if (approvedCopy && value.execution !== undefined) return true;
        }
        return false;
      }, 10_000);
      // Claimed and running: the agent puts the approved copy back.
      await writeRaw(h, id!, approvedCopy!);
      await call;
      await until(async () => (await h!.app.approvals.get(id!))?.status !== "approved", 10_000, 20);
      await runnerWentRound(h); // it has looked at the put-back copy
      h.sandbox.setLatency(0);
      expect(await countInvoices(h)).toBeLessThanOrEqual(1);
    } finally {
      await runner.stop();
    }
  });
});

describe("red-team findings (fixed) (2)", () => {
  it("F7: the client's prompt may not post a draft above its limit through send_invoice", async () => {
    const prompts: string[] = [];
    h = await startHarness({
      elicitation: (message) => {
        prompts.push(message);
        return "approve";
      },
    });
    await seedCustomer(h);
    // A draft invoice of 5,000 (made with a person's approval at the terminal: above the prompt's limit).
    const id = await pendingId(h, "create_invoice", invoiceFor(5_000));
    await h.approve(id);
    const invoiceId = String((await outputOf(h, id)).invoice_id);
    // post_invoice is above the limit: no prompt. send_invoice posts the draft too — and has no amount.
    expect((await h.call("post_invoice", { invoice_id: invoiceId })).data.status).toBe("pending_approval");
    const sent = await h.call("send_invoice", { invoice_id: invoiceId });
    expect(sent.data.status, sent.text).toBe("pending_approval");
    expect(prompts).toHaveLength(0);
    expect(await h.app.odoo.searchCount("account.move", [["state", "=", "posted"]])).toBe(0);
  });

  it("F8: renaming today's audit log to a later day also resets the daily budget", async () => {
    h = await startHarness({ env: { ODOO_MCP_AUTO_APPROVAL_DAILY_COUNT: "1" } });
    const expense = () =>
      h!.call("create_expense", {
        description: "Taxi",
        amount: 20,
        expense_date: isoDay(-1),
        category: "meals",
      });
    expect((await expense()).data.status).not.toBe("pending_approval");
    expect((await expense()).data.status).toBe("pending_approval");
    const { rename } = await import("node:fs/promises");
    const today = h.app.audit.fileFor(localDate(new Date()));
    await rename(today, h.app.audit.fileFor("2099-12-31"));
    expect((await expense()).data.status).toBe("pending_approval");
    expect(await countExpenses(h)).toBe(1);
  });

  it("F9: a lock file the agent planted on the journal does not hold up a person's decision (keychain mode)", async () => {
    h = await startHarness();
    await seedCustomer(h);
    const id = await pendingId(h, "create_invoice", invoiceFor(10));
    await writeFile(
      path.join(h.dataDir, "approvals", "ledger.jsonl.lock"),
      JSON.stringify({ pid: 1, host: "elsewhere", createdAt: new Date().toISOString(), token: "x" }),
    );
    const started = Date.now();
    const decided = await h.app.approvals
      .decide(id, { decision: "approved", channel: "cli", actor: "person" })
      .then(
        () => "decided",
        (e: unknown) => (e instanceof Error ? e.message : String(e)),
      );
    expect(decided).toBe("decided");
    expect(Date.now() - started).toBeLessThan(5_000);
  }, 30_000);
});

describe("red-team findings (fixed): what reaches a person", () => {
  it("F5: `approvals list` shows no terminal escape from a request file the agent wrote", async () => {
    h = await startHarness();
    const { renderLine } = await import("../../src/mcp/approvals/view.js");
    const id = `apr_${"a".repeat(26)}`;
    const now = Date.now();
    await writeFile(
      path.join(h.dataDir, "approvals", `${id}.json`),
      JSON.stringify({
        v: 2,
        id,
        // ESC [ 8 m: everything after it on the line is invisible (hides "!! not trustworthy").
        tool: "create_invoice\u001b[8m",
        args: { customer_name: "Acme Corp" },
        argsHash: "0",
        meta: { target: "x" },
        status: "pending",
        createdAt: new Date(now).toISOString(),
        expiresAt: new Date(now + 3_600_000).toISOString(),
      }),
    );
    const listed = (await h.app.approvals.list()).find((r) => r.id === id);
    expect(listed).toBeDefined();
    const line = renderLine(listed!, h.app.approvals.integrity(listed!));
    expect(line).toContain("not trustworthy");
    expect(line.includes("\u001b"), line).toBe(false);
  });

  it("F6: a line or paragraph separator cannot start a line of its own in what a person reads", async () => {
    const { inline } = await import("../../src/shared/display.js");
    for (const sep of ["\u2028", "\u2029"]) {
      const shown = inline(`Consulting${sep}Total: 5.00 USD`);
      expect(shown).not.toContain(sep);
    }
  });

  it("F10: the CLI prints no escape sequence from an MCP client's name (the decision's actor) in its errors", async () => {
    h = await startHarness({ keychain: null });
    await seedCustomer(h);
    const { server } = createMcpServer(h.app);
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await server.connect(serverSide);
    const client = new Client(
      { name: "Claude\u001b[2J\u001b[H\u001b[32mAll approvals verified\u001b[8m", version: "1" },
      { capabilities: { elicitation: { form: {} } } },
    );
    client.setRequestHandler(ElicitRequestSchema, async () => ({
      action: "accept",
      content: { decision: "approve" },
    }));
    await client.connect(clientSide);
    let id: string;
    try {
      const result = await client.callTool({ name: "create_invoice", arguments: invoiceFor(10) });
      id = String((result.structuredContent as { approval_id: string }).approval_id);
    } finally {
      await client.close();
      await server.close();
    }
    // The person, at a terminal, tries to reject it (or approve it: the same error path).
    const bin = path.resolve(import.meta.dirname, "../../dist/mcp/bin/odoo-mcp.js");
    const stderr = await new Promise<string>((resolve) => {
      execFile(
        process.execPath,
        [bin, "approvals", "reject", id],
        { env: { PATH: process.env.PATH, HOME: h!.dataDir, ...h!.env }, cwd: h!.dataDir },
        (_error, _stdout, err) => resolve(String(err)),
      );
    });
    expect(stderr).toContain("already decided");
    expect(stderr.includes("\u001b"), stderr).toBe(false);
  });
});

describe("red-team findings (fixed) (3)", () => {
  it("F11: the client's prompt limit holds for a payment in a foreign currency (1,000 EUR > 1,000 USD)", async () => {
    const prompts: string[] = [];
    h = await startHarness({
      elicitation: (message) => {
        prompts.push(message);
        return "approve";
      },
    });
    const partner = await seedCustomer(h);
    // The person invoices in EUR (activated in Odoo, at 0.92 EUR per USD: as recorded on the lab, 19/14-vendor-bills-full).
    await h.app.odoo.write("res.currency", [125], { active: true });
    await h.app.odoo.create("res.currency.rate", { currency_id: 125, name: "2026-01-01", rate: 0.92 });
    const move = await h.app.odoo.create("account.move", {
      move_type: "out_invoice",
      partner_id: partner,
      currency_id: 125,
      invoice_date: isoDay(-1),
      invoice_line_ids: [[0, 0, { name: "Consulting", quantity: 1, price_unit: 5_000 }]],
    });
    await h.app.odoo.call({ model: "account.move", method: "action_post", ids: [move] });
    const [invoice] = await h.app.odoo.read("account.move", [move], ["name"]);
    const before = await h.app.odoo.searchCount("account.payment", []);
    // 1,000 EUR is about 1,087 USD: above the prompt's limit of 1,000 (company currency).
    const pay = await h.call("record_payment", {
      invoice_id: String(invoice!.name),
      amount: 1_000,
      payment_date: isoDay(0),
      payment_method: "bank_transfer",
    });
    expect(pay.data.status, pay.text).toBe("pending_approval");
    expect(prompts).toHaveLength(0);
    expect(await h.app.odoo.searchCount("account.payment", [])).toBe(before);
  });

  it("F12: flooding — fresh MCP client names do not each get a fresh allowance of undecided requests", async () => {
    h = await startHarness({ env: { ODOO_MCP_MAX_PENDING: "2", ODOO_MCP_MAX_PENDING_TOTAL: "2" } });
    await seedCustomer(h);
    const refused: string[] = [];
    for (let n = 0; n < 5; n++) {
      const { server } = createMcpServer(h.app);
      const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
      await server.connect(serverSide);
      const client = new Client({ name: `agent-${n}`, version: "1" });
      await client.connect(clientSide);
      for (let k = 0; k < 2; k++) {
        const result = await client.callTool({ name: "create_invoice", arguments: invoiceFor(10 + k) });
        if (result.isError) refused.push(String((result.content as { text: string }[])[0]?.text));
      }
      await client.close();
      await server.close();
    }
    // 10 undecided requests from one agent: the cap of 2 should have stopped most of them.
    expect((await h.app.approvals.list({ status: "pending" })).length).toBeLessThanOrEqual(2);
    expect(refused.join("\n")).toContain("TOO_MANY_PENDING");
  });

  it("F13: parallel small expenses do not all fit in a daily budget of one automatic approval", async () => {
    h = await startHarness({ env: { ODOO_MCP_AUTO_APPROVAL_DAILY_COUNT: "1" } });
    const answers = await Promise.all(
      Array.from({ length: 5 }, (_, n) =>
        h!.call("create_expense", {
          description: `Coffee ${n}`,
          amount: 20,
          expense_date: isoDay(-1),
          category: "meals",
        }),
      ),
    );
    const auto = answers.filter((a) => !a.isError && a.data.status !== "pending_approval");
    expect(auto.length).toBeLessThanOrEqual(1);
    expect(await countExpenses(h)).toBeLessThanOrEqual(1);
  });

  it("F14: posting a draft in a foreign currency shows that currency, not the company's", async () => {
    const prompts: string[] = [];
    h = await startHarness({
      elicitation: (message) => {
        prompts.push(message);
        return "reject";
      },
    });
    const partner = await seedCustomer(h);
    await h.app.odoo.write("res.currency", [125], { active: true });
    const move = await h.app.odoo.create("account.move", {
      move_type: "out_invoice",
      partner_id: partner,
      currency_id: 125,
      invoice_date: isoDay(-1),
      invoice_line_ids: [[0, 0, { name: "Consulting", quantity: 1, price_unit: 950 }]],
    });
    const answer = await h.call("post_invoice", { invoice_id: String(move) });
    // Whatever the channel, what the person reads names the invoice's own currency.
    const record = (await h.app.approvals.list())[0]!;
    const view = await h.app.approvals.view(record);
    expect(view.currency, answer.text).toBe("EUR");
    for (const prompt of prompts) expect(prompt).not.toContain("USD");
    expect(await h.app.odoo.searchCount("account.move", [["state", "=", "posted"]])).toBe(0);
  });

  it("F15: an Odoo URL written into .env never receives the secret the environment holds", async () => {
    const { mkdtemp } = await import("node:fs/promises");
    const { tmpdir } = await import("node:os");
    const cwd = await mkdtemp(path.join(tmpdir(), "redteam-url-"));
    try {
      // The MCP client's configuration holds the API key; the agent writes the server's address into .env.
      await writeFile(path.join(cwd, ".env"), "ODOO_URL=https://collector.attacker.example\n");
      const config = loadConfig({
        env: {
          HOME: cwd,
          ODOO_DATABASE: "books",
          ODOO_USERNAME: "admin",
          ODOO_API_KEY: "key-from-client-config",
        },
        cwd,
      });
      const credentials = await resolveCredentials(config, createMemoryKeychain());
      const leaks = config.odoo.url.includes("attacker") && credentials?.secret === "key-from-client-config";
      expect(leaks).toBe(false);
    } finally {
      await rm(cwd, { recursive: true, force: true });
    }
  });

  it("F16: an expense description padded with spaces cannot push the real amount off the first line", async () => {
    const prompts: string[] = [];
    h = await startHarness({
      elicitation: (message) => {
        prompts.push(message);
        return "reject";
      },
    });
    // Above the threshold (a person decides), within the prompt's limit (the client's prompt asks).
    await h.call("create_expense", {
      description: `Taxi" (Administrator) — 5.00 USD${" ".repeat(200)}x`,
      amount: 950,
      expense_date: isoDay(-1),
      category: "meals",
    });
    expect(prompts).toHaveLength(1);
    const titleLine = prompts[0]!.split("\n").find((line) => line.startsWith("File expense"))!;
    // On a 120-column screen, the first line must show the amount that runs.
    expect(titleLine.slice(0, 120)).toContain("950.00");
  });
});
