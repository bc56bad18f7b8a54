import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AUDIT_KEY_ACCOUNT, auditAnchorFor, headAccount } from "../../src/mcp/audit/anchor.js";
import { createAuditLog, keychainAuditAnchor } from "../../src/mcp/audit/audit-log.js";
import { createOsKeychain, type Keychain, probeKeychain } from "../../src/mcp/credentials/keychain.js";

/**
 * Against the real OS keychain (GNOME Keyring over D-Bus on Linux). Does not skip: without a keychain it fails and
 * says how to run it.
 */
const HOW_TO =
  "These tests need a real OS keychain. On Linux: bash scripts/with-keyring.sh node_modules/.bin/vitest run tests/audit/audit-keychain.test.ts";
const BIN = path.resolve(import.meta.dirname, "../../dist/mcp/bin/odoo-mcp.js");

const service = `odoo-mcp-test-${randomBytes(4).toString("hex")}`;
let keychain: Keychain;
let dataDir: string;

beforeAll(async () => {
  keychain = createOsKeychain(service);
  try {
    await probeKeychain(keychain);
  } catch (error) {
    throw new Error(`${HOW_TO}\nReason: ${error instanceof Error ? error.message : String(error)}`);
  }
  dataDir = await mkdtemp(path.join(tmpdir(), "odoo-mcp-audit-keychain-"));
});
afterAll(async () => {
  await keychain?.delete("audit-chain-head").catch(() => {});
  // The product's own service: the head of this test's data folder (the key stays, as the product's would).
  await createOsKeychain()
    .delete(headAccount(dataDir))
    .catch(() => {});
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe("the audit chain anchored in the OS keychain", () => {
  it("keeps the head in the keychain: a second handle sees it, and a truncation is found", async () => {
    const anchor = keychainAuditAnchor(keychain, randomBytes(32));
    const dir = path.join(dataDir, "anchored");
    const audit = createAuditLog(dir, { anchor, now: () => new Date(2026, 5, 1, 9) });
    for (let i = 0; i < 3; i++) await audit.append({ event: "tool_call", action: "a", result: "success" });
    const head = await keychainAuditAnchor(createOsKeychain(service), anchor.key!).loadHead();
    expect(head?.seq).toBe(3);
    expect((await audit.verify()).ok).toBe(true);
    const file = audit.fileFor("2026-06-01");
    const rows = (await readFile(file, "utf8")).trimEnd().split("\n");
    await writeFile(file, `${rows.slice(0, 2).join("\n")}\n`);
    const report = await audit.verify();
    expect(report.problems).toEqual([expect.objectContaining({ kind: "truncated", line: 2, seq: 2 })]);
  });

  it("the built CLI finds the key and head the app keeps in the keychain, and reports an edit by its MAC", async () => {
    if (!existsSync(BIN)) throw new Error("dist/ is missing: run `npm run build` first");
    const product = createOsKeychain();
    const anchor = await auditAnchorFor(product, { dataDir });
    expect(anchor?.key).toHaveLength(32);
    expect(Buffer.from((await product.get(AUDIT_KEY_ACCOUNT))!, "base64").equals(anchor!.key!)).toBe(true);
    const audit = createAuditLog(dataDir, { anchor: anchor!, now: () => new Date(2026, 5, 2, 9) });
    for (let i = 0; i < 3; i++) await audit.append({ event: "tool_call", action: "b", result: "success" });
    const run = () =>
      new Promise<{ code: number; stdout: string }>((resolve) => {
        execFile(
          process.execPath,
          [BIN, "audit", "verify"],
          { env: { ...process.env, ODOO_MCP_DATA_DIR: dataDir }, timeout: 30_000 },
          (error, stdout) =>
            resolve({ code: error ? (typeof error.code === "number" ? error.code : -1) : 0, stdout }),
        );
      });
    const intact = await run();
    expect(intact.stdout).toContain("HMAC-SHA256 (key in the OS keychain), head kept in the OS keychain");
    expect(intact.code).toBe(0);
    const file = audit.fileFor("2026-06-02");
    const rows = (await readFile(file, "utf8")).split("\n");
    rows[0] = rows[0]!.replace('"action":"b"', '"action":"c"');
    await writeFile(file, rows.join("\n"));
    const altered = await run();
    expect(altered.code).toBe(1);
    expect(altered.stdout).toContain("2026-06-02.json line 1 (seq 1) was edited: its MAC does not match");
  });
});
