import { afterEach, describe, expect, it } from "vitest";
import { approvalNotes } from "../../src/mcp/accounting/approval-tag.js";
import { reconcileBankLinesOperation } from "../../src/mcp/accounting/reconcile.js";
import { bankWorld } from "../support/bank.js";
import { type Harness, startHarness } from "../support/harness.js";

/**
 * propose_matches, reconcile_bank_lines and unreconcile_bank_line on the sandbox, which answers as the lab's Odoo 19
 * did (odoo-recordings/19/20-reconcile-*): the same cases give the same payment states.
 */
let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

type Row = Record<string, unknown>;

describe("bank reconciliation", () => {
  it("propose_matches: the number in the label, the amount, the partner; two invoices named together; a registered payment; what stays unmatched", async () => {
    h = await startHarness();
    const b = await bankWorld(h.app.odoo);
    const exact = await b.invoice(1000);
    const first = await b.invoice(100);
    const second = await b.invoice(150);
    const paidEarlier = await b.invoice(400);
    const payment = await b.registerPayment(paidEarlier.id);
    const sExact = await b.line(1000, `Payment ${exact.name}`);
    const sTwo = await b.line(250, `${first.name} ${second.name}`);
    const sPayment = await b.line(400, `transfer ${payment.name}`, null);
    const sNobody = await b.line(999.99, "UNKNOWN TRANSFER 4411", null);
    const answer = await h.call("propose_matches", { journal: "BNK1" });
    expect(answer.isError, answer.text).toBe(false);
    const lines = answer.data.lines as Row[];
    const of = (id: number) => lines.find((l) => l.statement_line_id === id) as Row;
    const best = (id: number) => (of(id).proposals as Row[])[0] as Row;
    expect(best(sExact)).toMatchObject({
      confidence: "high",
      pays: [{ kind: "invoice", id: exact.name, record_id: exact.id, amount_due: 1000 }],
    });
    expect(String(best(sExact).reason)).toMatch(/is in the label; same amount, 1000\.00 USD; same partner/);
    expect(best(sTwo).pays).toEqual([
      { kind: "invoice", id: first.name, record_id: first.id, amount_due: 100 },
      { kind: "invoice", id: second.name, record_id: second.id, amount_due: 150 },
    ]);
    expect(best(sPayment).pays).toEqual([
      { kind: "payment", id: payment.name, record_id: payment.id, amount_due: 400 },
    ]);
    expect(of(sNobody).proposals).toEqual([]);
    expect(answer.data.unmatched).toEqual([sNobody]);
  });

  it("propose_matches past a page of lines left unmatched: date_from shows the lines on or after it, and refuses a date that does not exist", async () => {
    h = await startHarness();
    const b = await bankWorld(h.app.odoo);
    for (let i = 0; i < 3; i++) await b.line(10 + i, `Bank fee ${i}`, null); // dated 2026-11-12, matching nothing
    const invoice = await b.invoice(320);
    const later = await h.app.odoo.create("account.bank.statement.line", {
      journal_id: b.journal,
      date: "2026-11-20",
      payment_ref: `Transfer ${invoice.name}`,
      amount: 320,
    });
    const page = await h.call("propose_matches", { journal: "BNK1", limit: 2 });
    expect((page.data.lines as Row[]).map((l) => l.statement_line_id)).not.toContain(later);
    expect(page.data.more).toBe(true);
    const fromDate = await h.call("propose_matches", { journal: "BNK1", limit: 2, date_from: "2026-11-15" });
    expect(fromDate.isError, fromDate.text).toBe(false);
    expect((fromDate.data.lines as Row[]).map((l) => l.statement_line_id)).toEqual([later]);
    expect(fromDate.data.more).toBe(false);
    const wrong = await h.call("propose_matches", { journal: "BNK1", date_from: "2026-02-31" });
    expect(wrong.error?.code).toBe("VALIDATION_ERROR");
    expect(wrong.error?.message).toMatch(/date_from/);
  });

  it("reconciles a batch once a person approves: exact, partial, two invoices from one line, a bill, a payment in transit; the rest of a larger line stays on suspense", async () => {
    h = await startHarness();
    const b = await bankWorld(h.app.odoo);
    const exact = await b.invoice(1000);
    const partial = await b.invoice(500);
    const first = await b.invoice(100);
    const second = await b.invoice(150);
    const larger = await b.invoice(200);
    const bill = await b.invoice(700, "in_invoice");
    const paidEarlier = await b.invoice(400);
    const payment = await b.registerPayment(paidEarlier.id);
    const lines = {
      exact: await b.line(1000, `Payment ${exact.name}`),
      partial: await b.line(300, "part payment"),
      two: await b.line(250, `${first.name} ${second.name}`),
      larger: await b.line(250, `Croissants ${larger.name}`),
      bill: await b.line(-700, "DLV-2026-118"),
      payment: await b.line(400, "wedding", null),
    };
    const matches = [
      { statement_line_id: lines.exact, invoice_ids: [exact.name] },
      { statement_line_id: lines.partial, invoice_ids: [String(partial.id)] },
      { statement_line_id: lines.two, invoice_ids: [first.name, second.name] },
      { statement_line_id: lines.larger, invoice_ids: [larger.name] },
      { statement_line_id: lines.bill, invoice_ids: [bill.name] },
      { statement_line_id: lines.payment, payment_ids: [payment.id] },
    ];
    const pending = await h.call("reconcile_bank_lines", { matches });
    expect(pending.isError, pending.text).toBe(false);
    expect(pending.data.status).toBe("pending_approval");
    // Nothing is written before the person's yes.
    expect((await b.statementLine(lines.exact)).is_reconciled).toBe(false);
    const approvalId = String(pending.data.approval_id);
    const record = await h.app.approvals.get(approvalId);
    if (!record) throw new Error("no request");
    const view = await h.app.approvals.view(record);
    const items = view.document?.items ?? [];
    expect(items).toHaveLength(6);
    expect(items[2]?.rows.map((r) => r.label)).toEqual([
      "Bank line",
      "Date",
      `Pays invoice ${first.name}`,
      `Pays invoice ${second.name}`,
    ]);
    expect(items[3]?.rows.at(-1)).toEqual({ label: "Stays on suspense", value: "50.00 USD" });

    await h.approve(approvalId);
    const done = await h.call("get_approval", { approval_id: approvalId });
    expect(done.data.status, done.text).toBe("executed");
    const output = done.data.output as { lines: Row[] };
    expect(output.lines.map((l) => l.status)).toEqual(Array(6).fill("reconciled"));
    expect(output.lines[3]).toMatchObject({ left_on_suspense: 50 });
    expect(output.lines[1]?.paid).toEqual([
      {
        kind: "invoice",
        id: partial.name,
        record_id: partial.id,
        amount: 300,
        amount_due: 200,
        payment_state: "partial",
      },
    ]);

    const states = await b.state([exact.id, partial.id, first.id, second.id, larger.id, bill.id]);
    expect(states.map((s) => s.payment_state)).toEqual(["paid", "partial", "paid", "paid", "paid", "paid"]);
    const [pay] = await h.app.odoo.read("account.payment", [payment.id], ["is_matched", "state"]);
    expect(pay).toMatchObject({ is_matched: true, state: "paid" });
    for (const [name, id] of Object.entries(lines))
      expect((await b.statementLine(id)).is_reconciled, name).toBe(name !== "larger");
    // One approval note per line, on its entry, where a person sees it.
    expect(await approvalNotes(h.app.odoo, "account.move", approvalId, "Reconciled")).toHaveLength(6);

    // Asked again (a replay): Odoo holds it, nothing is written twice.
    const again = await reconcileBankLinesOperation.findApplied(h.app.odoo, { matches }, { approvalId });
    expect(again?.lines.map((l) => l.status)).toEqual(Array(6).fill("reconciled"));
    expect(await approvalNotes(h.app.odoo, "account.move", approvalId, "Reconciled")).toHaveLength(6);
  });

  it("unreconcile_bank_line: Odoo's undo after a person's yes; the invoice is open again; a line not reconciled is refused", async () => {
    h = await startHarness();
    const b = await bankWorld(h.app.odoo);
    const invoice = await b.invoice(1000);
    const line = await b.line(1000, `Payment ${invoice.name}`);
    const made = await h.call("reconcile_bank_lines", {
      matches: [{ statement_line_id: line, invoice_ids: [invoice.name] }],
    });
    await h.approve(made.data.approval_id);
    expect((await b.state([invoice.id]))[0]?.payment_state).toBe("paid");
    const undo = await h.call("unreconcile_bank_line", { statement_line_id: line });
    expect(undo.data.status, undo.text).toBe("pending_approval");
    await h.approve(undo.data.approval_id);
    const view = await h.call("get_approval", { approval_id: undo.data.approval_id });
    expect(view.data).toMatchObject({
      status: "executed",
      output: { status: "unreconciled", statement_line_id: line, amount: 1000, open: 1000 },
    });
    expect((await b.state([invoice.id]))[0]).toMatchObject({
      payment_state: "not_paid",
      amount_residual: 1000,
    });
    expect((await b.statementLine(line)).is_reconciled).toBe(false);
    const twice = await h.call("unreconcile_bank_line", { statement_line_id: line });
    expect(twice.error?.code).toBe("INVALID_STATUS");
  });

  it("applies only the lines the person kept (keep), and finds only those as applied", async () => {
    h = await startHarness();
    const b = await bankWorld(h.app.odoo);
    const one = await b.invoice(100);
    const two = await b.invoice(200);
    const three = await b.invoice(300);
    const input = {
      matches: [
        { statement_line_id: await b.line(100, one.name), invoice_ids: [one.name] },
        { statement_line_id: await b.line(200, two.name), invoice_ids: [two.name] },
        { statement_line_id: await b.line(300, three.name), invoice_ids: [three.name] },
      ],
    };
    const odoo = h.app.odoo;
    const prepared = await reconcileBankLinesOperation.prepare(odoo, input);
    const marker = await reconcileBankLinesOperation.mark(odoo, input);
    const ref = { approvalId: "apr_keeptest", marker, bound: prepared.binding, keep: [0, 2] };
    expect(await reconcileBankLinesOperation.findApplied(odoo, input, ref)).toBeNull();
    const out = await reconcileBankLinesOperation.apply(odoo, input, ref);
    expect(out.lines.map((l) => l.status)).toEqual(["reconciled", "not_approved", "reconciled"]);
    expect((await b.state([one.id, two.id, three.id])).map((s) => s.payment_state)).toEqual([
      "paid",
      "not_paid",
      "paid",
    ]);
    const found = await reconcileBankLinesOperation.findApplied(odoo, input, ref);
    expect(found?.lines.map((l) => l.status)).toEqual(["reconciled", "not_approved", "reconciled"]);
  });

  it("refuses before any request: a line reconciled already, the same invoice twice in a batch, a bill for money that came in", async () => {
    h = await startHarness();
    const b = await bankWorld(h.app.odoo);
    const invoice = await b.invoice(100);
    const bill = await b.invoice(100, "in_invoice");
    const a = await b.line(100, "a");
    const c = await b.line(100, "c");
    const twice = await h.call("reconcile_bank_lines", {
      matches: [
        { statement_line_id: a, invoice_ids: [invoice.name] },
        { statement_line_id: c, invoice_ids: [invoice.name] },
      ],
    });
    expect(twice.error?.code).toBe("VALIDATION_ERROR");
    const wrongWay = await h.call("reconcile_bank_lines", {
      matches: [{ statement_line_id: a, invoice_ids: [bill.name] }],
    });
    expect(wrongWay.error?.code).toBe("VALIDATION_ERROR");
    expect(wrongWay.error?.message).toMatch(/paid the other way/);
    const unknown = await h.call("reconcile_bank_lines", {
      matches: [{ statement_line_id: 99999, invoice_ids: ["1"] }],
    });
    expect(unknown.error?.code).toBe("VALIDATION_ERROR");
  });
});
