import { execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sandboxEnv } from "../../src/sandbox/connection.js";
import { type Sandbox, startSandbox } from "../../src/sandbox/index.js";

const exec = promisify(execFile);
const BIN = path.resolve(import.meta.dirname, "../../dist/mcp/bin/odoo-mcp.js");

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(args: string[], env: Record<string, string>, input?: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(input ?? "");
  });
}

/** The built command, as a person runs it in a terminal. */
describe("odoo-mcp command line", () => {
  let sandbox: Sandbox;
  let dataDir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    if (!existsSync(BIN))
      throw new Error("dist/ is missing: run `npm run build` first (npm run test:all does)");
    sandbox = await startSandbox({ version: 19 });
    dataDir = await mkdtemp(path.join(tmpdir(), "odoo-mcp-cli-"));
    env = {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? dataDir,
      ...(process.env.DBUS_SESSION_BUS_ADDRESS
        ? { DBUS_SESSION_BUS_ADDRESS: process.env.DBUS_SESSION_BUS_ADDRESS }
        : {}),
      ...sandboxEnv(sandbox),
      ODOO_MCP_DATA_DIR: dataDir,
    };
  });
  afterAll(async () => {
    await sandbox?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it("prints usage for help and an error for an unknown command", async () => {
    const help = await cli(["--help"], env);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("approvals approve ID");
    const bad = await cli(["frobnicate"], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('unknown command "frobnicate"');
  });

  it("doctor reports version, API, modules and key expiry, and never the key", async () => {
    const run = await cli(["doctor", "--json"], env);
    const report = JSON.parse(run.stdout);
    expect(report.facts).toMatchObject({ odoo_version: "19.0", api: "json2", database: sandbox.database });
    expect(report.facts.installed_modules).toContain("account");
    expect(report.checks.find((c: { name: string }) => c.name === "login").ok).toBe(true);
    expect(run.stdout + run.stderr).not.toContain(sandbox.apiKey);
  });

  it("doctor shows the effective approval policy, where each rule came from, and a .env that tried to loosen it", async () => {
    const cwd = await mkdtemp(path.join(tmpdir(), "odoo-mcp-cwd-"));
    try {
      await writeFile(path.join(cwd, ".env"), "ODOO_MCP_EXPENSE_APPROVAL_THRESHOLD=1000000000\n");
      const child = spawn(process.execPath, [BIN, "doctor", "--json"], {
        env: { ...env, ODOO_MCP_APPROVAL_TTL_HOURS: "24" },
        cwd,
      });
      let stdout = "";
      child.stdout.on("data", (chunk: Buffer) => {
        stdout += chunk.toString();
      });
      const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
      const report = JSON.parse(stdout);
      expect(code).toBe(1); // the ignored .env rule is a failed check, so it is seen
      expect(report.facts["policy.expenseThreshold"]).toBe(
        "expenses below 100 are approved automatically [default]",
      );
      expect(report.facts["policy.ttlMs"]).toBe("undecided requests expire after 24 h [environment]");
      expect(report.facts.approval_key).toBe("OS keychain");
      const warning = report.checks.find((c: { name: string }) => c.name === "configuration");
      expect(warning).toMatchObject({ ok: false });
      expect(warning.detail).toMatch(/ODOO_MCP_EXPENSE_APPROVAL_THRESHOLD in \.env is ignored/);
    } finally {
      await rm(cwd, { recursive: true, force: true });
    }
  });

  it("doctor says what is wrong with a bad key, without retrying it and without echoing it", async () => {
    const run = await cli(["doctor", "--json"], { ...env, ODOO_API_KEY: "wrong-key-1234567890" });
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout);
    const odoo = report.checks.find((c: { name: string }) => c.name === "odoo");
    expect(odoo.detail).toContain("AUTHENTICATION_ERROR");
    expect(run.stdout + run.stderr).not.toContain("wrong-key-1234567890");
  });

  it("approvals list/show/reject and queue status work on an empty and a filled store", async () => {
    const empty = await cli(["approvals", "list"], env);
    expect(empty.stdout).toContain("No pending approval requests.");
    const missing = await cli(["approvals", "show", "apr_aaaaaaaaaaaaaaaaaaaaaaaaaa"], env);
    expect(missing.code).toBe(1);
    const rejectMissing = await cli(["approvals", "reject", "../../etc/passwd"], env);
    expect(rejectMissing.code).toBe(1);
    const queue = await cli(["queue", "status", "--json"], env);
    expect(JSON.parse(queue.stdout)).toEqual({ pending: [] });
    const drained = await cli(["queue", "drain", "--json"], env);
    expect(JSON.parse(drained.stdout)).toMatchObject({ executed: 0, failed: 0, remaining: 0 });
  });

  it("credentials set reads the key from stdin into the OS keychain; doctor then finds it there", async () => {
    const noEnvKey = { ...env };
    delete noEnvKey.ODOO_API_KEY;
    const set = await cli(["credentials", "set"], noEnvKey, `${sandbox.apiKey}\n`);
    expect(set.stderr).not.toContain("no OS keychain");
    expect(set.code).toBe(0);
    expect(set.stdout + set.stderr).not.toContain(sandbox.apiKey);
    const doctor = JSON.parse((await cli(["doctor", "--json"], noEnvKey)).stdout);
    expect(doctor.facts.credential_source).toBe("keychain");
    expect(doctor.checks.find((c: { name: string }) => c.name === "login").ok).toBe(true);
    const cleared = await cli(["credentials", "clear"], noEnvKey);
    expect(cleared.stdout).toContain("Removed");
    const after = JSON.parse((await cli(["doctor", "--json"], noEnvKey)).stdout);
    expect(after.facts.credential_source).toBeNull();
  });

  it("demo runs the main job end to end", async () => {
    const { stdout } = await exec(process.execPath, [BIN, "demo"], { env, timeout: 60_000 });
    expect(stdout).toContain("SANDBOX");
    expect(stdout).toContain("Demo finished: all steps succeeded.");
    expect(stdout).toMatch(/invoice_status": "partial"/);
    // the other half: a new vendor's bill, flagged, posted and paid in full; the tax summary of both halves
    expect(stdout).toMatch(/Vendor Northwind Office Supply \(partner id \d+\) was created/);
    expect(stdout).toMatch(/invoice_status": "paid"/);
    expect(stdout).toMatch(/tax_summary \d{4}: collected 195\.08, paid 61\.05, net due 134\.03/);
    // the bank: a statement imported once (the same file again creates nothing), each line matched with what it
    // pays (the 40 % payment in transit, the invoice's rest, the bill's payment), reconciled after a person's yes
    expect(stdout).toContain("import_bank_statement (a 3-line CSV) → 3 new, 0 duplicate");
    expect(stdout).toContain("the same file again → 0 new, 3 duplicate");
    expect(stdout).toMatch(/Acme transfer 1\/2 → PBNK1\/\d{4}\/00001 \(/);
    expect(stdout).toMatch(/INV\/\d{4}\/00001 balance → INV\/\d{4}\/00001 \(/);
    expect(stdout).toMatch(/reconcile_bank_lines \(3 lines, one request\) → pending_approval/);
    expect(stdout).toMatch(/line 2: reconciled, INV\/\d{4}\/00001 897\.35/);
    expect(stdout).toContain(
      "get_invoice → paid, 0 due; get_bank_balances: Bank 1027.53 in the books, 0 lines to reconcile, 0 + 0 payments in transit",
    );
  }, 90_000);
});
