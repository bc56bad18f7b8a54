import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isApprovalNote } from "../../src/mcp/accounting/approval-tag.js";
import { type App, createApp } from "../../src/mcp/app.js";
import type { ApprovalRecord } from "../../src/mcp/approvals/store.js";
import { auditAnchorFor } from "../../src/mcp/audit/anchor.js";
import { type AuditEvent, createAuditLog } from "../../src/mcp/audit/audit-log.js";
import { loadConfig } from "../../src/mcp/config/config.js";
import { createOsKeychain } from "../../src/mcp/credentials/keychain.js";
import { silentLogger } from "../../src/mcp/log.js";
import { sandboxEnv } from "../../src/sandbox/connection.js";
import { type Sandbox, startSandbox } from "../../src/sandbox/index.js";
import { INVOICE_INPUT } from "../support/harness.js";
import { runInTerminal } from "../support/terminal.js";

/**
 * LOAD, across real processes as on a person's laptop: two MCP clients, each with its own BUILT server started
 * over stdio (`odoo-mcp serve`, whose runner executes what is approved elsewhere), the CLI deciding in processes
 * of its own (`odoo-mcp approvals list/approve/reject`, approving at a pseudo-terminal as a person does), and the
 * desktop app's core (tests/load/desktop-core.mjs over dist/main) deciding at the same time, all on one data
 * folder, one OS keychain (scripts/with-keyring.sh) and one sandbox Odoo. 1,000 tool calls (LOAD_CALLS), 8 in
 * flight per client. Every approved request runs exactly once in Odoo, exactly one decision takes effect per
 * request (the one its decider was told took effect), `odoo-mcp audit verify` passes and the log tells every
 * request's story in order, and every stored record is intact.
 */
const CALLS = Number(process.env.LOAD_CALLS ?? 1_000);
const CONCURRENCY = 8;
const CLI_CONCURRENCY = 2;
const POSTED_INVOICES = 4;
const ROOT = path.resolve(import.meta.dirname, "../..");
const BIN = path.join(ROOT, "dist/mcp/bin/odoo-mcp.js");
const DESKTOP_CORE = path.join(import.meta.dirname, "desktop-core.mjs");

interface Outcome {
  isError: boolean;
  data: Record<string, unknown>;
  code?: string;
  text: string;
}

interface Agent {
  name: string;
  client: Client;
  stderr: () => string;
  /** Wall time of every call, as the client sees it (ms). */
  ms: number[];
  call(name: string, args: Record<string, unknown>): Promise<Outcome>;
}

interface DesktopReport {
  won: [string, "approved" | "rejected"][];
  refused: Record<string, number>;
  reasons: Record<string, string>;
  failed: string[];
  ms: number[];
  selections: number;
  listings: number;
  seconds: number;
}

