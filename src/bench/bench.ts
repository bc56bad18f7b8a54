import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { createApp } from "../mcp/app.js";
import { loadConfig } from "../mcp/config/config.js";
import { silentLogger } from "../mcp/log.js";
import { sandboxEnv } from "../sandbox/connection.js";
import { startSandbox } from "../sandbox/index.js";
import { printApprovalBench, runApprovalBench } from "./approvals.js";
import { printBurst, runBurst } from "./burst.js";
import { connectInMemory } from "./connect.js";
import { printGateBench, runGateBench } from "./gate.js";
import { printReportBench, runReportBench } from "./reports.js";
import { printToolBench, runToolBench } from "./tools.js";

/**
 * `npm run bench`: per tool, the number of Odoo round trips and the server's own time beside the time spent
 * waiting for Odoo, against the sandbox with a fixed injected latency per request. First the tool calls as a
 * client makes them (src/bench/tools.ts: the built server over stdio, a counting proxy before Odoo); then the
 * gated tools in their two halves, in this process: the call that validates and asks for approval, and the
 * execution after approval. `npm run bench -- tools` runs the first table only.
 */
const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 10);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const TOOL_RUNS = Number(process.env.BENCH_TOOL_RUNS ?? 21);

interface Row {
  step: string;
  roundTrips: number;
  totalMs: number;
  odooMs: number;
}

async function main(): Promise<void> {
  printToolBench(
    await runToolBench({ runs: TOOL_RUNS, warmUp: 5, latencyMs: LATENCY_MS }),
    TOOL_RUNS,
    LATENCY_MS,
  );
  if (process.argv[2] === "tools") return;
  await gatedBench();
  await otherBenches();
}

/** The gated tools in their two halves, with an app of this process (it runs what is approved). */
async function gatedBench(): Promise<void> {
  const sandbox = await startSandbox({ version: 19, latencyMs: LATENCY_MS });
  const dataDir = await mkdtemp(path.join(tmpdir(), "odoo-mcp-bench-"));
  const config = loadConfig({
    env: {
      ...sandboxEnv(sandbox),
      ODOO_MCP_DATA_DIR: dataDir,
    },
    cwd: dataDir,
  });
  const app = await createApp(config, { logger: silentLogger, keychain: null });
  const { client, close } = await connectInMemory(app, "bench");

  await app.odoo.create("res.partner", {
    name: "Bench Customer",
    is_company: true,
    email: "bench@example.com",
  });
  const rows: Row[] = [];
  const measure = async <T>(step: string, fn: () => Promise<T>): Promise<T> => {
    const before = app.odoo.stats();
    const started = performance.now();
    const result = await fn();
    const totalMs = performance.now() - started;
    const after = app.odoo.stats();
    rows.push({
      step,
      roundTrips: after.roundTrips - before.roundTrips,
      totalMs,
      odooMs: after.odooMs - before.odooMs,
    });
    return result;
  };
  const call = async (name: string, args: Record<string, unknown>) => {
    const result = await client.callTool({ name, arguments: args });
    if (result.isError) throw new Error(`${name}: ${JSON.stringify(result.content)}`);
    return result.structuredContent as Record<string, unknown>;
  };
  const execute = (id: unknown) => app.approvals.execute(String(id));

  // Warm the per-session cache (version, company, journals, taxes) once, as a real session would.
  await measure("session warm-up (first call)", () => call("list_journals", {}));
  for (let run = 0; run < RUNS; run++) {
    const created = await measure("create_invoice: validate + request approval", () =>
      call("create_invoice", {
        customer_name: "Bench Customer",
        customer_email: "bench@example.com",
        invoice_date: "2026-11-02",
        due_date: "2026-12-02",
        line_items: [
          { description: "Work", quantity: 3, unit_price: 100 },
          { description: "Travel", quantity: 1, unit_price: 42.5 },
        ],
        tax_rate: 0.15,
      }),
    );
    await app.approvals.decide(String(created.approval_id), {
      decision: "approved",
      channel: "cli",
      actor: "bench",
    });
    const executed = await measure("create_invoice: execute after approval", () =>
      execute(created.approval_id),
    );
    const invoiceId = String((executed as { output?: { invoice_id?: string } }).output?.invoice_id);
    const sent = await measure("send_invoice: validate + request approval", () =>
      call("send_invoice", { invoice_id: invoiceId }),
    );
    await app.approvals.decide(String(sent.approval_id), {
      decision: "approved",
      channel: "cli",
      actor: "bench",
    });
    const sentOutcome = await measure("send_invoice: execute (post + email + delivery check)", () =>
      execute(sent.approval_id),
    );
    const number = String(
      (sentOutcome as { output?: { invoice_id?: string } }).output?.invoice_id ?? invoiceId,
    );
    const paid = await measure("record_payment: validate + request approval", () =>
      call("record_payment", {
        invoice_id: number,
        amount: 100,
        payment_date: "2026-11-10",
        payment_method: "bank_transfer",
      }),
    );
    await app.approvals.decide(String(paid.approval_id), {
      decision: "approved",
      channel: "cli",
      actor: "bench",
    });
    await measure("record_payment: execute after approval", () => execute(paid.approval_id));
    await measure("create_expense: below threshold, auto-approved", () =>
      call("create_expense", {
        description: "Taxi",
        amount: 23.4,
        expense_date: "2026-11-10",
        category: "travel",
      }),
    );
  }

  printTable(rows);
  await close();
  await app.close();
  await sandbox.close();
  await rm(dataDir, { recursive: true, force: true });
}

