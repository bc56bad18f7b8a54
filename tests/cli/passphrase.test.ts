import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type Harness, INVOICE_INPUT, seedCustomer, startHarness } from "../support/harness.js";
import { runInTerminal } from "../support/terminal.js";

const BIN = path.resolve(import.meta.dirname, "../../dist/mcp/bin/odoo-mcp.js");
const invoices = (h: Harness) => h.app.odoo.searchCount("account.move", [["move_type", "=", "out_invoice"]]);

/** A machine without an OS keychain: the person's passphrase, typed at a terminal, is the factor. */
describe("passphrase mode (no OS keychain)", () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it("only the process the person typed the passphrase into runs the decision; nothing is stored that approves", async () => {
    h = await startHarness({ keychain: null });
    expect(h.app.keyMode).toBe("passphrase");
    // The CLI sees no keychain either (no D-Bus session in its environment).
    const env = { PATH: process.env.PATH, HOME: h.dataDir, ...h.env };
    const passphrase = "correct horse battery";
    const set = await runInTerminal(process.execPath, [BIN, "approvals", "passphrase"], {
      env,
      input: [`${passphrase}\r`, `${passphrase}\r`],
    });
    expect(set.code, set.output).toBe(0);
    for (const name of await readdir(h.dataDir, { recursive: true })) {
      const file = path.join(h.dataDir, String(name));
      const text = await readFile(file, "utf8").catch(() => "");
      expect(text, file).not.toContain(passphrase);
    }

    await seedCustomer(h);
    const pending = await h.call("create_invoice", INVOICE_INPUT);
    const id = String(pending.data.approval_id);
    expect(pending.data.status).toBe("pending_approval");

    const wrong = await runInTerminal(process.execPath, [BIN, "approvals", "approve", id], {
      env,
      input: ["not the passphrase\r"],
    });
    expect(wrong.code).toBe(1);
    expect(wrong.output).toMatch(/not the approval passphrase/);
    expect(await invoices(h)).toBe(0);

    const right = await runInTerminal(process.execPath, [BIN, "approvals", "approve", id], {
      env,
      input: [`${passphrase}\r`, "y\r"],
    });
    expect(right.code, right.output).toBe(0);
    expect(right.output).toMatch(/Create invoice, 1,478\.33 USD: Draft invoice for Acme Corp/);
    expect(await invoices(h)).toBe(1);
    const record = await h.app.approvals.get(id);
    expect(record?.status).toBe("executed");
    expect(record?.decision?.key).toBe("passphrase");
    // The server holds no passphrase: it could not have run it, and running it again changes nothing.
    expect(await h.app.approvals.verify({ ...record!, status: "approved" })).toContain(
      "the decision was made with the passphrase key, which this process does not hold",
    );
    expect((await h.app.approvals.execute(id)).status).toBe("executed");
    expect(await invoices(h)).toBe(1);
  });
});
