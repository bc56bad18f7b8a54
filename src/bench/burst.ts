import { AsyncLocalStorage } from "node:async_hooks";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { createApp } from "../mcp/app.js";
import { loadConfig } from "../mcp/config/config.js";
import { createMemoryKeychain } from "../mcp/credentials/keychain.js";
import { silentLogger } from "../mcp/log.js";
import type { Odoo } from "../mcp/odoo/types.js";
import { sandboxEnv } from "../sandbox/connection.js";
import { startSandbox } from "../sandbox/index.js";
import { connectInMemory } from "./connect.js";

/**
 * A concurrent burst: `calls` tool calls, `concurrency` in flight, on one server (keychain mode, an in-memory
 * keychain standing in), half reads and half gated requests (create_invoice, record_payment asks, small expenses
 * approved by the policy and run, large ones asked). Each call's own time is its wall time minus the time it
 * waited for Odoo, measured per call (the Odoo client is wrapped, and each call carries its own counter).
 */
export interface BurstResult {
  calls: number;
  concurrency: number;
  seconds: number;
  perSecond: number;
  wall: { p50: number; p95: number };
  own: { p50: number; p95: number };
  errors: number;
}

const waits = new AsyncLocalStorage<{ odooMs: number }>();

/** The same client, with each method's time added to the calling tool call's counter. */
function timedOdoo(odoo: Odoo): Odoo {
  return new Proxy(odoo, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver) as unknown;
      if (typeof value !== "function") return value;
      if (key === "stats" || key === "close") return (value as () => unknown).bind(target);
      return async (...args: unknown[]) => {
        const started = performance.now();
        try {
          return await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        } finally {
          const counter = waits.getStore();
          if (counter) counter.odooMs += performance.now() - started;
        }
      };
    },
  });
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;

export async function runBurst(options: {
  calls: number;
  concurrency: number;
  latencyMs: number;
}): Promise<BurstResult> {
  const sandbox = await startSandbox({ version: 19, latencyMs: options.latencyMs });
  const dataDir = await mkdtemp(path.join(tmpdir(), "odoo-mcp-bench-burst-"));
  const env = {
    ...sandboxEnv(sandbox),
    ODOO_MCP_DATA_DIR: dataDir,
    ODOO_MCP_MAX_PENDING: "10000",
    ODOO_MCP_MAX_PENDING_TOTAL: "10000",
    ODOO_MCP_AUTO_APPROVAL_DAILY_COUNT: "100000",
    ODOO_MCP_AUTO_APPROVAL_DAILY_TOTAL: "100000000",
  };
  const config = loadConfig({ env, cwd: dataDir });
  const keychain = createMemoryKeychain();
  const plain = await createApp(config, { logger: silentLogger, keychain });
  const app = await createApp(config, { logger: silentLogger, keychain, odoo: timedOdoo(plain.odoo) });
  const { client, close } = await connectInMemory(app, "bench-burst");
  try {
    await app.odoo.create("res.partner", {
      name: "Bench Customer",
      is_company: true,
      email: "b@example.com",
    });
    await client.callTool({ name: "list_journals", arguments: {} }); // the session's warm-up
    const invoice = {
      customer_name: "Bench Customer",
      customer_email: "b@example.com",
      invoice_date: "2026-11-02",
      due_date: "2026-12-02",
      line_items: [{ description: "Work", quantity: 3, unit_price: 100 }],
      tax_rate: 0.15,
    };
    const mix: { name: string; args: Record<string, unknown> }[] = [
      { name: "create_invoice", args: invoice },
      { name: "list_invoices", args: { limit: 20 } },
      {
        name: "create_expense",
        args: {
          description: "Taxi",
          amount: 23.4,
          expense_date: "2026-11-10",
          category: "travel_accommodation",
        },
      },
      { name: "find_partners", args: { query: "Bench" } },
      {
        name: "create_expense",
        args: { description: "Laptop", amount: 640, expense_date: "2026-11-10", category: "meals" },
      },
      { name: "list_approvals", args: { status: "pending" } },
    ];
    const wall: number[] = [];
    const own: number[] = [];
    let errors = 0;
    let next = 0;
    const worker = async () => {
      while (next < options.calls) {
        const step = mix[next++ % mix.length] as (typeof mix)[number];
        const counter = { odooMs: 0 };
        const started = performance.now();
        const result = await waits.run(counter, () =>
          client.callTool({ name: step.name, arguments: step.args }),
        );
        const ms = performance.now() - started;
        if (result.isError) errors++;
        wall.push(ms);
        own.push(Math.max(0, ms - counter.odooMs));
      }
    };
    const started = performance.now();
    await Promise.all(Array.from({ length: options.concurrency }, worker));
    const seconds = (performance.now() - started) / 1000;
    wall.sort((a, b) => a - b);
    own.sort((a, b) => a - b);
    return {
      calls: options.calls,
      concurrency: options.concurrency,
      seconds,
      perSecond: options.calls / seconds,
      wall: { p50: percentile(wall, 0.5), p95: percentile(wall, 0.95) },
      own: { p50: percentile(own, 0.5), p95: percentile(own, 0.95) },
      errors,
    };
  } finally {
    await close();
    await app.close(); // closes the one Odoo client both apps share
    await sandbox.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

export function printBurst(result: BurstResult, latencyMs: number): void {
  const out = process.stdout;
  out.write(
    `\nconcurrent burst — ${result.calls} calls, ${result.concurrency} in flight, one server (keychain mode), ${latencyMs} ms injected latency\n\n`,
  );
  out.write(`${"figure".padEnd(40)} ${"value".padStart(9)}\n`);
  const row = (name: string, value: string) => out.write(`${name.padEnd(40)} ${value.padStart(9)}\n`);
  row("throughput (calls/s)", result.perSecond.toFixed(1));
  row("wall time per call, p50 (ms)", result.wall.p50.toFixed(1));
  row("wall time per call, p95 (ms)", result.wall.p95.toFixed(1));
  row("server's own time per call, p50 (ms)", result.own.p50.toFixed(1));
  row("server's own time per call, p95 (ms)", result.own.p95.toFixed(1));
  row("errors", String(result.errors));
  out.write(
    "\nMix: create_invoice, list_invoices, create_expense (small: auto-approved and run), find_partners, create_expense (large: asked), list_approvals.\nown = wall - this call's time waiting for Odoo (the store's locks, audit fsync, MCP, validation, queueing behind the other calls).\n",
  );
}
