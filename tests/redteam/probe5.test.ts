import { afterEach, describe, it } from "vitest";
import { bankWorld } from "../support/bank.js";
import { type Harness, startHarness } from "../support/harness.js";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe("probe5", () => {
  it("eur invoice, other company", async () => {
    h = await startHarness();
    const b = await bankWorld(h.app.odoo);
    const o = h.app.odoo;
    const [eur] = await o.searchRead("res.currency", [["name", "=", "EUR"]], ["id", "active"], { context: { active_test: false } });
    if (eur && !eur.active) await o.write("res.currency", [eur.id as number], { active: true });
    const id = await o.create("account.move", {
      move_type: "out_invoice", partner_id: b.customer, invoice_date: "2026-11-02", currency_id: eur?.id,
      invoice_line_ids: [[0, 0, { name: "Bread", quantity: 1, price_unit: 100, tax_ids: [[6, 0, []]] }]],
    });
    await o.call({ model: "account.move", method: "action_post", ids: [id] });
    const line = await b.line(100, "eur");
    const r = await h.call("reconcile_bank_lines", { matches: [{ statement_line_id: line, invoice_ids: [String(id)] }] });
    console.log("EUR", r.text.slice(0, 300));
    const out = await b.line(-100, "out", b.customer);
    const inv = await b.invoice(100);
    const r2 = await h.call("reconcile_bank_lines", { matches: [{ statement_line_id: out, invoice_ids: [inv.name] }] });
    console.log("OUT", r2.text.slice(0, 300));
    const co = await o.create("res.company", { name: "Second Co", currency_id: 1 });
    console.log("CO", co);
    const journals = await o.searchRead("account.journal", [], ["id", "name", "type", "company_id"], { context: { allowed_company_ids: [co, 1] } });
    console.log("J", JSON.stringify(journals));
    const bigId = await h.call("reconcile_bank_lines", { matches: [{ statement_line_id: 2 ** 31, invoice_ids: [inv.name] }] });
    console.log("BIG", bigId.text.slice(0, 300));
    const huge = await h.call("reconcile_bank_lines", { matches: [{ statement_line_id: line, invoice_ids: ["999999999999999"] }] });
    console.log("HUGE", huge.text.slice(0, 300));
    const pay = await h.call("reconcile_bank_lines", { matches: [{ statement_line_id: line, payment_ids: [2 ** 31 - 1] }] });
    console.log("PAY", pay.text.slice(0, 300));
    const un = await h.call("unreconcile_bank_line", { statement_line_id: 99999 });
    console.log("UN", un.text.slice(0, 300));
    const pm = await h.call("propose_matches", { journal: "  " });
    console.log("PM", pm.text.slice(0, 300));
    const pm2 = await h.call("propose_matches", { journal: 1.5 });
    console.log("PM2", pm2.text.slice(0, 300));
    const lo = await h.call("list_overdue", { partner_id: b.vendor });
    console.log("LO", lo.text.slice(0, 300));
    const sr = await h.call("send_reminder", { partner_id: b.vendor });
    console.log("SR", sr.text.slice(0, 300));
    const sr2 = await h.call("send_reminder", { partner_id: 999999 });
    console.log("SR2", sr2.text.slice(0, 300));
    const sr3 = await h.call("send_reminder", { invoice_id: inv.name, email_subject: "   " });
    console.log("SR3", sr3.text.slice(0, 300));
  });
});
