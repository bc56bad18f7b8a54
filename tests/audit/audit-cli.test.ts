import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createAuditLog } from "../../src/mcp/audit/audit-log.js";

const BIN = path.resolve(import.meta.dirname, "../../dist/mcp/bin/odoo-mcp.js");

/** The built command, without an OS keychain (no D-Bus session): plain SHA-256 links, head cached in the folder. */
function auditVerify(dataDir: string, args: string[] = []): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, "audit", "verify", ...args],
      { env: { PATH: process.env.PATH ?? "", HOME: dataDir, ODOO_MCP_DATA_DIR: dataDir }, timeout: 30_000 },
      (error, stdout) => {
        const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
        resolve({ code, stdout: String(stdout) });
      },
    );
  });
}

let dataDir: string;
beforeAll(() => {
  if (!existsSync(BIN))
    throw new Error("dist/ is missing: run `npm run build` first (npm run test:all does)");
});
beforeEach(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), "odoo-mcp-audit-cli-"));
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe("odoo-mcp audit verify", () => {
  it("exits 0 on an intact log and 1, naming file, line and kind, once a line was edited", async () => {
    const at = new Date(2026, 4, 2, 10);
    const audit = createAuditLog(dataDir, { now: () => at });
    for (let i = 0; i < 4; i++)
      await audit.append({
        event: "execution",
        action: "record_payment",
        result: "success",
        amount: `${i}.00`,
      });

    const intact = await auditVerify(dataDir);
    expect(intact.code).toBe(0);
    expect(intact.stdout).toContain("audit log intact: 4 line(s) in 1 day file(s)");

    const file = audit.fileFor("2026-05-02");
    const rows = (await readFile(file, "utf8")).split("\n");
    rows[2] = rows[2]!.replace('"amount":"2.00"', '"amount":"2000.00"');
    await writeFile(file, rows.join("\n"));
    const altered = await auditVerify(dataDir);
    expect(altered.code).toBe(1);
    expect(altered.stdout).toContain("audit log ALTERED");
    expect(altered.stdout).toMatch(/EDITED\s+\S+2026-05-02\.json:3 /);
    expect(altered.stdout).toContain(`${file}:3`);
    expect(altered.stdout).toContain("2026-05-02.json line 3 (seq 3) was edited");

    const json = await auditVerify(dataDir, ["--json"]);
    expect(json.code).toBe(1);
    const report = JSON.parse(json.stdout) as {
      ok: boolean;
      problems: { file: string; line: number; kind: string }[];
    };
    expect(report.ok).toBe(false);
    expect(report.problems[0]).toMatchObject({ file, line: 3, kind: "edited" });
  });

  it("exits 1 with truncated when the last lines are gone", async () => {
    const audit = createAuditLog(dataDir, { now: () => new Date(2026, 4, 2, 10) });
    for (let i = 0; i < 3; i++)
      await audit.append({ event: "tool_call", action: "list_invoices", result: "success" });
    const file = audit.fileFor("2026-05-02");
    const rows = (await readFile(file, "utf8")).trimEnd().split("\n");
    await writeFile(file, `${rows[0]}\n`);
    const result = await auditVerify(dataDir);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/TRUNCATED/);
    expect(result.stdout).toContain("the last 2 line(s) were removed");
  });
});
