import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runInTerminal } from "../support/terminal.js";

const run = promisify(execFile);
const BIN = path.resolve(import.meta.dirname, "../../dist/mcp/bin/odoo-mcp.js");

/**
 * The person's own approval rules (`odoo-mcp policy`), with the real OS keychain (scripts/with-keyring.sh): set at a
 * terminal, sealed; a policy file the agent writes or edits is not honoured.
 */
describe("odoo-mcp policy", () => {
  let dir: string;
  let env: Record<string, string | undefined>;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "odoo-mcp-policy-"));
    env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      DBUS_SESSION_BUS_ADDRESS: process.env.DBUS_SESSION_BUS_ADDRESS,
      ODOO_MCP_DATA_DIR: path.join(dir, "data"),
    };
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const show = async (extra: Record<string, string> = {}) => {
    const { stdout } = await run(process.execPath, [BIN, "policy", "show", "--json"], {
      env: { ...env, ...extra },
      cwd: dir,
    });
    return JSON.parse(stdout) as {
      rules: { rule: string; value: unknown; source: string }[];
      warnings: string[];
    };
  };
  const rule = (shown: Awaited<ReturnType<typeof show>>, name: string) =>
    shown.rules.find((r) => r.rule === name);

  it("is set at a terminal, sealed, and honoured; the environment still wins and .env may still tighten it", async () => {
    const set = await runInTerminal(process.execPath, [BIN, "policy", "set", "expense-threshold", "500"], {
      env,
      input: ["y\r"],
    });
    expect(set.code, set.output).toBe(0);
    expect(set.output).toMatch(/after: expenses below 500 are approved automatically/);
    expect(rule(await show(), "expenseThreshold")).toMatchObject({ value: "500", source: "odoo-mcp policy" });
    expect(rule(await show({ ODOO_MCP_EXPENSE_APPROVAL_THRESHOLD: "80" }), "expenseThreshold")).toMatchObject(
      {
        value: "80",
        source: "environment",
      },
    );
    await writeFile(path.join(dir, ".env"), "ODOO_MCP_EXPENSE_APPROVAL_THRESHOLD=50\n");
    expect(rule(await show(), "expenseThreshold")).toMatchObject({ value: "50", source: ".env" });
  });

  it("a policy file the agent edits or writes is not honoured: every request then waits for a person, and it says so", async () => {
    await runInTerminal(process.execPath, [BIN, "policy", "set", "expense-threshold", "500"], {
      env,
      input: ["y\r"],
    });
    const file = path.join(dir, "data", "approval-policy.json");
    const sealed = JSON.parse(await readFile(file, "utf8"));
    sealed.values.ODOO_MCP_EXPENSE_APPROVAL_THRESHOLD = "1000000000";
    await writeFile(file, JSON.stringify(sealed));
    const edited = await show();
    expect(rule(edited, "expenseThreshold")).toMatchObject({ value: "0" });
    expect(rule(edited, "autoBudget")).toMatchObject({ value: { count: 0, total: "300" } });
    expect(edited.warnings.join("\n")).toMatch(/seal is broken/);
    await writeFile(
      file,
      JSON.stringify({
        v: 1,
        values: { ODOO_MCP_AUTO_APPROVAL_DAILY_COUNT: "100000" },
        set_by: "me",
        set_at: new Date().toISOString(),
        seal: "x",
      }),
    );
    const written = await show();
    expect(rule(written, "autoBudget")).toMatchObject({ value: { count: 0, total: "300" } });
    expect(written.warnings.join("\n")).toMatch(/every request waits for you/);
  });

  it("refuses a change without a terminal (an agent's shell), and a value that is not valid", async () => {
    const refused = await run(process.execPath, [BIN, "policy", "set", "expense-threshold", "999999"], {
      env,
    }).then(
      () => null,
      (error: { code: number; stderr: string }) => error,
    );
    expect(refused?.code).toBe(1);
    expect(refused?.stderr).toMatch(/needs a person at a terminal/);
    expect(rule(await show(), "expenseThreshold")).toMatchObject({ value: "100" });
    const bad = await runInTerminal(process.execPath, [BIN, "policy", "set", "max-pending", "lots"], { env });
    expect(bad.code).toBe(2);
    expect(bad.output).toMatch(/ODOO_MCP_MAX_PENDING must be a whole number/);
  });
});
