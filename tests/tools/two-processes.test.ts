import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "../../src/mcp/log.js";
import { createOdooClient } from "../../src/mcp/odoo/client.js";
import type { Odoo } from "../../src/mcp/odoo/types.js";
import { sandboxConnection, sandboxEnv } from "../../src/sandbox/connection.js";
import { type Sandbox, startSandbox } from "../../src/sandbox/index.js";
import { grantFullAccounting } from "../support/bank.js";
import { bankFile, NOVEMBER_CSV } from "../support/bank-files.js";

const BIN = path.resolve(import.meta.dirname, "../../dist/mcp/bin/odoo-mcp.js");
const run = promisify(execFile);

/**
 * Two BUILT servers, as two MCP clients (or the app and a terminal) start them on one machine: one data folder, one
 * Odoo. The same bank file imported by both at the same moment creates each line once, the same partner asked of
 * both is created once: the duplicate search and the create hold a lock file of the data folder per key
 * (accounting/one-at-a-time.ts), which a process that died no longer holds, and the app signs.
 */
const lockOf = (key: string) =>
  `.one-at-a-time-${createHash("sha256").update(key).digest("hex").slice(0, 24)}.lock`;

describe("duplicate checks in two server processes at once", () => {
  let sandbox: Sandbox;
  let odoo: Odoo;
  let dataDir: string;
  const clients: Client[] = [];

  beforeAll(async () => {
    if (!existsSync(BIN))
      throw new Error("dist/ is missing: run `npm run build` first (npm run test:all does)");
    sandbox = await startSandbox({ version: 19 });
    odoo = createOdooClient(sandboxConnection(sandbox), { logger: silentLogger });
    await grantFullAccounting(odoo);
    dataDir = await mkdtemp(path.join(tmpdir(), "odoo-mcp-two-imports-"));
    const env = {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? dataDir,
      ...(process.env.DBUS_SESSION_BUS_ADDRESS
        ? { DBUS_SESSION_BUS_ADDRESS: process.env.DBUS_SESSION_BUS_ADDRESS }
        : {}),
      ...sandboxEnv(sandbox),
      ODOO_MCP_DATA_DIR: dataDir,
      ODOO_MCP_LOG_LEVEL: "error",
    };
    for (const name of ["first", "second"]) {
      const client = new Client({ name, version: "1.0.0" });
      await client.connect(
        new StdioClientTransport({ command: process.execPath, args: [BIN, "serve"], env, stderr: "pipe" }),
      );
      clients.push(client);
    }
  }, 60_000);

  afterAll(async () => {
    for (const client of clients) await client.close();
    await odoo?.close();
    await sandbox?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  const lines = () => odoo.searchCount("account.bank.statement.line", []);
  const importIn = async (client: Client) => {
    const result = await client.callTool({
      name: "import_bank_statement",
      arguments: { journal: "Bank", content: bankFile("november.csv"), csv: NOVEMBER_CSV },
    });
    expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
    const data = result.structuredContent as { new: number; duplicate: number };
    return [data.new, data.duplicate] as const;
  };

  it("creates each line once, whichever process imports first; the lock is gone afterwards", async () => {
    // Both servers connected to Odoo, then each round trip slowed: without the lock both would search before
    // either created, and both would create every line.
    for (const client of clients) await client.callTool({ name: "list_journals", arguments: {} });
    const before = await lines();
    sandbox.setLatency(40);
    const answers = await Promise.all(clients.map(importIn)).finally(() => sandbox.setLatency(0));
    const created = (await lines()) - before;
    expect(created).toBeGreaterThan(0);
    expect(answers.sort()).toEqual([
      [0, created],
      [created, 0],
    ]);
    expect((await readdir(dataDir)).filter((name) => name.startsWith(".one-at-a-time-"))).toEqual([]);
  }, 60_000);

  it("a lock left by a process that died, or planted (naming a live process, or another host), does not hold an import", async () => {
    const [bank] = await odoo.searchRead("account.journal", [["name", "=", "Bank"]], ["id"]);
    const lockFile = path.join(dataDir, lockOf(`bank-statement|${bank?.id}`));
    const holder = { host: hostname(), createdAt: new Date().toISOString(), token: "planted" };
    const [fresh, duplicate] = await importIn(clients[0]!); // the file in Odoo once (whatever ran before)
    const lines = fresh + duplicate;
    for (const left of [
      { ...holder, pid: 2 ** 22 + 1 }, // no such process (Linux pids stop at 2^22)
      { ...holder, pid: 1, start: "linux:987654321987" }, // init, but not started then
      // another host's: its pid means nothing here, but the app did not sign it (the OS keychain's key)
      { ...holder, host: "elsewhere.example", pid: 1, sig: "0".repeat(64) },
    ]) {
      await writeFile(lockFile, JSON.stringify(left));
      const started = Date.now();
      expect(await importIn(clients[0]!)).toEqual([0, lines]);
      expect(Date.now() - started).toBeLessThan(10_000);
    }
  }, 60_000);

  it("the same partner asked of both at once is created once; the other answers PARTNER_EXISTS naming it", async () => {
    for (const client of clients) await client.callTool({ name: "list_journals", arguments: {} });
    sandbox.setLatency(40);
    const answers = await Promise.all(
      clients.map((client) =>
        client.callTool({
          name: "create_partner",
          arguments: { name: "Twin Supplies Ltd", kind: "vendor", is_company: true, vat: "BE0477472701" },
        }),
      ),
    ).finally(() => sandbox.setLatency(0));
    const created = answers.filter((a) => !a.isError);
    expect(created).toHaveLength(1);
    const id = (created[0]?.structuredContent as { id: number } | undefined)?.id;
    const refused = answers.find((a) => a.isError);
    expect(JSON.stringify(refused?.content)).toMatch(/PARTNER_EXISTS/);
    expect(JSON.stringify(refused?.content)).toContain(String(id));
    expect(await odoo.searchCount("res.partner", [["name", "=", "Twin Supplies Ltd"]])).toBe(1);
  }, 60_000);

  it("two approved payments of one invoice, applied by two processes at once, go one after the other", async () => {
    const customer = await odoo.create("res.partner", { name: "Twin Payer", is_company: true });
    const invoice = await odoo.create("account.move", {
      move_type: "out_invoice",
      partner_id: customer,
      invoice_date: "2026-11-02",
      invoice_line_ids: [[0, 0, { name: "Work", quantity: 1, price_unit: 100, tax_ids: [[6, 0, []]] }]],
    });
    await odoo.call({ model: "account.move", method: "action_post", ids: [invoice] });
    const [posted] = await odoo.read("account.move", [invoice], ["name"]);
    const pay = () =>
      run(process.execPath, [
        path.join(import.meta.dirname, "../support/pay-child.mjs"),
        JSON.stringify({
          connection: sandboxConnection(sandbox),
          dataDir,
          invoice: posted?.name,
          amount: 1,
          date: "2026-11-10",
        }),
      ]).then(({ stdout }) => JSON.parse(stdout) as { amount_residual?: number; error?: string });
    sandbox.setLatency(40);
    const answers = await Promise.all([pay(), pay()]).finally(() => sandbox.setLatency(0));
    expect(answers.map((a) => a.error ?? a.amount_residual).sort()).toEqual([98, 99]);
  }, 60_000);
});
