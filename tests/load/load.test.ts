import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isApprovalNote } from "../../src/mcp/accounting/approval-tag.js";
import { type App, createApp } from "../../src/mcp/app.js";
import type { ApprovalRecord } from "../../src/mcp/approvals/store.js";
import { auditAnchorFor } from "../../src/mcp/audit/anchor.js";
import { type AuditEvent, createAuditLog } from "../../src/mcp/audit/audit-log.js";
import { loadConfig } from "../../src/mcp/config/config.js";
import { createMemoryKeychain } from "../../src/mcp/credentials/keychain.js";
import { silentLogger } from "../../src/mcp/log.js";
import { createMcpServer } from "../../src/mcp/server.js";
import { sandboxEnv } from "../../src/sandbox/connection.js";
import { type Sandbox, startSandbox } from "../../src/sandbox/index.js";
import { INVOICE_INPUT } from "../support/harness.js";

/**
 * LOAD: two MCP clients (two servers on one data folder, as a CLI-started server and the desktop app's), a third
 * process deciding and executing at the same time as the first server's runner, ~1,000 tool calls with bounded
 * concurrency. Every approved request runs exactly once in Odoo, the audit chain verifies and tells each request's
 * story in order, and every stored record is intact.
 */
const CALLS = Number(process.env.LOAD_CALLS ?? 1_000);
const CONCURRENCY = 8;
const POSTED_INVOICES = 4;

interface Outcome {
  isError: boolean;
  data: Record<string, unknown>;
  code?: string;
  text: string;
}

interface Agent {
  app: App;
  client: Client;
  call(name: string, args: Record<string, unknown>): Promise<Outcome>;
}

async function connect(app: App, name: string): Promise<Agent> {
  const { server } = createMcpServer(app);
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name, version: "1.0.0" });
  await client.connect(clientSide);
  return {
    app,
    client,
    async call(tool, args) {
      const result = await client.callTool({ name: tool, arguments: args });
      const text =
        Array.isArray(result.content) && result.content[0]?.type === "text"
          ? String(result.content[0].text)
          : "";
      if (result.isError) {
        const code = (JSON.parse(text) as { error?: { code?: string } }).error?.code;
        return { isError: true, data: {}, text, ...(code ? { code } : {}) };
      }
      return { isError: false, data: (result.structuredContent ?? {}) as Record<string, unknown>, text };
    },
  };
}

