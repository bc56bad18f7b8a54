/**
 * Red team: the agent runs the CLI itself (a shell whose commands the person may not read closely). Without a
 * terminal, `approvals approve` decides nothing; `queue drain` runs nothing that was not approved.
 */
import { execFile } from "node:child_process";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type Harness, seedCustomer, startHarness } from "../support/harness.js";
import { countInvoices, invoiceFor, pendingId } from "./helpers.js";

const BIN = path.resolve(import.meta.dirname, "../../dist/mcp/bin/odoo-mcp.js");

function run(h: Harness, args: string[], input = "") {
  return new Promise<{ code: number; out: string }>((resolve) => {
    const child = execFile(
      process.execPath,
      [BIN, ...args],
      { env: { PATH: process.env.PATH, HOME: h.dataDir, ...h.env }, cwd: h.dataDir, timeout: 30_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        resolve({ code, out: `${stdout}${stderr}` });
      },
    );
    child.stdin?.end(input);
  });
}

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe("the CLI without a person at a terminal", () => {
  it("approve with 'y' (and a passphrase guess) piped in decides nothing", async () => {
    h = await startHarness({ keychain: null });
    await seedCustomer(h);
    const id = await pendingId(h, "create_invoice", invoiceFor(10));
    const result = await run(h, ["approvals", "approve", id], "y\ny\ny\n");
    expect(result.code).not.toBe(0);
    const drain = await run(h, ["queue", "drain"], "y\n");
    expect(drain.out).not.toMatch(/executed: [1-9]/);
    expect((await h.app.approvals.get(id))?.status).toBe("pending");
    expect(await countInvoices(h)).toBe(0);
  });
});