async function connect(env: Record<string, string>, name: string): Promise<Agent> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [BIN, "serve"],
    env,
    stderr: "pipe",
  });
  let stderr = "";
  transport.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const client = new Client({ name, version: "1.0.0" });
  await client.connect(transport);
  const ms: number[] = [];
  return {
    name,
    client,
    ms,
    stderr: () => stderr,
    async call(tool, args) {
      const started = performance.now();
      const result = await client.callTool({ name: tool, arguments: args }, undefined, { timeout: 60_000 });
      ms.push(performance.now() - started);
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

function cli(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

function percentiles(values: number[]): { n: number; p50: string; p95: string } {
  const sorted = [...values].sort((x, y) => x - y);
  const at = (p: number) =>
    sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]?.toFixed(0) ?? "-";
  return { n: sorted.length, p50: at(0.5), p95: at(0.95) };
}

describe("load: two MCP clients, the CLI and the desktop app's core, each in its own processes, on one data folder", () => {
  let sandbox: Sandbox;
  let dataDir: string;
  let env: Record<string, string>;
  let a: Agent;
  let b: Agent;
  let checker: App;
  let desktop: ChildProcess | undefined;

  beforeAll(async () => {
    if (!existsSync(BIN))
      throw new Error("dist/ is missing: run `npm run build` first (npm run test:all does)");
    if (!process.env.DBUS_SESSION_BUS_ADDRESS)
      throw new Error("no session D-Bus: run this test under scripts/with-keyring.sh (a real OS keychain)");
    sandbox = await startSandbox({ version: 19 });
    dataDir = await mkdtemp(path.join(tmpdir(), "odoo-mcp-load-"));
    env = {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? dataDir,
      // The OS keychain of the session (scripts/with-keyring.sh), shared as a desktop user's processes share it.
      DBUS_SESSION_BUS_ADDRESS: process.env.DBUS_SESSION_BUS_ADDRESS,
      ...(process.env.GNOME_KEYRING_CONTROL
        ? { GNOME_KEYRING_CONTROL: process.env.GNOME_KEYRING_CONTROL }
        : {}),
      ...sandboxEnv(sandbox),
      ODOO_MCP_DATA_DIR: dataDir,
      ODOO_TIMEOUT_MS: "20000",
      ODOO_MCP_MAX_PENDING: "5000",
      ODOO_MCP_MAX_PENDING_TOTAL: "5000",
      ODOO_MCP_AUTO_APPROVAL_DAILY_COUNT: "5000",
      ODOO_MCP_AUTO_APPROVAL_DAILY_TOTAL: "1000000",
    };
    // The test's own view of the store, Odoo and the audit log (it decides only the set-up's requests).
    checker = await createApp(loadConfig({ env, cwd: dataDir }), {
      logger: silentLogger,
      keychain: createOsKeychain(),
    });
    await checker.odoo.create("res.partner", {
      name: "Acme Corp",
      is_company: true,
      email: "billing@acme.example",
    });
    [a, b] = await Promise.all([connect(env, "agent-a"), connect(env, "agent-b")]);
  }, 60_000);

  afterAll(async () => {
    if (desktop && desktop.exitCode === null) desktop.kill();
    for (const agent of [a, b]) await agent?.client.close().catch(() => {});
    await checker?.close();
    await sandbox?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it(`${CALLS} tool calls with approvals decided concurrently by the CLI and the desktop core: each approved request runs exactly once, one decision takes effect, the audit log verifies and tells every story in order, every record is intact`, async () => {
    /** Waits until `id` is closed (the servers' runners may be the ones running it) and returns its record. */
    const closed = async (id: string): Promise<ApprovalRecord> => {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const record = await checker.approvals.get(id);
        if (record && record.status !== "pending" && record.status !== "approved") return record;
        if (Date.now() > deadline) throw new Error(`${id} is still ${record?.status}`);
        await sleep(50);
      }
    };
    // Set-up: posted invoices to pay, made through the tools (the test approves them; a runner may run them).
    const approveAndRun = async (id: unknown) => {
      await checker.approvals.decide(String(id), { decision: "approved", channel: "cli", actor: "setup" });
      await checker.approvals.execute(String(id));
      const record = await closed(String(id));
      expect(record.status, JSON.stringify(record.outcome)).toBe("executed");
      return (record.outcome?.ok ? record.outcome.output : {}) as Record<string, unknown>;
    };
    const payable: string[] = [];
    for (let n = 0; n < POSTED_INVOICES; n++) {
      const created = await a.call("create_invoice", INVOICE_INPUT);
      expect(created.isError, created.text).toBe(false);
      const invoiceId = String((await approveAndRun(created.data.approval_id)).invoice_id);
      const posted = await b.call("post_invoice", { invoice_id: invoiceId });
      expect(posted.isError, posted.text).toBe(false);
      payable.push(String((await approveAndRun(posted.data.approval_id)).invoice_id ?? invoiceId));
    }
    const setupIds = new Set((await checker.approvals.list({ limit: 100 })).map((r) => r.id));
    for (const agent of [a, b]) agent.ms.length = 0;

    // The mix: reads, and gated calls (invoices, payments on posted invoices, small and large expenses).
    const approvalIds: string[] = [];
    const failures: string[] = [];
    const raced: { id: string; code: string }[] = [];
    const call = (agent: Agent, tool: string, args: Record<string, unknown>) => async () => {
      const out = await agent.call(tool, args);
      if (out.isError) {
        // The person may decide before the call answers: a rejection is then the call's answer.
        const parsed = JSON.parse(out.text) as { error: { details?: { approval_id?: string } } };
        const id = out.code === "APPROVAL_REJECTED" ? parsed.error.details?.approval_id : undefined;
        if (id) {
          approvalIds.push(id);
          raced.push({ id, code: out.code as string });
        } else failures.push(`${agent.name} ${tool}: ${out.text}`);
      } else if (tool !== "get_approval" && typeof out.data.approval_id === "string")
        approvalIds.push(out.data.approval_id);
      return out;
    };
    const tasks: [(() => Promise<Outcome>)[], (() => Promise<Outcome>)[]] = [[], []];
    for (let n = 0; n < CALLS; n++) {
      const agent = n % 2 === 0 ? a : b;
      const queue = tasks[n % 2] as (() => Promise<Outcome>)[];
      const kind = n % 10;
      if (kind <= 1) queue.push(call(agent, "create_invoice", { ...INVOICE_INPUT, notes: `load ${n}` }));
      else if (kind === 2)
        queue.push(
          call(agent, "record_payment", {
            invoice_id: payable[n % payable.length],
            amount: 1,
            payment_date: "2026-11-10",
            payment_method: "bank_transfer",
            reference: `load ${n}`,
          }),
        );
      else if (kind === 3)
        queue.push(
          call(agent, "create_expense", {
            description: `Taxi ${n}`,
            amount: 23.4,
            expense_date: "2026-11-10",
            category: "travel_accommodation",
          }),
        );
      else if (kind === 4)
        queue.push(
          call(agent, "create_expense", {
            description: `Laptop ${n}`,
            amount: 640,
            expense_date: "2026-11-10",
            category: "meals",
          }),
        );
      else if (kind === 5) queue.push(call(agent, "list_invoices", { limit: 20 }));
      else if (kind === 6)
        queue.push(call(agent, "get_invoice", { invoice_id: payable[n % payable.length] }));
      else if (kind === 7) queue.push(call(agent, "find_partners", { query: "Acme" }));
      else if (kind === 8) queue.push(call(agent, "list_journals", {}));
      else
        queue.push(async () => {
          const id = approvalIds[n % Math.max(1, approvalIds.length)];
          return id
            ? call(agent, "get_approval", { approval_id: id })()
            : call(agent, "list_approvals", { status: "pending" })();
        });
    }

    // The desktop app's core, in its own process: decides what it sees pending until told to drain.
    desktop = spawn(process.execPath, [DESKTOP_CORE], { env, stdio: ["pipe", "pipe", "pipe"] });
    let desktopOut = "";
    let desktopErr = "";
    desktop.stdout?.on("data", (chunk: Buffer) => {
      desktopOut += chunk.toString();
    });
    desktop.stderr?.on("data", (chunk: Buffer) => {
      desktopErr += chunk.toString();
    });
    const desktopDone = new Promise<number | null>((resolve) => desktop?.on("exit", (code) => resolve(code)));

    // The CLI: a person at a terminal listing what waits and approving (one in six rejected, without a terminal,
    // as rejecting needs none), two commands at a time, each its own process; newest first, so that it meets
    // the desktop on some requests and both try to decide them.
    let loading = true;
    const cliWon = new Map<string, "approved" | "rejected">();
    const cliRefused: string[] = [];
    const cliFailed: string[] = [];
    const cliMs: number[] = [];
    const cliTried = new Set<string>();
    let cliDecisions = 0;
    const person = async () => {
      let idle = 0;
      for (;;) {
        const listed = await cli(["approvals", "list", "--json"], env);
        expect(listed.code, listed.stderr).toBe(0);
        const pending = (JSON.parse(listed.stdout) as { approval_id: string }[])
          .map((view) => view.approval_id)
          .filter((id) => !cliTried.has(id))
          .reverse()
          .slice(0, 2 * CLI_CONCURRENCY);
        if (pending.length === 0) {
          if (!loading && ++idle >= 3) return;
          await sleep(loading ? 50 : 200);
          continue;
        }
        idle = 0;
        await pool(
          pending.map((id) => async () => {
            cliTried.add(id);
            const reject = cliDecisions++ % 6 === 5;
            const started = performance.now();
            if (reject) {
              const out = await cli(["approvals", "reject", id, "--reason", "load"], env);
              cliMs.push(performance.now() - started);
              if (out.code === 0 && out.stdout.includes(`Rejected ${id}.`)) cliWon.set(id, "rejected");
              else cliRefused.push(`${id}: ${out.stderr.trim()}`);
              return;
            }
            const out = await runInTerminal(process.execPath, [BIN, "approvals", "approve", id], {
              env,
              input: ["y\r"],
              timeoutMs: 60_000,
            });
            cliMs.push(performance.now() - started);
            if (out.output.includes(`Approved ${id}. Running it now...`)) {
              cliWon.set(id, "approved");
              if (out.code !== 0)
                cliFailed.push(`${id}: ${out.output.trim().split("\n").slice(-2).join(" ")}`);
            } else cliRefused.push(`${id}: ${out.output.trim().split("\n").slice(-1)[0]}`);
          }),
          CLI_CONCURRENCY,
        );
      }
    };

    const started = performance.now();
    const deciding = person();
    const loads = await Promise.all(
      tasks.map(async (queue, index) => {
        const t0 = performance.now();
        await pool(queue, CONCURRENCY);
        return { agent: index === 0 ? a : b, seconds: (performance.now() - t0) / 1000, calls: queue.length };
      }),
    );
    loading = false;
    desktop.stdin?.write("drain\n");
    await deciding;
    // The core drains in seconds; one that does not end is stopped and its own words fail the test (not a timeout).
    const core = desktop;
    const stuck = setTimeout(() => core.kill("SIGKILL"), 60_000);
    const desktopCode = await desktopDone;
    clearTimeout(stuck);
    expect(desktopCode, `the desktop core did not end after draining:\n${desktopErr.slice(-2000)}`).toBe(0);
    const desktopReport = JSON.parse(desktopOut.trim().split("\n").pop() as string) as DesktopReport;
    // What was approved but not yet run by its decider (another process held the claim) is run by the
    // servers' runners: wait for the store to settle.
    const deadline = Date.now() + 30_000;
    while (
      (await checker.approvals.list({ status: ["approved", "pending"] })).length > 0 &&
      Date.now() < deadline
    )
      await sleep(100);
    const elapsed = (performance.now() - started) / 1000;

    const lines = [
      `load across processes: ${CALLS} calls in ${elapsed.toFixed(1)} s including the last decisions (${(CALLS / elapsed).toFixed(0)} calls/s); ${raced.length} decided before the call answered`,
      ...loads.map(({ agent, seconds, calls }) => {
        const p = percentiles(agent.ms);
        return `  ${agent.name} (own odoo-mcp serve): ${calls} calls in ${seconds.toFixed(1)} s (${(calls / seconds).toFixed(1)} calls/s), wall per call p50 ${p.p50} ms, p95 ${p.p95} ms`;
      }),
      (() => {
        const p = percentiles(desktopReport.ms);
        return `  desktop core (one process): ${desktopReport.won.length} decisions took effect in ${desktopReport.selections} selections, ${desktopReport.listings} listings, ${Object.values(desktopReport.refused).reduce((x, y) => x + y, 0)} refused ${JSON.stringify(desktopReport.refused)} ${JSON.stringify(desktopReport.reasons)}; decide+execute per selection p50 ${p.p50} ms, p95 ${p.p95} ms`;
      })(),
      (() => {
        const p = percentiles(cliMs);
        return `  CLI (a process per command): ${cliWon.size} decisions took effect in ${cliMs.length} approve/reject processes, ${cliRefused.length} refused; per process p50 ${p.p50} ms, p95 ${p.p95} ms`;
      })(),
    ];
    process.stdout.write(`${lines.join("\n")}\n`);

    // On failure, what the processes said (their logs go to stderr and never carry a secret).
    const said = [a.stderr(), b.stderr(), desktopErr, ...cliRefused]
      .join("\n")
      .split("\n")
      .filter((line) => /ERROR|keychain|AUDIT_LOG/.test(line))
      .slice(0, 8)
      .join("\n");
    expect(failures, `${failures.slice(0, 3).join("\n")}\n${said}`).toEqual([]);
    expect(desktopReport.failed).toEqual([]);
    expect(cliFailed).toEqual([]);
    // Both deciders did take part, and met on some requests.
    expect(desktopReport.won.length).toBeGreaterThan(0);
    expect(cliWon.size).toBeGreaterThan(0);

    // Every request is closed: executed, or rejected by the person.
    const records = (await checker.approvals.list({ limit: 100_000 })).filter((r) => !setupIds.has(r.id));
    const byStatus = (status: string) => records.filter((r) => r.status === status);
    expect(
      records
        .filter((r) => r.status !== "executed" && r.status !== "rejected")
        .map((r) => `${r.id} ${r.tool} ${r.status} ${JSON.stringify(r.outcome)}`),
    ).toEqual([]);
    const load = records.filter((r) => approvalIds.includes(r.id));
    expect(new Set(approvalIds).size).toBe(approvalIds.length);
    expect(load.length).toBe(approvalIds.length);
    expect(records.length).toBe(approvalIds.length);
    expect(approvalIds.length).toBeGreaterThan(CALLS * 0.4);

    // Exactly one decision took effect per request, and it is the one its decider was told took effect: the
    // policy's (a small expense), the desktop's or the CLI's, never two.
    const wonBy = new Map<string, string[]>();
    for (const [id, decision] of desktopReport.won)
      wonBy.set(id, [...(wonBy.get(id) ?? []), `desktop ${decision}`]);
    for (const [id, decision] of cliWon) wonBy.set(id, [...(wonBy.get(id) ?? []), `cli ${decision}`]);
    for (const record of records) {
      const claims = wonBy.get(record.id) ?? [];
      if (record.decision?.channel === "auto") {
        expect(claims, record.id).toEqual([]);
        expect(record.status, record.id).toBe("executed");
        continue;
      }
      expect(claims, `${record.id} ${record.tool} ${record.status}`).toHaveLength(1);
      const [who, decision] = (claims[0] as string).split(" ");
      expect(record.decision?.channel, record.id).toBe(who === "desktop" ? "tray" : "cli");
      expect(record.status, record.id).toBe(decision === "approved" ? "executed" : "rejected");
    }
    for (const { id, code } of raced) {
      const record = records.find((r) => r.id === id);
      expect(record?.status, `${id} answered ${code}`).toBe("rejected");
    }

    // Exactly once, on Odoo's side: every odoo-mcp note or expense names one approval, each executed approval is
    // named on exactly one record, a rejected one on none, and Odoo's record counts are the executed approvals.
    const all = await checker.approvals.list({ limit: 100_000 });
    const named = new Map<string, string[]>();
    const name = (id: string, where: string) => named.set(id, [...(named.get(id) ?? []), where]);
    const notes = await checker.odoo.searchRead(
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
    const expenses = await checker.odoo.searchRead("hr.expense", [], ["description"]);
    for (const expense of expenses) {
      const match = /by odoo-mcp, approval (apr_[a-z2-7]+)/.exec(String(expense.description));
      expect(match, String(expense.description)).not.toBeNull();
      name((match as RegExpExecArray)[1] as string, `hr.expense#${String(expense.id)}`);
    }
    const executed = all.filter((r) => r.status === "executed");
    for (const record of executed) expect(named.get(record.id), record.id).toHaveLength(1);
    for (const record of byStatus("rejected")) expect(named.get(record.id), record.id).toBeUndefined();
    expect(named.size).toBe(executed.length);
    const count = (tool: string) => executed.filter((r) => r.tool === tool).length;
    expect(await checker.odoo.searchCount("account.move", [["move_type", "=", "out_invoice"]])).toBe(
      count("create_invoice"),
    );
    expect(await checker.odoo.searchCount("account.payment", [])).toBe(count("record_payment"));
    expect(expenses.length).toBe(count("create_expense"));
    expect(count("record_payment")).toBeGreaterThan(POSTED_INVOICES);

    // The audit chain verifies, as a person checks it (`odoo-mcp audit verify`, against the keychain's anchor).
    const verified = await cli(["audit", "verify", "--json"], env);
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);
    const report = JSON.parse(verified.stdout) as {
      ok: boolean;
      keyed: boolean;
      anchored: boolean;
      lines: number;
    };
    expect(report).toMatchObject({ ok: true, keyed: true, anchored: true, problems: [] });

    // …and holds each request's story in order: requested, then decided, then (approved ones) run once.
    const anchor = await auditAnchorFor(createOsKeychain(), { dataDir });
    const audit = createAuditLog(dataDir, anchor ? { anchor } : {});
    const events: AuditEvent[] = [];
    const logsDir = path.dirname(audit.fileFor("2026-01-01"));
    for (const file of (await readdir(logsDir)).filter((f) => /^\d{4}-\d{2}-\d{2}\.json$/.test(f)).sort())
      events.push(...(await audit.read(file.slice(0, 10))));
    expect(report.lines).toBe(events.length);
    const story = new Map<string, AuditEvent[]>();
    for (const event of events)
      if (event.approval_id) story.set(event.approval_id, [...(story.get(event.approval_id) ?? []), event]);
    for (const record of all) {
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
    for (const record of all) expect(checker.approvals.integrity(record), record.id).toEqual([]);
    for (const record of executed)
      expect(await checker.approvals.verify(record), record.id).toEqual(["it has already been executed"]);
  }, 240_000);
});
