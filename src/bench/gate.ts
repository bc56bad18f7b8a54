import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { createInvoiceOperation } from "../mcp/accounting/invoices.js";
import { createApp } from "../mcp/app.js";
import { loadConfig } from "../mcp/config/config.js";
import {
  createMemoryKeychain,
  createOsKeychain,
  type Keychain,
  probeKeychain,
} from "../mcp/credentials/keychain.js";
import { silentLogger } from "../mcp/log.js";
import { sandboxEnv } from "../sandbox/connection.js";
import { startSandbox } from "../sandbox/index.js";
import { connectInMemory } from "./connect.js";

/**
 * The gate's own cost in keychain mode, as a desktop has it: a gated call (`create_invoice` asking for approval:
 * look-ups in Odoo, the sealed request, its chained audit line with the chain's head in the OS keychain, the
 * pause switch read from it), with no undecided request and with `undecided` of them (caps raised), and
 * `list_approvals` beside it. The OS keychain is used when this machine has one (a throwaway entry of its own);
 * otherwise an in-memory one stands in, and the table says so.
 */
export interface GateBenchRow {
  undecided: number;
  gatedOwnMs: number;
  gatedOdooMs: number;
  listMs: number;
}

export async function runGateBench(options: {
  undecided: number[];
  runs: number;
  latencyMs: number;
}): Promise<{ keychain: "os" | "memory"; rows: GateBenchRow[] }> {
  let keychain: Keychain = createOsKeychain(`odoo-mcp-bench-${process.pid}-${Date.now()}`);
  let kind: "os" | "memory" = "os";
  try {
    await probeKeychain(keychain);
  } catch {
    keychain = createMemoryKeychain();
    kind = "memory";
  }
  const rows: GateBenchRow[] = [];
  for (const undecided of options.undecided)
    rows.push(await measure(keychain, undecided, options.runs, options.latencyMs));
  return { keychain: kind, rows };
}

async function measure(
  keychain: Keychain,
  undecided: number,
  runs: number,
  latencyMs: number,
): Promise<GateBenchRow> {
  const sandbox = await startSandbox({ version: 19, latencyMs });
  const dataDir = await mkdtemp(path.join(tmpdir(), "odoo-mcp-bench-gate-"));
  const config = loadConfig({
    env: {
      ...sandboxEnv(sandbox),
      ODOO_MCP_DATA_DIR: dataDir,
      ODOO_MCP_ELICITATION: "false",
      ODOO_MCP_MAX_PENDING: "10000",
      ODOO_MCP_MAX_PENDING_TOTAL: "100000",
    },
    cwd: dataDir,
  });
  const app = await createApp(config, { logger: silentLogger, keychain });
  const { client, close } = await connectInMemory(app, "bench");
  try {
    await app.odoo.create("res.partner", {
      name: "Bench Customer",
      is_company: true,
      email: "b@example.com",
    });
    const args = {
      customer_name: "Bench Customer",
      customer_email: "b@example.com",
      invoice_date: "2026-11-02",
      due_date: "2026-12-02",
      line_items: [{ description: "Work", quantity: 3, unit_price: 100 }],
    };
    await client.callTool({ name: "list_journals", arguments: {} }); // the session's cache, as a real session
    // The undecided requests, through the gate's front door (what `create_invoice` leaves), with no latency.
    sandbox.setLatency(0);
    for (let i = 0; i < undecided; i++)
      await app.approvals.request(
        createInvoiceOperation,
        { ...args, notes: `seed ${i}` },
        {
          clientName: `client ${i % 40}`,
          signal: new AbortController().signal,
        },
      );
    sandbox.setLatency(latencyMs);
    // A few calls first, unmeasured: the first ones of a process pay for compiling the code and opening the
    // keychain's session, which a server pays once, not on every call.
    for (let i = 0; i < WARM_UP; i++) await client.callTool({ name: "create_invoice", arguments: args });
    const own: number[] = [];
    const odoo: number[] = [];
    const list: number[] = [];
    for (let run = 0; run < runs; run++) {
      const before = app.odoo.stats();
      const started = performance.now();
      const answer = await client.callTool({ name: "create_invoice", arguments: args });
      const total = performance.now() - started;
      if (answer.isError) throw new Error(`create_invoice: ${JSON.stringify(answer.content)}`);
      const spent = app.odoo.stats().odooMs - before.odooMs;
      own.push(total - spent);
      odoo.push(spent);
      const listed = performance.now();
      await client.callTool({ name: "list_approvals", arguments: {} });
      list.push(performance.now() - listed);
    }
    return { undecided, gatedOwnMs: median(own), gatedOdooMs: median(odoo), listMs: median(list) };
  } finally {
    await close();
    await app.close();
    await sandbox.close();
    await rm(dataDir, { recursive: true, force: true });
    // The throwaway keychain entries of this data folder stay with the keychain's other test entries; the
    // bench's service name is its own (odoo-mcp-bench-PID-TIME).
  }
}

const WARM_UP = 5;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

export function printGateBench(result: { keychain: "os" | "memory"; rows: GateBenchRow[] }, runs: number) {
  const out = process.stdout;
  out.write(
    `\ngated call in keychain mode (${result.keychain === "os" ? "the OS keychain" : "no OS keychain here: an in-memory one stands in"}), medians of ${runs}\n\n`,
  );
  out.write(
    `${"undecided requests".padEnd(20)} ${"gated call own ms".padStart(18)} ${"odoo ms".padStart(8)} ${"list_approvals ms".padStart(18)}\n`,
  );
  for (const row of result.rows)
    out.write(
      `${String(row.undecided).padEnd(20)} ${row.gatedOwnMs.toFixed(1).padStart(18)} ${row.gatedOdooMs.toFixed(1).padStart(8)} ${row.listMs.toFixed(1).padStart(18)}\n`,
    );
}
