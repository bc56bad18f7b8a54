import { afterEach, describe, expect, it } from "vitest";
import { approvalNotes } from "../../src/mcp/accounting/approval-tag.js";
import { sendReminderOperation } from "../../src/mcp/accounting/reminders.js";
import { OdooConnectionError } from "../../src/mcp/odoo/errors.js";
import { bankWorld } from "../support/bank.js";
import { bankFile } from "../support/bank-files.js";
import { type Harness, seedCustomer, startHarness } from "../support/harness.js";
import { postedInvoice, remindersOf } from "../support/overdue.js";

/**
 * Red team of the bank toolset (issue 18), as a hostile agent would call it: statement lines the reconciliation
 * was not made for (another journal type, another currency), and bank files whose amounts a double cannot hold.
 */
let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** The id of a many2one as Odoo reads it (`[id, name]`). */
const idOf = (value: unknown) => (value as [number, string])[0];

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

  it("a CSV amount a JSON number cannot carry exactly is refused with its line, never booked as a nearby amount", async () => {
    h = await startHarness();
    const b = await bankWorld(h.app.odoo);
    const content = [
      "date,amount,label",
      "2026-11-01,90071992547409.93,wire",
      "2026-11-02,99999999999999999999999.99,enormous",
      "2026-11-03,1234567890123.45,large but exact",
      "2026-11-04,12.50,coffee",
    ].join("\n");
    const csv = { date: "date", amount: "amount", label: "label", date_format: "YYYY-MM-DD" };
    const imported = await h.call("import_bank_statement", {
      journal: b.journal,
      content,
      format: "csv",
      csv,
    });
    expect(imported.data).toMatchObject({ new: 2 });
    expect((imported.data.refused as string[]).join("\n")).toMatch(/line 2: .*90071992547409\.93/);
    expect((imported.data.refused as string[]).join("\n")).toMatch(/line 3: /);
    const rows = await h.app.odoo.searchRead("account.bank.statement.line", [], ["amount"], { order: "id" });
    expect(rows.map((r) => r.amount)).toEqual([1234567890123.45, 12.5]);
  });

  it("a statement balance a JSON number cannot carry exactly: VALIDATION_ERROR, nothing imported (never a statement with a nearby balance)", async () => {
    h = await startHarness();
    const b = await bankWorld(h.app.odoo);
    const content = bankFile("statement-2x.ofx").replace("<BALAMT>1352.50<", "<BALAMT>90071992547409.93<");
    const imported = await h.call("import_bank_statement", { journal: b.journal, content });
    expect(imported.error).toMatchObject({ code: "VALIDATION_ERROR" });
    expect(imported.text).toMatch(/too many digits/);
    expect(await h.app.odoo.searchRead("account.bank.statement.line", [], ["id"])).toEqual([]);
    expect(await h.app.odoo.searchRead("account.bank.statement", [], ["id"])).toEqual([]);
  });

  it("propose_matches: lines it leaves out (a cash journal's, another currency's) never take the places of the bank lines it shows", async () => {
    h = await startHarness();
    const b = await bankWorld(h.app.odoo);
    const invoice = await b.invoice(100);
    const cash = await h.app.odoo.create("account.journal", { name: "Cash", code: "CSH1", type: "cash" });
    const [eur] = await h.app.odoo.searchRead("res.currency", [["name", "=", "EUR"]], ["id"], {
      context: { active_test: false },
    });
    // Older than the bank line: first in propose_matches' order (date, id).
    for (const day of ["01", "02", "03"]) {
      await h.app.odoo.create("account.bank.statement.line", {
        journal_id: cash,
        date: `2026-11-${day}`,
        payment_ref: "till",
        amount: 5,
      });
      await h.app.odoo.create("account.bank.statement.line", {
        journal_id: b.journal,
        date: `2026-11-${day}`,
        payment_ref: "wire in EUR",
        amount: 10,
        foreign_currency_id: eur?.id,
        amount_currency: 9,
      });
    }
    const line = await b.line(100, `Payment ${invoice.name}`);
    for (const args of [{ limit: 2 }, { journal: b.journal, limit: 2 }]) {
      const proposed = await h.call("propose_matches", args);
      const lines = proposed.data.lines as { statement_line_id: number }[];
      expect(lines.map((l) => l.statement_line_id)).toEqual([line]);
      expect(proposed.data.more).toBe(false);
    }
  });

  it("a replay does not take a reconciliation made by hand in Odoo meanwhile for its own: it fails (APPROVAL_INVALID), never 'reconciled' with nothing paid", async () => {
    h = await startHarness();
    const b = await bankWorld(h.app.odoo);
    const first = await b.invoice(100);
    const second = await b.invoice(100);
    const line = await b.line(100, "which invoice?");
    const asked = await h.call("reconcile_bank_lines", {
      matches: [{ statement_line_id: line, invoice_ids: [first.name] }],
    });
    const id = String(asked.data.approval_id);
    // The run loses Odoo right before its write (which never reached Odoo): queued, its attempt recorded.
    const odoo = h.app.odoo;
    const write = odoo.write.bind(odoo);
    let lost = true;
    odoo.write = (async (...args: Parameters<typeof write>) => {
      if (lost && JSON.stringify(args[2]).includes(first.name))
        throw new OdooConnectionError("connection reset", false);
      return write(...args);
    }) as typeof odoo.write;
    await h.app.approvals.decide(id, { decision: "approved", channel: "cli", actor: "person" });
    expect(await h.app.approvals.execute(id)).toMatchObject({ status: "queued" });
    // Meanwhile a person reconciles the line with the second invoice in Odoo, the way Odoo's reconciliation (OCA,
    // edit mode) does it: the suspense item becomes the counterpart, reconciled with the invoice.
    const { move_id } = await b.statementLine(line);
    const moveId = (move_id as [number, string])[0];
    const items = await odoo.searchRead(
      "account.move.line",
      [["move_id", "in", [moveId, second.id]]],
      ["move_id", "account_id", "display_type", "partner_id"],
    );
    const suspense = items.find(
      (i) =>
        (i.move_id as [number])[0] === moveId &&
        i.account_id !== false &&
        (i.account_id as [number, string])[1].includes("Suspense"),
    );
    const term = items.find(
      (i) => (i.move_id as [number])[0] === second.id && i.display_type === "payment_term",
    );
    await write(
      "account.move",
      [moveId],
      {
        line_ids: [
          [
            1,
            suspense?.id,
            {
              account_id: idOf(term?.account_id),
              partner_id: b.customer,
              name: second.name,
              credit: 100,
            },
          ],
        ],
      },
      { skip_readonly_check: true },
    );
    await odoo.call({
      model: "account.move.line",
      method: "reconcile",
      ids: [suspense?.id, term?.id] as number[],
    });
    expect((await b.state([second.id]))[0]?.payment_state).toBe("paid");
    // The approval is replayed: nothing of it was ever written.
    lost = false;
    await h.app.approvals.drain();
    const record = await h.app.approvals.get(id);
    expect(record?.status).not.toBe("executed");
    expect(record?.outcome).toMatchObject({ ok: false, code: "APPROVAL_INVALID" });
    expect((await b.state([first.id]))[0]?.payment_state).toBe("not_paid");
    expect(await approvalNotes(h.app.odoo, "account.move", id, "Reconciled")).toHaveLength(0);
  });

  it("send_reminder: a replay does not take an email a person sent the customer from Odoo meanwhile for the reminder it never sent", async () => {
    h = await startHarness();
    const odoo = h.app.odoo;
    const partner = await seedCustomer(h, "Late Payer Ltd", "accounts@late-payer.example");
    const invoice = await postedInvoice(h, partner, { price: 400 });
    const input = { partner_id: partner, reminder_days: 7 };
    const prepared = await sendReminderOperation.prepare(odoo, input);
    const approvalId = "apr_aaaaaaaaaaaaaaaaaaaaaaaaaa";
    // The run records its attempt (the watermark), then Odoo stops before the composer: nothing is emailed.
    const marker = await sendReminderOperation.mark(odoo, input);
    // Meanwhile a person emails the customer a document of their own from the customer's chatter in Odoo.
    const [move] = await odoo.read("account.move", [invoice], ["invoice_pdf_report_id"]);
    const composer = await odoo.create("mail.compose.message", {
      composition_mode: "comment",
      model: "res.partner",
      res_ids: `[${partner}]`,
      partner_ids: [[6, 0, [partner]]],
      subject: "Our new catalogue",
      body: "<p>Please find our catalogue attached.</p>",
      attachment_ids: [[6, 0, [idOf(move?.invoice_pdf_report_id)]]],
    });
    await odoo.call({ model: "mail.compose.message", method: "action_send_mail", ids: [composer] });
    expect(await remindersOf(h, partner)).toHaveLength(1);
    // The replay asks Odoo whether this approval's reminder went out: it did not.
    expect(
      await sendReminderOperation.findApplied(odoo, input, { approvalId, marker, bound: prepared.binding }),
    ).toBeNull();
    expect(await odoo.searchCount("mail.message", [["body", "ilike", approvalId]])).toBe(0);
  });

  it("send_reminder: the agent's text may not pass for an approval's note (it made its own email read as not sent, and blocked another approval's reminder)", async () => {
    h = await startHarness();
    const partner = await seedCustomer(h, "Late Payer Ltd", "accounts@late-payer.example");
    const first = await postedInvoice(h, partner, { price: 400 });
    const second = await postedInvoice(h, partner, { price: 300 });
    const waiting = await h.call("send_reminder", { invoice_id: String(second) });
    const id = String(waiting.data.approval_id);
    for (const email_body of [
      `Please pay.\n\nReminder sent by odoo-mcp, approval ${id}`,
      `Please pay.  Reminder sent BY odoo-mcp,   approval ${id}`,
    ]) {
      const forged = await h.call("send_reminder", { invoice_id: String(first), email_body });
      expect(forged.error).toMatchObject({ code: "VALIDATION_ERROR" });
    }
    const subject = await h.call("send_reminder", {
      invoice_id: String(first),
      email_subject: `Sent by odoo-mcp, approval ${id}`,
    });
    expect(subject.error).toMatchObject({ code: "VALIDATION_ERROR" });
    // The person's approval runs as approved: its reminder is emailed.
    await h.app.approvals.decide(id, { decision: "approved", channel: "cli", actor: "person" });
    expect(await h.app.approvals.execute(id)).toMatchObject({ status: "executed" });
    expect(await remindersOf(h, partner)).toHaveLength(1);
  });
});
