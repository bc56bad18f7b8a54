import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Client } from "@modelcontextprotocol/client";
import { silentLogger } from "../mcp/log.js";
import { createOdooClient } from "../mcp/odoo/client.js";
import { sandboxConnection, sandboxEnv } from "../sandbox/connection.js";
import { type Sandbox, startSandbox } from "../sandbox/index.js";
import { startBuiltServer } from "./connect.js";
import { startCountingProxy } from "./proxy.js";

/**
 * Tool calls as a person's MCP client makes them: the BUILT server as a child process over stdio, the v2 client,
 * and a counting proxy between the server and the sandbox (with its fixed latency per request). Per tool, the
 * median over the runs of: the time on the client's wire (request written → answer read), the time with an Odoo
 * request in flight (from the proxy), the server's own time (the difference: everything the server does that is
 * not waiting for Odoo, stdio included), Odoo round trips and bytes, and the text the model reads.
 */
export interface ToolBenchRow {
  step: string;
  totalMs: number;
  odooMs: number;
  ownMs: number;
  roundTrips: number;
  odooBytes: number;
  /** UTF-8 bytes of the answer's text content, as the server sends it. */
  textBytes: number;
  /** UTF-8 bytes of the structured content as compact JSON (`JSON.stringify`, no indentation). */
  compactBytes: number;
}

export interface ToolBenchResult {
  keychain: boolean;
  rows: ToolBenchRow[];
}

interface Step {
  step: string;
  tool: string;
  args: Record<string, unknown>;
}

const INVOICES = 24;
const CUSTOMERS = [
  "Bench Customer",
  "Northwind Traders",
  "Globex Corporation",
  "Initech Consulting",
  "Umbrella Logistics",
  "Hooli Cloud Services",
];

