/**
 * The reports' part of `npm run bench`: for each report type, the time and the number of Odoo round trips
 * against a sandbox ledger of 10,000 and then 100,000 posted journal items. The statements are summed inside
 * Odoo, so the round trips are the same for both sizes; the time grows with what Odoo (here the sandbox) has to
 * sum, not with what crosses the wire.
 *
 * The ledger is seeded in-process (the sandbox's own seeding, same effects as the wire API) as batches of
 * balanced postings over two years: sales, customer receipts on the outstanding receipts account, bank statement
 * matching, vendor bills, vendor payments, cost of goods, taxes, equipment and a loan.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import type { Client } from "@modelcontextprotocol/client";
import { createApp } from "../mcp/app.js";
import { loadConfig } from "../mcp/config/config.js";
import { silentLogger } from "../mcp/log.js";
import { REPORT_TYPES } from "../mcp/reports/types.js";
import { sandboxEnv } from "../sandbox/connection.js";
import { type Sandbox, startSandbox } from "../sandbox/index.js";
import { connectInMemory } from "./connect.js";

export interface ReportBenchRow {
  items: number;
  report: string;
  roundTrips: number;
  totalMs: number;
  odooMs: number;
}

export interface ReportBenchOptions {
  version?: 17 | 18 | 19;
  latencyMs?: number;
  sizes?: number[];
  /** Journal items per posted entry. */
  linesPerMove?: number;
}

type Kind = readonly [debit: string, credit: string];
const KINDS: readonly Kind[] = [
  ["121000", "400000"], // sales
  ["101403", "121000"], // customer receipts (outstanding receipts)
  ["101401", "101403"], // bank statement matching
  ["600000", "211000"], // vendor bills
  ["131000", "211000"], // purchase tax
  ["121000", "251000"], // sales tax
  ["211000", "101404"], // vendor payments (outstanding payments)
  ["101404", "101401"], // bank statement matching, outgoing
  ["500000", "110100"], // cost of goods sold
  ["620000", "101401"], // bank fees
  ["151000", "101401"], // equipment
  ["101401", "291000"], // loan
  ["101401", "450000"], // other income
];

export async function runReportBench(options: ReportBenchOptions = {}): Promise<ReportBenchRow[]> {
  const sizes = options.sizes ?? [10_000, 100_000];
  const linesPerMove = options.linesPerMove ?? 50;
  const sandbox = await startSandbox({ version: options.version ?? 19, latencyMs: 0 });
  const dataDir = await mkdtemp(path.join(tmpdir(), "odoo-mcp-bench-reports-"));
  const config = loadConfig({
    env: {
      ...sandboxEnv(sandbox),
      ODOO_MCP_DATA_DIR: dataDir,
      ODOO_TIMEOUT_MS: "600000",
    },
    cwd: dataDir,
  });
  const app = await createApp(config, { logger: silentLogger, keychain: null });
  const { client, close } = await connectInMemory(app, "bench-reports");
  const rows: ReportBenchRow[] = [];
  try {
    const codes = await app.odoo.searchRead("account.account", [], ["code"]);
    const byCode = new Map(codes.map((row) => [String(row.code), row.id as number]));
    let seeded = 0;
    for (const size of sizes) {
      seedWithCodes(sandbox, size - seeded, linesPerMove, byCode, size);
      seeded = size;
      const items = await app.odoo.searchCount("account.move.line", [["parent_state", "=", "posted"]]);
      if (rows.length === 0) {
        // Warm the per-client caches (session, company settings) once, as a running server would have them.
        for (const report of REPORT_TYPES) await callReport(client, report);
      }
      sandbox.setLatency(options.latencyMs ?? 10);
      for (const report of REPORT_TYPES) {
        const before = app.odoo.stats();
        const started = performance.now();
        await callReport(client, report);
        const totalMs = performance.now() - started;
        const after = app.odoo.stats();
        rows.push({
          items,
          report,
          roundTrips: after.roundTrips - before.roundTrips,
          totalMs,
          odooMs: after.odooMs - before.odooMs,
        });
      }
      sandbox.setLatency(0);
    }
  } finally {
    await close();
    await app.close();
    await sandbox.close();
    await rm(dataDir, { recursive: true, force: true });
  }
  return rows;
}

