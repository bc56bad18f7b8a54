import { execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SANDBOX_DEFAULT_PORT } from "../../src/mcp/cli/sandbox.js";
import { loadConfig } from "../../src/mcp/config/config.js";
import { silentLogger } from "../../src/mcp/log.js";
import { createOdooClient } from "../../src/mcp/odoo/client.js";
import { OdooSandboxError } from "../../src/mcp/odoo/errors.js";
import { sandboxConnection, sandboxEnv } from "../../src/sandbox/connection.js";
import { type Sandbox, startSandbox } from "../../src/sandbox/index.js";

const run = promisify(execFile);
const BIN = path.resolve(import.meta.dirname, "../../dist/mcp/bin/odoo-mcp.js");

/**
 * A user who forgot ODOO_URL must never keep books in `odoo-mcp sandbox` (a fake Odoo) without noticing: every
 * command refuses a server carrying the sandbox mark unless ODOO_MCP_ALLOW_SANDBOX=true says it is on purpose.
 */
describe("the sandbox is never mistaken for Odoo", () => {
  let sandbox: Sandbox;
  let dataDir: string;
  /** Everything to reach the sandbox, without the allowance. */
  let env: Record<string, string>;
  let refusal: string;

  beforeAll(async () => {
    if (!existsSync(BIN))
      throw new Error("dist/ is missing: run `npm run build` first (npm run test:all does)");
    sandbox = await startSandbox({ version: 19 });
    dataDir = await mkdtemp(path.join(tmpdir(), "odoo-mcp-not-sandbox-"));
    const { ODOO_MCP_ALLOW_SANDBOX: _allowed, ...reach } = sandboxEnv(sandbox);
    env = {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? dataDir,
      ...(process.env.DBUS_SESSION_BUS_ADDRESS
        ? { DBUS_SESSION_BUS_ADDRESS: process.env.DBUS_SESSION_BUS_ADDRESS }
        : {}),
      ...reach,
      ODOO_MCP_DATA_DIR: dataDir,
    };
    refusal = `The server at ${sandbox.url} is the odoo-mcp sandbox, a fake Odoo for trying things — not your Odoo. Set ODOO_URL to your Odoo server, or ODOO_MCP_ALLOW_SANDBOX=true to use the sandbox on purpose.`;
  });
  afterAll(async () => {
    await sandbox?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it("the client refuses it at first contact, before any credential is sent, and does not retry", async () => {
    const odoo = createOdooClient(
      { ...sandboxConnection(sandbox), allowSandbox: false },
      { logger: silentLogger, sleep: async () => {} },
    );
    const before = sandbox.requestCount();
    await expect(odoo.uid()).rejects.toBeInstanceOf(OdooSandboxError);
    await expect(odoo.searchCount("res.partner", [])).rejects.toThrow(refusal);
    // Two attempts, one version request each: no login, no call, no retry.
    expect(sandbox.requestCount() - before).toBe(2);
    await odoo.close();

    const allowed = createOdooClient(sandboxConnection(sandbox), { logger: silentLogger });
    expect(await allowed.uid()).toBeGreaterThan(0);
    await allowed.close();
  });

  it("is allowed only by ODOO_MCP_ALLOW_SANDBOX set to true; any other value is a configuration error", () => {
    const load = (value?: string) =>
      loadConfig({
        env: { HOME: dataDir, ...(value ? { ODOO_MCP_ALLOW_SANDBOX: value } : {}) },
        cwd: dataDir,
      });
    expect(load().odoo.allowSandbox).toBeUndefined();
    expect(load("false").odoo.allowSandbox).toBeUndefined();
    expect(load("true").odoo.allowSandbox).toBe(true);
    expect(() => load("maybe")).toThrow(/ODOO_MCP_ALLOW_SANDBOX must be true or false/);
  });

  it("doctor fails with the message that says what happened", async () => {
    const { code, stdout, stderr } = await cli(["doctor"], env);
    expect(code).toBe(1);
    expect(stdout).toContain(`FAIL  odoo: ODOO_CONNECTION_ERROR: ${refusal}`);
    expect(stdout).not.toMatch(/ok {2}login/);
    expect(stdout + stderr).not.toContain(sandbox.apiKey);
  });

  it("doctor passes its Odoo checks when the sandbox is allowed, from the environment or from .env", async () => {
    const fromEnv = await doctorJson({ ...env, ODOO_MCP_ALLOW_SANDBOX: "true" });
    const cwd = await mkdtemp(path.join(tmpdir(), "odoo-mcp-dotenv-"));
    await writeFile(path.join(cwd, ".env"), "ODOO_MCP_ALLOW_SANDBOX=true\n");
    const fromDotenv = await doctorJson(env, cwd);
    await rm(cwd, { recursive: true, force: true });
    for (const report of [fromEnv, fromDotenv]) {
      const names = report.checks.map((check) => check.name);
      expect(names).not.toContain("odoo");
      expect(names).toEqual(expect.arrayContaining(["odoo version", "login", "module account"]));
      // The signing-key check depends on this machine's keychain, not on Odoo.
      const failed = report.checks.filter((check) => !check.ok && check.name !== "approval signing key");
      expect(failed).toEqual([]);
      expect(report.facts.odoo_version).toBe("19.0");
    }
  });

  it("a tool call over stdio answers ODOO_CONNECTION_ERROR with that message, and asks no approval", async () => {
    const client = new Client({ name: "not-sandbox-test", version: "1.0.0" });
    await client.connect(
      new StdioClientTransport({ command: process.execPath, args: [BIN, "serve"], env, stderr: "ignore" }),
    );
    try {
      const read = await client.callTool({ name: "find_partners", arguments: { query: "" } });
      expect(read.isError).toBe(true);
      expect(errorOf(read)).toEqual({ code: "ODOO_CONNECTION_ERROR", message: refusal });

      const write = await client.callTool({
        name: "create_invoice",
        arguments: {
          customer_name: "Anyone",
          customer_email: "anyone@example.com",
          invoice_date: "2026-11-02",
          due_date: "2026-12-02",
          line_items: [{ description: "Work", quantity: 1, unit_price: 10 }],
        },
      });
      expect(write.isError).toBe(true);
      expect(errorOf(write)).toEqual({ code: "ODOO_CONNECTION_ERROR", message: refusal });
    } finally {
      await client.close();
    }
    const listed = await run(process.execPath, [BIN, "approvals", "list", "--json"], { env });
    expect(JSON.parse(listed.stdout)).toEqual([]);
    expect(await readdir(dataDir)).not.toContain(".odoo_queue.jsonl");
  });

  it("`odoo-mcp sandbox` prints the allowance it needs, and by default listens away from ODOO_URL's default", async () => {
    const child = spawn(process.execPath, [BIN, "sandbox", "--port", "0"], { env, stdio: "pipe" });
    let out = "";
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.on("data", (chunk: Buffer) => {
          out += chunk.toString();
          if (out.includes("Ctrl+C")) resolve();
        });
        child.on("exit", (code) => reject(new Error(`odoo-mcp sandbox exited (${code}): ${out}`)));
      });
    } finally {
      child.kill("SIGTERM");
    }
    expect(out).toContain("NOT Odoo");
    expect(out).toMatch(/ODOO_URL=http:\/\/127\.0\.0\.1:\d+/);
    expect(out).toContain("ODOO_MCP_ALLOW_SANDBOX=true");

    const defaultUrl = new URL(loadConfig({ env: { HOME: dataDir }, cwd: dataDir }).odoo.url);
    expect(defaultUrl.port).toBe("8069");
    expect(SANDBOX_DEFAULT_PORT).not.toBe(Number(defaultUrl.port));
  });
});

interface Doctor {
  checks: { name: string; ok: boolean; detail: string }[];
  facts: Record<string, unknown>;
}

async function doctorJson(env: Record<string, string>, cwd?: string): Promise<Doctor> {
  const { stdout } = await cli(["doctor", "--json"], env, cwd);
  return JSON.parse(stdout) as Doctor;
}

function errorOf(result: Awaited<ReturnType<Client["callTool"]>>): unknown {
  const [first] = result.content as { type: string; text: string }[];
  return (JSON.parse(first?.text ?? "{}") as { error?: unknown }).error;
}

function cli(
  args: string[],
  env: Record<string, string>,
  cwd?: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env, cwd, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}