/** The bench's other tables: the gate, the reports, the approval store, a burst. */
async function otherBenches(): Promise<void> {
  // The gate in keychain mode, with no undecided request and with 4,000 (src/bench/gate.ts).
  const undecided = Number(process.env.BENCH_UNDECIDED ?? 4_000);
  const gateRuns = Math.max(RUNS, 21);
  printGateBench(
    await runGateBench({ undecided: [0, undecided], runs: gateRuns, latencyMs: LATENCY_MS }),
    gateRuns,
  );
  // generate_report on sandbox ledgers of 10,000 and 100,000 journal items (src/bench/reports.ts).
  printReportBench(await runReportBench({ latencyMs: LATENCY_MS }), LATENCY_MS);
  const decided = Number(process.env.BENCH_APPROVALS ?? 100_000);
  printApprovalBench(decided, await runApprovalBench({ decided, runs: RUNS }));
  // A concurrent burst on one server: throughput and the server's own time per call (src/bench/burst.ts).
  const burst = Number(process.env.BENCH_BURST_CALLS ?? 240);
  printBurst(await runBurst({ calls: burst, concurrency: 8, latencyMs: LATENCY_MS }), LATENCY_MS);
}

function printTable(rows: Row[]): void {
  const byStep = new Map<string, Row[]>();
  for (const row of rows) byStep.set(row.step, [...(byStep.get(row.step) ?? []), row]);
  const out = process.stdout;
  out.write(
    `\ngated tools, in this process — sandbox Odoo 19 (JSON-2), ${LATENCY_MS} ms injected latency per request, ${RUNS} runs\n\n`,
  );
  out.write(
    `${"step".padEnd(58)} ${"round trips".padStart(11)} ${"total ms".padStart(9)} ${"odoo ms".padStart(8)} ${"own ms".padStart(7)}\n`,
  );
  for (const [step, list] of byStep) {
    const median = (values: number[]) =>
      [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
    const trips = median(list.map((row) => row.roundTrips));
    const total = median(list.map((row) => row.totalMs));
    const odoo = median(list.map((row) => row.odooMs));
    out.write(
      `${step.padEnd(58)} ${String(trips).padStart(11)} ${total.toFixed(1).padStart(9)} ${odoo.toFixed(1).padStart(8)} ${(total - odoo).toFixed(1).padStart(7)}\n`,
    );
  }
  out.write(
    "\nMedians. own ms = total - time waiting for Odoo (validation, approval store, audit log fsync, MCP).\n",
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
