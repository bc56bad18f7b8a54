import { afterEach, describe, expect, it } from "vitest";
import { bankWorld } from "../support/bank.js";
import { type Harness, startHarness } from "../support/harness.js";

/**
 * Red team of the bank toolset (issue 18), as a hostile agent would call it: statement lines the reconciliation
 * was not made for (another journal type, another currency), and bank files whose amounts a double cannot hold.
 */
let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** The approval requests the data folder holds: none may be made for a refused call. */
const requests = async (harness: Harness) => (await harness.app.approvals.list()).length;

describe("bank toolset, attacked", () => {
  it("a cash journal's line (import_bank_statement fills those) is refused as not a bank line: never 'reconciled already', never an undo of a reconciliation it does not have", async () => {
    h = await startHarness();
    const b = await bankWorld(h.app.odoo);
    const invoice = await b.invoice(100);
    const cash = await h.app.odoo.create("account.journal", { name: "Cash", code: "CSH1", type: "cash" });
    const line = await h.app.odoo.create("account.bank.statement.line", {
      journal_id: cash,
      date: "2026-11-12",
      payment_ref: "cash in",
      amount: 100,
      partner_id: b.customer,
    });
    const reconcile = await h.call("reconcile_bank_lines", {
      matches: [{ statement_line_id: line, invoice_ids: [invoice.name] }],
    });
    expect(reconcile.error).toMatchObject({ code: "VALIDATION_ERROR" });
    expect(reconcile.text).toMatch(/not a bank journal/);
    expect(reconcile.text).not.toMatch(/reconciled already/);
    const undo = await h.call("unreconcile_bank_line", { statement_line_id: line });
    expect(undo.error).toMatchObject({ code: "VALIDATION_ERROR" });
    expect(undo.text).toMatch(/not a bank journal/);
    expect(await requests(h)).toBe(0);
    expect((await b.statementLine(line)).is_reconciled).toBe(false);
  });

  it("a bank line in another currency (propose_matches leaves it out) is refused by reconcile_bank_lines, as the module promises", async () => {
    h = await startHarness();
    const b = await bankWorld(h.app.odoo);
    const invoice = await b.invoice(100);
    const [eur] = await h.app.odoo.searchRead("res.currency", [["name", "=", "EUR"]], ["id"], {
      context: { active_test: false },
    });
    // 100 USD on the bank for 90 EUR the customer paid: what reaches the books is Odoo's conversion, not ours.
    const line = await h.app.odoo.create("account.bank.statement.line", {
      journal_id: b.journal,
      date: "2026-11-12",
      payment_ref: invoice.name,
      amount: 100,
      foreign_currency_id: eur?.id,
      amount_currency: 90,
      partner_id: b.customer,
    });
    const proposed = await h.call("propose_matches", {});
    expect(
      (proposed.data.lines as { statement_line_id: number }[]).map((l) => l.statement_line_id),
    ).not.toContain(line);
    const reconcile = await h.call("reconcile_bank_lines", {
      matches: [{ statement_line_id: line, invoice_ids: [invoice.name] }],
    });
    expect(reconcile.error).toMatchObject({ code: "VALIDATION_ERROR" });
    expect(reconcile.text).toMatch(/not in the company's currency/);
    expect(await requests(h)).toBe(0);
  });
});