async function callReport(client: Client, report: string): Promise<void> {
  const result = await client.callTool(
    {
      name: "generate_report",
      arguments: { report_type: report, start_date: "2026-01-01", end_date: "2026-12-31" },
    },
    { timeout: 600_000 },
  );
  if (result.isError) throw new Error(`${report}: ${JSON.stringify(result.content)}`);
}

/** Seeds about `items` posted journal items in entries of `linesPerMove` lines, dated over 2025 and 2026. */
function seedWithCodes(
  sandbox: Sandbox,
  items: number,
  linesPerMove: number,
  byCode: Map<string, number>,
  seed: number,
): void {
  let state = seed >>> 0;
  const rand = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296;
  };
  const account = (code: string) => {
    const id = byCode.get(code);
    if (id === undefined) throw new Error(`bench: no account ${code} in the sandbox chart`);
    return id;
  };
  const moves = Math.ceil(items / linesPerMove);
  const pairs = Math.max(1, Math.floor(linesPerMove / 2));
  for (let m = 0; m < moves; m++) {
    const kind = KINDS[m % KINDS.length] as Kind;
    const month = Math.floor(rand() * 24);
    const date = `${2025 + Math.floor(month / 12)}-${String((month % 12) + 1).padStart(2, "0")}-${String(1 + Math.floor(rand() * 28)).padStart(2, "0")}`;
    const lineIds: unknown[] = [];
    for (let p = 0; p < pairs; p++) {
      const amount = Math.round(100 + rand() * 90_000) / 100;
      for (const [code, balance] of [
        [kind[0], amount],
        [kind[1], -amount],
      ] as const) {
        lineIds.push([
          0,
          0,
          {
            account_id: account(code),
            name: "Bench",
            debit: Math.max(balance, 0),
            credit: Math.max(-balance, 0),
            balance,
          },
        ]);
      }
    }
    sandbox.seed.invoice({ move_type: "entry", date, line_ids: lineIds, post: true });
  }
}

export function printReportBench(rows: ReportBenchRow[], latencyMs: number): void {
  const out = process.stdout;
  out.write(
    `\ngenerate_report — sandbox Odoo 19 (JSON-2), ${latencyMs} ms injected latency per request, posted journal items as shown\n\n`,
  );
  out.write(
    `${"report".padEnd(20)} ${"journal items".padStart(13)} ${"round trips".padStart(11)} ${"total ms".padStart(9)} ${"odoo ms".padStart(8)} ${"own ms".padStart(7)}\n`,
  );
  for (const row of rows) {
    out.write(
      `${row.report.padEnd(20)} ${String(row.items).padStart(13)} ${String(row.roundTrips).padStart(11)} ${row.totalMs.toFixed(1).padStart(9)} ${row.odooMs.toFixed(1).padStart(8)} ${(row.totalMs - row.odooMs).toFixed(1).padStart(7)}\n`,
    );
  }
  out.write(
    "\nAfter one warm-up pass (session and company settings are cached per client). Round trips do not depend on the number of journal items.\n",
  );
}

async function main(): Promise<void> {
  const latencyMs = Number(process.env.BENCH_LATENCY_MS ?? 10);
  const sizes = process.env.BENCH_REPORT_ITEMS
    ? process.env.BENCH_REPORT_ITEMS.split(",").map(Number)
    : undefined;
  const rows = await runReportBench({ latencyMs, ...(sizes ? { sizes } : {}) });
  printReportBench(rows, latencyMs);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exitCode = 1;
  });
}