/** Runs `tasks` with at most `limit` in flight. */
async function pool<T>(tasks: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const index = next++;
      results[index] = await (tasks[index] as () => Promise<T>)();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return results;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe("load: two MCP clients and a deciding process on one data folder", () => {
  let sandbox: Sandbox;
  let dataDir: string;
  const keychain = createMemoryKeychain();
  let a: Agent;
  let b: Agent;
  let core: App;

  beforeAll(async () => {
    sandbox = await startSandbox({ version: 19 });
    dataDir = await mkdtemp(path.join(tmpdir(), "odoo-mcp-load-"));
    const env = {
      ...sandboxEnv(sandbox),
      ODOO_MCP_DATA_DIR: dataDir,
      ODOO_TIMEOUT_MS: "10000",
      ODOO_MCP_MAX_PENDING: "5000",
      ODOO_MCP_MAX_PENDING_TOTAL: "5000",
      ODOO_MCP_AUTO_APPROVAL_DAILY_COUNT: "5000",
      ODOO_MCP_AUTO_APPROVAL_DAILY_TOTAL: "1000000",
    };
    const make = () =>
      createApp(loadConfig({ env, cwd: dataDir }), {
        logger: silentLogger,
        keychain,
        sleep: (ms) => sleep(ms / 100),
      });
    a = await connect(await make(), "agent-a");
    b = await connect(await make(), "agent-b");
    core = await make();
    await core.odoo.create("res.partner", {
      name: "Acme Corp",
      is_company: true,
      email: "billing@acme.example",
    });
  }, 30_000);

  afterAll(async () => {
    for (const agent of [a, b]) {
      await agent?.client.close().catch(() => {});
      await agent?.app.close();
    }
    await core?.close();
    await sandbox?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it(`${CALLS} tool calls with approvals decided concurrently: each approved request runs exactly once, the audit log verifies and tells every story in order, every record is intact`, async () => {
    // Posted invoices to pay, made through the tools themselves (person approves in the core).
    const approveAndRun = async (id: unknown) => {
      await core.approvals.decide(String(id), { decision: "approved", channel: "cli", actor: "setup" });
      const outcome = await core.approvals.execute(String(id));
      expect(outcome.status, JSON.stringify(outcome)).toBe("executed");
      return outcome as { output?: Record<string, unknown> };
    };
    const payable: string[] = [];
    for (let n = 0; n < POSTED_INVOICES; n++) {
      const created = await a.call("create_invoice", INVOICE_INPUT);
      expect(created.isError, created.text).toBe(false);
      const run = await approveAndRun(created.data.approval_id);
      const invoiceId = String(run.output?.invoice_id);
      const posted = await b.call("post_invoice", { invoice_id: invoiceId });
      expect(posted.isError, posted.text).toBe(false);
      const postRun = await approveAndRun(posted.data.approval_id);
      payable.push(String(postRun.output?.invoice_id ?? invoiceId));
    }

    // The mix: reads, and gated calls (invoices, payments on posted invoices, small and large expenses).
    const approvalIds: string[] = [];
    const serverMs: number[] = [];
    const failures: string[] = [];
    const raced: { id: string; code: string }[] = [];
    const call = (agent: Agent, tool: string, args: Record<string, unknown>) => async () => {
      const started = performance.now();
      const out = await agent.call(tool, args);
      serverMs.push(performance.now() - started);
      if (out.isError) {
        // The person may decide before the call answers: a rejection is then the call's answer.
        const parsed = JSON.parse(out.text) as { error: { details?: { approval_id?: string } } };
        const id = out.code === "APPROVAL_REJECTED" ? parsed.error.details?.approval_id : undefined;
        if (id) {
          approvalIds.push(id);
          raced.push({ id, code: out.code as string });
        } else failures.push(`${tool}: ${out.text}`);
      } else if (tool !== "get_approval" && typeof out.data.approval_id === "string")
        approvalIds.push(out.data.approval_id);
      return out;
    };
    const tasks: (() => Promise<Outcome>)[] = [];
    for (let n = 0; n < CALLS; n++) {
      const agent = n % 2 === 0 ? a : b;
      const kind = n % 10;
      if (kind <= 1) tasks.push(call(agent, "create_invoice", { ...INVOICE_INPUT, notes: `load ${n}` }));
      else if (kind === 2)
        tasks.push(
          call(agent, "record_payment", {
            invoice_id: payable[n % payable.length],
            amount: 1,
            payment_date: "2026-11-10",
            payment_method: "bank_transfer",
            reference: `load ${n}`,
          }),
        );
      else if (kind === 3)
        tasks.push(
          call(agent, "create_expense", {
            description: `Taxi ${n}`,
            amount: 23.4,
            expense_date: "2026-11-10",
            category: "travel_accommodation",
          }),
        );
      else if (kind === 4)
        tasks.push(
          call(agent, "create_expense", {
            description: `Laptop ${n}`,
            amount: 640,
            expense_date: "2026-11-10",
            category: "meals",
          }),
        );
      else if (kind === 5) tasks.push(call(agent, "list_invoices", { limit: 20 }));
      else if (kind === 6)
        tasks.push(call(agent, "get_invoice", { invoice_id: payable[n % payable.length] }));
      else if (kind === 7) tasks.push(call(agent, "find_partners", { query: "Acme" }));
      else if (kind === 8) tasks.push(call(agent, "list_journals", {}));
      else
        tasks.push(async () => {
          const id = approvalIds[n % Math.max(1, approvalIds.length)];
          return id
            ? call(agent, "get_approval", { approval_id: id })()
            : call(agent, "list_approvals", { status: "pending" })();
        });
    }

    // The person, in a third process: decides what is pending (one in eight rejected) and runs it, at the same
    // time as the first server's runner, which runs what it sees decided.
    const runner = a.app.approvals.startRunner();
    let loading = true;
    const decided = new Set<string>();
    const rejected = new Set<string>();
    const person = async () => {
      let n = 0;
      for (;;) {
        const pending = (await core.approvals.list({ status: "pending" })).filter((r) => !decided.has(r.id));
        if (pending.length === 0) {
          if (!loading) return;
          await sleep(20);
          continue;
        }
        await pool(
          pending.map((record) => async () => {
            decided.add(record.id);
            const reject = n++ % 8 === 7;
            if (reject) rejected.add(record.id);
            try {
              await core.approvals.decide(record.id, {
                decision: reject ? "rejected" : "approved",
                channel: "cli",
                actor: "person",
              });
            } catch (error) {
              // A small expense seen pending an instant before the policy approved it: refused, and not ours.
              const now = await core.store.get(record.id);
              if (now?.decision?.channel !== "auto") throw error;
              rejected.delete(record.id);
              return;
            }
            if (!reject) await core.approvals.execute(record.id);
          }),
          3,
        );
      }
    };
    const started = performance.now();
    const deciding = person();
    await pool(tasks, CONCURRENCY);
    loading = false;
    await deciding;
    const deadline = Date.now() + 20_000;
    while ((await core.store.list({ status: ["approved"] })).length > 0 && Date.now() < deadline)
      await sleep(50);
    runner.stop();
    const elapsed = performance.now() - started;
    const sorted = [...serverMs].sort((x, y) => x - y);
    const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]?.toFixed(1);
    process.stdout.write(
      `load: ${CALLS} calls (${raced.length} decided before the call answered) in ${(elapsed / 1000).toFixed(1)} s (${((CALLS / elapsed) * 1000).toFixed(0)} calls/s), p50 ${pct(0.5)} ms, p95 ${pct(0.95)} ms, ${decided.size} decided\n`,
    );

    expect(failures, failures.slice(0, 5).join("\n")).toEqual([]);

    // Every request is closed: executed, or rejected by the person.
    const records = await core.store.list({ limit: 100_000 });
    const byStatus = (status: string) => records.filter((r) => r.status === status);
    expect(
      records
        .filter((r) => r.status !== "executed" && r.status !== "rejected")
        .map((r) => `${r.id} ${r.tool} ${r.status} ${JSON.stringify(r.outcome)}`),
    ).toEqual([]);
    expect(new Set(byStatus("rejected").map((r) => r.id))).toEqual(rejected);
    for (const { id, code } of raced) {
      const record = records.find((r) => r.id === id);
      expect(record?.status, `${id} answered ${code}`).toBe("rejected");
    }
    const load = records.filter((r) => approvalIds.includes(r.id));
    expect(new Set(approvalIds).size).toBe(approvalIds.length);
    expect(load.length).toBe(approvalIds.length);
    expect(approvalIds.length).toBeGreaterThan(CALLS * 0.4);

    // Exactly once, on Odoo's side: every odoo-mcp note or expense names one approval, each executed approval is
    // named on exactly one record, a rejected one on none, and Odoo's record counts are the executed approvals.
    const named = new Map<string, string[]>();
    const name = (id: string, where: string) => named.set(id, [...(named.get(id) ?? []), where]);
    const notes = await core.odoo.searchRead(
      "mail.message",
      [["body", "ilike", "by odoo-mcp, approval apr"]],
      ["model", "res_id", "body"],
    );
    for (const note of notes) {
      const body = String(note.body);
      expect(isApprovalNote(body)).toBe(true);
      for (const match of body.matchAll(/by odoo-mcp, approval (apr_[a-z2-7]+)/g))
        name(match[1] as string, `${String(note.model)}#${String(note.res_id)}`);
    }
    const expenses = await core.odoo.searchRead("hr.expense", [], ["description"]);
    for (const expense of expenses) {
      const match = /by odoo-mcp, approval (apr_[a-z2-7]+)/.exec(String(expense.description));
      expect(match, String(expense.description)).not.toBeNull();
      name((match as RegExpExecArray)[1] as string, `hr.expense#${String(expense.id)}`);
    }
    const executed = byStatus("executed");
    for (const record of executed) expect(named.get(record.id), record.id).toHaveLength(1);
    for (const record of byStatus("rejected")) expect(named.get(record.id), record.id).toBeUndefined();
    expect(named.size).toBe(executed.length);
    const count = (tool: string) => executed.filter((r) => r.tool === tool).length;
    expect(await core.odoo.searchCount("account.move", [["move_type", "=", "out_invoice"]])).toBe(
      count("create_invoice"),
    );
    expect(await core.odoo.searchCount("account.payment", [])).toBe(count("record_payment"));
    expect(expenses.length).toBe(count("create_expense"));
    expect(count("record_payment")).toBeGreaterThan(0);

    // The audit chain verifies against the app's anchor (the keychain's key and head).
    const anchor = await auditAnchorFor(keychain, { dataDir });
    expect(anchor?.key).toBeDefined();
    const audit = createAuditLog(dataDir, anchor ? { anchor } : {});
    const report = await audit.verify();
    expect(report.problems).toEqual([]);
    expect(report).toMatchObject({ ok: true, keyed: true, anchored: true });

    // …and holds each request's story in order: requested, then decided, then (approved ones) run once.
    const events: AuditEvent[] = [];
    const logsDir = path.dirname(audit.fileFor("2026-01-01"));
    for (const file of (await readdir(logsDir)).filter((f) => /^\d{4}-\d{2}-\d{2}\.json$/.test(f)).sort())
      events.push(...(await audit.read(file.slice(0, 10))));
    expect(report.lines).toBe(events.length);
    const story = new Map<string, AuditEvent[]>();
    for (const event of events)
      if (event.approval_id) story.set(event.approval_id, [...(story.get(event.approval_id) ?? []), event]);
    for (const record of records) {
      const kinds = (story.get(record.id) ?? []).map((e) => e.event);
      const requested = kinds.indexOf("approval_requested");
      const decision = kinds.indexOf("approval_decided");
      expect(requested, `${record.id}: ${kinds.join(",")}`).toBe(0);
      expect(decision, `${record.id}: ${kinds.join(",")}`).toBeGreaterThan(requested);
      expect(kinds.filter((k) => k === "approval_requested")).toHaveLength(1);
      // A decision's line is written before it takes effect; one another process beat is followed by its
      // "not recorded" line. Exactly one decision took effect.
      const decisions = (story.get(record.id) ?? []).filter((e) => e.event === "approval_decided");
      const notRecorded = decisions.filter(
        (e) => e.result === "failed" && e.message?.startsWith("not recorded"),
      );
      expect(
        decisions.length - 2 * notRecorded.length,
        JSON.stringify(
          story.get(record.id)?.map((e) => [e.event, e.channel, e.approval_status, e.result, e.message]),
        ),
      ).toBe(1);
      const runs = (story.get(record.id) ?? []).filter(
        (e) => e.event === "execution" && e.result === "success",
      );
      if (record.status === "executed") {
        expect(runs, `${record.id}: ${kinds.join(",")}`).toHaveLength(1);
        expect(kinds.indexOf("execution")).toBeGreaterThan(decision);
      } else expect(kinds.includes("execution"), `${record.id}: ${kinds.join(",")}`).toBe(false);
    }

    // The store: every record passes its integrity check; an executed one is refused a second run only because
    // the journal has it as executed (its decision verifies, nothing else is wrong).
    for (const record of records) expect(core.store.integrity(record), record.id).toEqual([]);
    for (const record of executed as ApprovalRecord[])
      expect(await core.store.verifyForExecution(record), record.id).toEqual([
        "it has already been executed",
      ]);
  }, 120_000);
});
