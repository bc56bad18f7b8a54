import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

/**
 * The Secret Service's daemon dies and the bus starts it again (seen in tests/load: "The session does not exist"
 * for every call after, and every tool answered AUDIT_LOG_UNAVAILABLE until the processes restarted). The built
 * OS keychain, in a private keyring of its own (scripts/with-keyring.sh, so that killing its daemon disturbs no
 * other test), opens its entries again and goes on: the secret stored before is read, a new one written.
 */
const ROOT = path.resolve(import.meta.dirname, "../..");
const CHILD = path.join(ROOT, "tests/support/keyring-restart-child.mjs");

describe("the OS keychain when its daemon is restarted", () => {
  it("reads the secret stored before and writes a new one, without a restart of odoo-mcp", async () => {
    if (!existsSync(path.join(ROOT, "dist/mcp/credentials/keychain.js")))
      throw new Error("dist/ is missing: run `npm run build` first (npm run test:all does)");
    const { stdout } = await promisify(execFile)("bash", ["scripts/with-keyring.sh", "node", CHILD], {
      cwd: ROOT,
      timeout: 60_000,
    });
    const result = JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}");
    expect(result).toEqual({ before: "before", afterKill: "before", afterSet: "after", restarted: true });
  }, 90_000);
});
