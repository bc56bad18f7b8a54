import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { VERSION } from "../../src/mcp/version.js";

const BIN = path.resolve(import.meta.dirname, "../../dist/mcp/bin/odoo-mcp.js");

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

describe("odoo-mcp usage errors and --help", () => {
  let dir: string;
  let env: Record<string, string>;
  // The built command with no Odoo configured at all: a usage error must be found before anything else is
  // opened (configuration, keychain, Odoo), so none of that is needed here.
  beforeAll(async () => {
    if (!existsSync(BIN))
      throw new Error("dist/ is missing: run `npm run build` first (npm run test:all does)");
    dir = await mkdtemp(path.join(tmpdir(), "odoo-mcp-usage-"));
    // An empty working directory (no .env) and no ODOO_* variables.
    env = { PATH: process.env.PATH ?? "", HOME: dir, ODOO_MCP_DATA_DIR: dir };
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const run = (args: string[]) =>
    new Promise<Run>((resolve, reject) => {
      const child = spawn(process.execPath, [BIN, ...args], {
        cwd: dir,
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
      child.on("error", reject);
      child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
      child.stdin.end();
    });

  it.each([
    [["--bogus"], 'odoo-mcp: unknown option "--bogus"'],
    [["serve", "--stdio"], 'odoo-mcp serve: unknown option "--stdio"'],
    [["queue", "status", "--jsn"], 'odoo-mcp queue: unknown option "--jsn"'],
    [["doctor", "-x"], 'odoo-mcp doctor: unknown option "-x"'],
    [["credentials", "set", "--pass"], 'odoo-mcp credentials: unknown option "--pass"'],
    [["demo", "--fast"], 'odoo-mcp demo: unknown option "--fast"'],
    [["sandbox", "--host=0.0.0.0"], 'odoo-mcp sandbox: unknown option "--host"'],
  ])("%j is an unknown option: exit 2, named, with the usage", async (args, message) => {
    const result = await run(args);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr.split("\n")[0]).toBe(message);
    expect(result.stderr).toContain("Usage:");
    expect(result.stdout).toBe("");
  });

  it.each([
    [["sandbox", "--port"], 'odoo-mcp sandbox: option "--port" needs a value'],
    // The next word is an option, not the value: parseArgs does not take "--version" as the port.
    [["sandbox", "--port", "--version", "18"], 'odoo-mcp sandbox: option "--port" needs a value'],
    [["sandbox", "--version"], 'odoo-mcp sandbox: option "--version" needs a value'],
    [["doctor", "--json=yes"], 'odoo-mcp doctor: option "--json" takes no value'],
    [["doctor", "now"], 'odoo-mcp doctor: unexpected argument "now"'],
    [["queue", "status", "now"], 'odoo-mcp queue: unexpected argument "now"'],
    [["queue", "flush"], 'odoo-mcp queue: unknown subcommand "flush" (status, drain)'],
    [["credentials"], 'odoo-mcp credentials: say "set" or "clear"'],
    [["credentials", "show"], 'odoo-mcp credentials: unknown subcommand "show" (set, clear)'],
    [
      ["sandbox", "--port", "http"],
      'odoo-mcp sandbox: --port must be a port number (0 to 65535), not "http"',
    ],
    [
      ["sandbox", "--port", "70000"],
      'odoo-mcp sandbox: --port must be a port number (0 to 65535), not "70000"',
    ],
    [["sandbox", "--version", "16"], 'odoo-mcp sandbox: --version must be 17, 18 or 19, not "16"'],
  ])("%j is a usage error: exit 2 and says what is wrong", async (args, message) => {
    const result = await run(args);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr.split("\n")[0]).toBe(message);
    expect(result.stdout).toBe("");
  });

  it.each([
    ["serve", "odoo-mcp [serve]"],
    ["queue", "odoo-mcp queue drain"],
    ["doctor", "odoo-mcp doctor [--json]"],
    ["credentials", "odoo-mcp credentials set [--password]"],
    ["demo", "odoo-mcp demo"],
    ["sandbox", "odoo-mcp sandbox [--port N]"],
  ])("%s --help prints that command's usage and does nothing else", async (command, line) => {
    for (const help of ["--help", "-h"]) {
      const result = await run([command, help]);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout.startsWith("Usage:\n")).toBe(true);
      expect(result.stdout).toContain(line);
      // Nothing was started or opened: no server log, no configuration error, no sandbox banner.
      expect(result.stderr).toBe("");
      expect(result.stdout).not.toContain("SANDBOX");
    }
  });

  it("odoo-mcp --help, -h and --version answer without a command", async () => {
    for (const help of ["--help", "-h"]) {
      const result = await run([help]);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain("odoo-mcp queue status [--json]");
      expect(result.stdout).toContain("odoo-mcp COMMAND --help");
    }
    const version = await run(["--version"]);
    expect(version).toEqual({ code: 0, stdout: `${VERSION}\n`, stderr: "" });
  });
});
