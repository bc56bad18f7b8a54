import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, INVOICE_INPUT, seedCustomer, startHarness } from "../support/harness.js";
import { runInTerminal } from "../support/terminal.js";

const BIN = path.resolve(import.meta.dirname, "../../dist/mcp/bin/odoo-mcp.js");
const PASSPHRASE = "correct horse battery";

/**
 * `odoo-mcp approvals approve ID --only 1,3` at a terminal (the built command, in a pseudo-terminal): the items of a
 * batch to approve, numbered from 1 as `show` lists them. What is not such a list is a usage error; items chosen on
 * a request that has none are refused before anything is typed, and nothing is decided. (The batch itself, kept in
 * part and run with `keep`, is tested on the core: tests/approvals/partial.test.ts.)
 */
describe("approvals approve --only", () => {
  let h: Harness;
  let env: Record<string, string | undefined>;
  const run = (args: string[], input: string[] = []) =>
    runInTerminal(process.execPath, [BIN, ...args], { env, input });

  beforeAll(async () => {
    h = await startHarness({ keychain: null });
    env = { PATH: process.env.PATH, HOME: h.dataDir, ...h.env };
    const set = await run(["approvals", "passphrase"], [`${PASSPHRASE}\r`, `${PASSPHRASE}\r`]);
    expect(set.code, set.output).toBe(0);
    await seedCustomer(h);
  });
  afterAll(async () => h?.close());

  it("the help says the items are numbered from 1", async () => {
    const help = await run(["approvals", "--help"]);
    expect(help.output).toMatch(/approve ID \[--only N,N\.\.\.\]/);
    expect(help.output).toMatch(/numbered from 1, as `show` lists them/);
  });

  it("refuses what is not a list of item numbers, and --only anywhere but approve (usage, exit 2)", async () => {
    const asked = await h.call("create_invoice", INVOICE_INPUT);
    const id = String(asked.data.approval_id);
    for (const only of ["0", "1,,3", "a", "1-3", "1.5", "", "1,3,"]) {
      const bad = await run(["approvals", "approve", id, "--only", only]);
      expect(bad.code, `${only}: ${bad.output}`).toBe(2);
      expect(bad.output).toContain("--only takes item numbers from 1, separated by commas (--only 1,3)");
    }
    // A negative number reads as an option: a usage error too.
    expect((await run(["approvals", "approve", id, "--only", "-1"])).code).toBe(2);
    const show = await run(["approvals", "show", id, "--only", "1"]);
    expect(show.code).toBe(2);
    expect(show.output).toContain("--only goes with approve");
    expect((await h.app.approvals.get(id))?.status).toBe("pending");
    await h.reject(id);
  });

  it("items chosen on a request without items: refused before the passphrase is asked; nothing decided", async () => {
    const asked = await h.call("create_invoice", INVOICE_INPUT);
    const id = String(asked.data.approval_id);
    const refused = await run(["approvals", "approve", id, "--only", "1,3"], [`${PASSPHRASE}\r`, "y\r"]);
    expect(refused.code, refused.output).toBe(1);
    expect(refused.output).toContain("this request has no items to choose from: approve or reject it whole");
    expect(refused.output).not.toContain("Approval passphrase");
    expect((await h.app.approvals.get(id))?.status).toBe("pending");
    await h.reject(id);
  });
});