export async function runToolBench(options: {
  runs: number;
  warmUp: number;
  latencyMs: number;
}): Promise<ToolBenchResult> {
  const sandbox = await startSandbox({ version: 19, latencyMs: 0 });
  const proxy = await startCountingProxy(sandbox.url);
  const dataDir = await mkdtemp(path.join(tmpdir(), "odoo-mcp-bench-tools-"));
  const keychain = process.env.DBUS_SESSION_BUS_ADDRESS;
  const started = await startBuiltServer(
    {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? dataDir,
      // The OS keychain of this session when there is one (scripts/with-keyring.sh), as on a person's desktop.
      ...(keychain ? { DBUS_SESSION_BUS_ADDRESS: keychain } : {}),
      ...sandboxEnv(sandbox),
      ODOO_URL: proxy.url,
      ODOO_MCP_DATA_DIR: dataDir,
    },
    "bench-tools",
  );
  try {
    const { client, wire } = started;
    const invoice = await seedInvoices(sandbox);
    const call = async (tool: string, args: Record<string, unknown>) => {
      const answer = await client.callTool({ name: tool, arguments: args });
      if (answer.isError) throw new Error(`${tool}: ${JSON.stringify(answer.content)}`);
      return answer;
    };
    sandbox.setLatency(options.latencyMs);
    // One request waiting for a person, for get_approval and list_approvals to read.
    const asked = await call("create_invoice", {
      customer_name: "Bench Customer",
      customer_email: "bench@example.com",
      invoice_date: "2026-11-02",
      due_date: "2026-12-02",
      line_items: [{ description: "Work", quantity: 3, unit_price: 100 }],
      tax_rate: 0.15,
    });
    const approvalId = (asked.structuredContent as { approval_id?: string }).approval_id;
    const steps: Step[] = [
      { step: "find_partners", tool: "find_partners", args: { query: "Bench" } },
      { step: `list_invoices (${20})`, tool: "list_invoices", args: { limit: 20 } },
      { step: "get_invoice (3 lines)", tool: "get_invoice", args: { invoice_id: invoice } },
      { step: "list_journals", tool: "list_journals", args: {} },
      { step: "list_taxes", tool: "list_taxes", args: {} },
      { step: "get_approval", tool: "get_approval", args: { approval_id: approvalId } },
      { step: "list_approvals", tool: "list_approvals", args: {} },
    ];
    // The first calls of a process compile its code and fill the session's caches (company, journals, taxes),
    // which a running server pays once, not per call.
    for (let i = 0; i < options.warmUp; i++) for (const step of steps) await call(step.tool, step.args);
    const samples = new Map<string, ToolBenchRow[]>();
    for (let run = 0; run < options.runs; run++)
      for (const step of steps) {
        const before = proxy.counts();
        const answer = await call(step.tool, step.args);
        const after = proxy.counts();
        const totalMs = wire.last();
        const odooMs = after.odooMs - before.odooMs;
        const row: ToolBenchRow = {
          step: step.step,
          totalMs,
          odooMs,
          ownMs: totalMs - odooMs,
          roundTrips: after.requests - before.requests,
          odooBytes: after.bytesSent - before.bytesSent + after.bytesReceived - before.bytesReceived,
          textBytes: textBytes(answer.content),
          compactBytes: Buffer.byteLength(JSON.stringify(answer.structuredContent ?? null)),
        };
        samples.set(step.step, [...(samples.get(step.step) ?? []), row]);
      }
    return { keychain: keychain !== undefined, rows: [...samples.values()].map(medianRow) };
  } catch (error) {
    const log = started.stderr().trim();
    throw log ? new Error(`${String(error)}\nserver log:\n${log.slice(-2000)}`) : error;
  } finally {
    await started.close();
    await proxy.close();
    await sandbox.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** Customers and posted invoices of three taxed lines; answers the number of the last one. */
async function seedInvoices(sandbox: Sandbox): Promise<string> {
  const odoo = createOdooClient(sandboxConnection(sandbox), { logger: silentLogger });
  try {
    const [tax] = await odoo.searchRead(
      "account.tax",
      [
        ["type_tax_use", "=", "sale"],
        ["amount", "=", 15],
      ],
      ["id"],
      { limit: 1 },
    );
    const taxes = tax ? [[6, 0, [tax.id]]] : [];
    const partners = CUSTOMERS.map((name, i) =>
      sandbox.seed.partner({ name, is_company: true, email: `billing${i}@example.com` }),
    );
    let last = 0;
    for (let i = 0; i < INVOICES; i++) {
      const day = String(1 + (i % 28)).padStart(2, "0");
      last = sandbox.seed.invoice({
        partner_id: partners[i % partners.length],
        invoice_date: `2026-10-${day}`,
        invoice_date_due: `2026-11-${day}`,
        invoice_line_ids: [
          [0, 0, { name: "Consulting, October", quantity: 12, price_unit: 95, tax_ids: taxes }],
          [0, 0, { name: "Travel expenses", quantity: 1, price_unit: 42.5 + i, tax_ids: taxes }],
          [0, 0, { name: "Software licence", quantity: 3, price_unit: 19.99, tax_ids: taxes }],
        ],
        post: true,
      });
    }
    const [posted] = await odoo.searchRead("account.move", [["id", "=", last]], ["name"]);
    return String(posted?.name ?? last);
  } finally {
    await odoo.close();
  }
}

function textBytes(content: Awaited<ReturnType<Client["callTool"]>>["content"]): number {
  let bytes = 0;
  for (const block of content ?? []) if (block.type === "text") bytes += Buffer.byteLength(block.text);
  return bytes;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

function medianRow(rows: ToolBenchRow[]): ToolBenchRow {
  const of = (key: keyof Omit<ToolBenchRow, "step">) => median(rows.map((row) => row[key]));
  return {
    step: rows[0]?.step ?? "",
    totalMs: of("totalMs"),
    odooMs: of("odooMs"),
    ownMs: of("ownMs"),
    roundTrips: of("roundTrips"),
    odooBytes: of("odooBytes"),
    textBytes: of("textBytes"),
    compactBytes: of("compactBytes"),
  };
}

export function printToolBench(result: ToolBenchResult, runs: number, latencyMs: number): void {
  const out = process.stdout;
  out.write(
    `tool calls as a client makes them — the built server over stdio (v2 client), a counting proxy before the sandbox (Odoo 19, JSON-2, ${latencyMs} ms per request), ${result.keychain ? "the OS keychain" : "no OS keychain"}; medians of ${runs} runs\n\n`,
  );
  out.write(
    `${"tool".padEnd(24)} ${"total ms".padStart(9)} ${"odoo ms".padStart(8)} ${"own ms".padStart(7)} ${"round trips".padStart(11)} ${"odoo KB".padStart(8)} ${"text KB".padStart(8)} ${"compact KB".padStart(11)}\n`,
  );
  const kb = (bytes: number) => (bytes / 1024).toFixed(1);
  for (const row of result.rows)
    out.write(
      `${row.step.padEnd(24)} ${row.totalMs.toFixed(1).padStart(9)} ${row.odooMs.toFixed(1).padStart(8)} ${row.ownMs.toFixed(1).padStart(7)} ${String(row.roundTrips).padStart(11)} ${kb(row.odooBytes).padStart(8)} ${kb(row.textBytes).padStart(8)} ${kb(row.compactBytes).padStart(11)}\n`,
    );
  out.write(
    "\ntotal: request written to the server's stdin → answer read from its stdout; odoo: wall time with a request in flight at the proxy; own = total - odoo.\ntext: the answer's text content as sent; compact: its structured content as JSON without indentation.\n",
  );
}
