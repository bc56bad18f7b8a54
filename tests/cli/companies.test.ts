import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sandboxEnv } from "../../src/sandbox/connection.js";
import { type Sandbox, startSandbox } from "../../src/sandbox/index.js";
import { kw } from "../sandbox/helpers.js";

const BIN = path.resolve(import.meta.dirname, "../../dist/mcp/bin/odoo-mcp.js");

function doctor(env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, "doctor", "--json"], {
      env,
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end();
  });
}

/** Starts `odoo-mcp serve` and answers its stderr once it matches `until` (or after 15 s), then stops it. */
function serveUntil(env: Record<string, string>, until: RegExp): Promise<string> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, "serve"], { env, stdio: ["pipe", "pipe", "pipe"] });
    let stderr = "";
    const stop = () => {
      clearTimeout(timer);
      child.stdin.end();
    };
    const timer = setTimeout(stop, 15_000);
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      if (until.test(stderr)) stop();
    });
    child.on("close", () => resolve(stderr));
  });
}

/** The built command with a user in two companies (Odoo 18, JSON-RPC). */
describe("odoo-mcp with several companies", () => {
  let sandbox: Sandbox;
  let dataDir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    if (!existsSync(BIN))
      throw new Error("dist/ is missing: run `npm run build` first (npm run test:all does)");
    sandbox = await startSandbox({ version: 18 });
    await kw(sandbox, "res.company", "create", [[{ name: "Second Co", currency_id: 1 }]]);
    await kw(sandbox, "account.chart.template", "try_loading", [[], "generic_coa", 2], {
      context: { allowed_company_ids: [2] },
    });
    dataDir = await mkdtemp(path.join(tmpdir(), "odoo-mcp-companies-"));
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

  it("doctor lists the companies the user can choose, and the one it works in", async () => {
    const run = await doctor(env);
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.facts.companies).toBe("1 My Company, 2 Second Co");
    expect(report.facts.company).toBe("My Company (id 1)");
    expect(report.facts.odoo_company).toMatch(/not set/);
    const check = report.checks.find((c: { name: string }) => c.name === "company");
    expect(check.ok).toBe(true);
    expect(check.detail).toContain("set ODOO_COMPANY");

    const chosen = JSON.parse((await doctor({ ...env, ODOO_COMPANY: "second co" })).stdout);
    expect(chosen.facts.company).toBe("Second Co (id 2)");
    expect(chosen.facts.odoo_company).toBe("second co");
  });

  it("doctor fails on a company the user cannot work in, and says which ones they can", async () => {
    const run = await doctor({ ...env, ODOO_COMPANY: "Third Co" });
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout);
    const check = report.checks.find((c: { name: string }) => c.name === "company");
    expect(check.ok).toBe(false);
    expect(check.detail).toContain('ODOO_COMPANY "Third Co"');
    expect(check.detail).toContain('1 "My Company", 2 "Second Co"');
    expect(run.stdout + run.stderr).not.toContain(sandbox.apiKey);
  });

  it("serve says at start-up which company it works in, or that ODOO_COMPANY is wrong", async () => {
    const good = await serveUntil({ ...env, ODOO_COMPANY: "2" }, /working in company/);
    expect(good).toContain("working in company Second Co (id 2)");
    const bad = await serveUntil({ ...env, ODOO_COMPANY: "7" }, /ODOO_COMPANY 7/);
    expect(bad).toMatch(/ERROR.*ODOO_COMPANY 7: user "admin" cannot work in the company with id 7/);
    expect(bad).not.toContain(sandbox.apiKey);
  });
});
