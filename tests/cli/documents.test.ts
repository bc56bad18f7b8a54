import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, INVOICE_INPUT, seedCustomer, startHarness } from "../support/harness.js";
import { runInTerminal } from "../support/terminal.js";

const BIN = path.resolve(import.meta.dirname, "../../dist/mcp/bin/odoo-mcp.js");
const TZ = "Pacific/Auckland";
const PASSPHRASE = "correct horse battery";

/** `iso` as the terminal must show it: local time (here TZ), "2 Nov 2026, 09:05". */
function local(iso: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-GB", {
      timeZone: TZ,
      day: "numeric",
      month: "short",
      year: "numeric",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    })
      .formatToParts(new Date(iso))
      .map((part) => [part.type, part.value]),
  );
  return `${parts.day} ${parts.month} ${parts.year}, ${parts.hour}:${parts.minute}`;
}

/**
 * The terminal as a bookkeeper reads it (issue 15, finding 8): `approvals list` with amounts, `show`/`approve` as a
 * short document shown before anything is typed, local times, the outcome as a sentence with the Odoo link, and
 * the missing keychain said once, by doctor. Passphrase mode: the CLI's environment has no keychain.
 */
describe("the terminal's approvals, as a short document", () => {
  let h: Harness;
  let env: Record<string, string | undefined>;
  const run = (args: string[], input: string[] = []) =>
    runInTerminal(process.execPath, [BIN, ...args], { env, input });

  beforeAll(async () => {
    h = await startHarness({ keychain: null });
    env = { PATH: process.env.PATH, HOME: h.dataDir, TZ, ...h.env };
    const set = await run(["approvals", "passphrase"], [`${PASSPHRASE}\r`, `${PASSPHRASE}\r`]);
    expect(set.code, set.output).toBe(0);
    await seedCustomer(h);
  });
  afterAll(async () => h?.close());

  it("lists each request with its amount, currency and name; no keychain warning", async () => {
    const pending = await h.call("create_invoice", INVOICE_INPUT);
    const list = await run(["approvals", "list"]);
    expect(list.code, list.output).toBe(0);
    const line = list.output.split("\n").find((l) => l.includes(String(pending.data.approval_id)));
    expect(line).toMatch(
      /pending\s+Create invoice\s+1,478\.33 USD {2}Draft invoice for Acme Corp, 1,478\.33 USD, dated 2 Nov 2026/,
    );
    expect(list.output).not.toMatch(/keychain/i);
    await h.reject(pending.data.approval_id);
  });

  it("approve shows the document before the passphrase, then says what was done with the Odoo link", async () => {
    const pending = await h.call("create_invoice", INVOICE_INPUT);
    const id = String(pending.data.approval_id);
    const record = await h.app.approvals.get(id);
    const approved = await run(["approvals", "approve", id], [`${PASSPHRASE}\r`, "y\r"]);
    expect(approved.code, approved.output).toBe(0);
    const out = approved.output;
    const asked = out.indexOf("Approval passphrase:");
    expect(asked).toBeGreaterThan(0);
    const shown = out.slice(0, asked);
    // The document, before anything is typed: the name, what it does, the lines as a table, the amounts.
    expect(shown).toContain(
      "Create invoice, 1,478.33 USD: Draft invoice for Acme Corp, 1,478.33 USD, dated 2 Nov 2026",
    );
    expect(shown).toContain("Creates a draft invoice in Odoo. Nothing is posted and nothing is sent");
    expect(shown).toMatch(/Description\s+Qty\s+Unit price\s+Taxes\s+Subtotal/);
    // A table: the numbers right-aligned in their columns (every row ends where the header's "Subtotal" ends).
    const table = shown.split("\n").filter((l) => /^ {2}(Description|Consulting|Travel)/.test(l));
    expect(table).toHaveLength(3);
    expect(new Set(table.map((l) => l.trimEnd().length)).size).toBe(1);
    expect(table[0]!.indexOf("Qty") + 3).toBe(table[1]!.indexOf("10") + 2);
    expect(shown).toMatch(/Consulting services \(hours\)\s+10\s+120\.00 USD\s+15%\s+1,200\.00 USD/);
    expect(shown).toMatch(/Travel costs\s+1\s+85\.50 USD\s+15%\s+85\.50 USD/);
    expect(shown).toMatch(/Subtotal\s+1,285\.50 USD/);
    expect(shown).toMatch(/Tax 15%\s+192\.83 USD/);
    expect(shown).toMatch(/Will be sent to \(later, by send_invoice\)\s+billing@acme\.example/);
    // Times in local time, never UTC ISO; no key/value dumps.
    expect(shown).toContain(`on ${local(record!.createdAt)}`);
    expect(shown).not.toMatch(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/);
    expect(shown).not.toMatch(/lines 1 description|kind: customer|partnerId/);
    // The outcome as a sentence with the link, never JSON.
    expect(out).toMatch(
      /Done: draft invoice for Acme Corp, 1,478\.33 USD, created in Odoo \(record \d+\); nothing was sent — http:\/\/\S+\/web#id=\d+&model=account\.move/,
    );
    expect(out).not.toContain("Done: {");
    expect(out).not.toMatch(/keychain/i);
    // What the person read at the terminal is kept with their decision, for the history.
    const kept = h.app.approvals.shown((await h.app.approvals.get(id))!);
    expect(kept?.document?.name).toBe("Draft invoice for Acme Corp, 1,478.33 USD, dated 2 Nov 2026");

    const show = await run(["approvals", "show", id]);
    expect(show.output).toMatch(
      /Approved at the terminal by \S+ \(command line\) on \d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2}\./,
    );
    expect(show.output).toMatch(/Done: draft invoice for Acme Corp/);
  });

  it("a send and a payment: the outcome names the number, the address, what is left, with the link", async () => {
    const created = await h.call("create_invoice", INVOICE_INPUT);
    await h.approve(created.data.approval_id);
    const output = (await h.call("get_approval", { approval_id: created.data.approval_id })).data.output as {
      record_id: number;
    };
    const send = await h.call("send_invoice", { invoice_id: output.record_id });
    const sent = await run(
      ["approvals", "approve", String(send.data.approval_id)],
      [`${PASSPHRASE}\r`, "y\r"],
    );
    expect(sent.code, sent.output).toBe(0);
    const shown = sent.output.slice(0, sent.output.indexOf("Approval passphrase:"));
    expect(shown).toMatch(
      /^Send invoice, 1,478\.33 USD: Draft invoice for Acme Corp, 1,478\.33 USD, dated 2 Nov 2026/m,
    );
    expect(shown).toMatch(
      /Posts the draft invoice \(it gets .*number.*\) and emails it with its PDF to\s+billing@acme\.example/,
    );
    expect(shown).toMatch(/Consulting services \(hours\)\s+10\s+120\.00 USD/);
    expect(sent.output).toMatch(/Done: INV\/\S+ posted and emailed to billing@acme\.example — http:\/\/\S+/);

    const pay = await h.call("record_payment", {
      invoice_id: output.record_id,
      amount: 600,
      payment_date: "2026-11-20",
      payment_method: "bank_transfer",
    });
    const paid = await run(
      ["approvals", "approve", String(pay.data.approval_id)],
      [`${PASSPHRASE}\r`, "y\r"],
    );
    expect(paid.code, paid.output).toBe(0);
    const before = paid.output.slice(0, paid.output.indexOf("Approval passphrase:"));
    expect(before).toMatch(/Invoice total\s+1,478\.33 USD/);
    expect(before).toMatch(/Paid so far\s+0\.00 USD/);
    expect(before).toMatch(/This payment\s+600\.00 USD/);
    expect(before).toMatch(/Left to pay\s+878\.33 USD/);
    expect(before).toMatch(/Due date\s+2 Dec 2026/);
    expect(paid.output).toMatch(
      /Done: payment \S+ of 600\.00 USD recorded against INV\/\S+; 878\.33 USD left to pay — http:\/\/\S+model=account\.payment/,
    );
    // The list names the draft that was created by the number the send gave it, as the app's history does.
    const number = /Done: (INV\/\S+) posted/.exec(sent.output)?.[1];
    const listed = await run(["approvals", "list", "--status", "all"]);
    const createdLine = listed.output.split("\n").find((l) => l.includes(String(created.data.approval_id)));
    expect(createdLine).toContain(`1,478.33 USD  ${number}, Acme Corp`);
  });

  it("doctor says once that there is no keychain, and what it means", async () => {
    const doctor = await run(["doctor"]);
    const said = doctor.output.split("\n").filter((line) => line.startsWith("ok    keychain: "));
    expect(said).toHaveLength(2);
    expect(said[0]).toMatch(
      /the OS keychain cannot hold the approval key \(.+\): decisions need the approval passphrase/,
    );
    expect(said[1]).toMatch(
      /the audit chain's key cannot be kept in the OS keychain \(.+\): the audit log is chained/,
    );
    // Said by doctor's report, not again as log lines.
    expect(doctor.output).not.toMatch(/WARN/);
  });

  // `approve ID --only 1,3`: a batch's items, numbered from 1 as `show` lists them (the batch itself, kept in part
  // and run with `keep`, is tested on the core: tests/approvals/partial.test.ts).
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
