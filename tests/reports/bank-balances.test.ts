/**
 * get_bank_balances over the sandbox, on what lab scenario 22 (odoo-recordings/19/22-bank-balances-*) did on a real
 * Odoo 19: two customer payments (500.00, 240.75) and a vendor payment (120.50) registered, a statement (ending
 * balance 870.00) with the vendor payment's line (-120.50) and a bank fee (-9.90), unreconciled. Every figure is
 * checked against the same records read plainly here; each figure is one grouped read, on 17 and 18 too (where
 * Odoo answers that formatted_read_group does not exist, and read_group is used from then on).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { OdooCall } from "../../src/mcp/odoo/types.js";
import { grantFullAccounting } from "../support/bank.js";
import { type Harness, startHarness } from "../support/harness.js";
import { registerPayment } from "./ledger-builder.js";

const cents = (value: unknown) => Math.round(Number(value) * 100);
const text = (c: number) => (c / 100).toFixed(2);
const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

async function scenario(h: Harness, version: 17 | 18 | 19): Promise<number> {
  const odoo = h.app.odoo;
  await grantFullAccounting(odoo, version);
  const [bank] = await odoo.searchRead("account.journal", [["type", "=", "bank"]], ["id"], { limit: 1 });
  const journal = bank?.id as number;
  const partner = async (name: string) =>
    (
      await odoo.call<number[]>({ model: "res.partner", method: "create", args: { vals_list: [{ name }] } })
    )[0]!;
  const document = async (moveType: string, partnerId: number, price: number) => {
    const [id] = await odoo.call<number[]>({
      model: "account.move",
      method: "create",
      args: {
        vals_list: [
          {
            move_type: moveType,
            partner_id: partnerId,
            invoice_date: "2026-11-02",
            invoice_line_ids: [
              [0, 0, { name: "Work", quantity: 1, price_unit: price, tax_ids: [[6, 0, []]] }],
            ],
          },
        ],
      },
    });
    await odoo.call({ model: "account.move", method: "action_post", ids: [id!] });
    return id!;
  };
  const pay = (moveId: number, amount: number, date: string) =>
    registerPayment(odoo, moveId, amount, date, journal);
  await pay(await document("out_invoice", await partner("Balance Customer A"), 500), 500, "2026-11-10");
  await pay(await document("out_invoice", await partner("Balance Customer B"), 240.75), 240.75, "2026-11-12");
  const vendor = await partner("Balance Vendor");
  await pay(await document("in_invoice", vendor, 120.5), 120.5, "2026-11-12");
  const lines = await odoo.call<number[]>({
    model: "account.bank.statement.line",
    method: "create",
    args: {
      vals_list: [
        {
          journal_id: journal,
          date: "2026-11-14",
          amount: -120.5,
          payment_ref: "BAL-0001",
          partner_id: vendor,
        },
        { journal_id: journal, date: "2026-11-14", amount: -9.9, payment_ref: "Bank fee November" },
      ],
    },
  });
  await odoo.call({
    model: "account.bank.statement",
    method: "create",
    args: {
      vals_list: [
        { name: "Statement 2026-11", balance_start: 1000, balance_end_real: 870, line_ids: [[6, 0, lines]] },
      ],
    },
  });
  return journal;
}

for (const version of [19, 18, 17] as const) {
  describe(`get_bank_balances on Odoo ${version}`, () => {
    let h: Harness;
    let journal: number;
    beforeAll(async () => {
      h = await startHarness({ version });
      journal = await scenario(h, version);
    }, 60_000);
    afterAll(async () => {
      await h?.close();
    });

    it("answers the books, the last statement, unreconciled lines and payments in transit, as the records say", async () => {
      const spy = vi.spyOn(h.app.odoo, "call");
      const r = await h.call("get_bank_balances", {});
      const calls = spy.mock.calls.map(([call]) => call as OdooCall);
      spy.mockRestore();
      expect(r.isError, r.text).toBe(false);
      const [j] = (r.data as { journals: Array<Record<string, unknown>> }).journals;

      // The same records, read plainly.
      const odoo = h.app.odoo;
      const [meta] = await odoo.read("account.journal", [journal], ["default_account_id"]);
      const bankAccount = (meta?.default_account_id as [number, string] | undefined)?.[0];
      const items = await odoo.searchRead(
        "account.move.line",
        [
          ["account_id", "=", bankAccount],
          ["parent_state", "=", "posted"],
        ],
        ["balance", "statement_line_id"],
      );
      const statementLines = await odoo.searchRead(
        "account.bank.statement.line",
        [["journal_id", "=", journal]],
        ["amount", "is_reconciled"],
      );
      const payments = await odoo.searchRead(
        "account.payment",
        [["journal_id", "=", journal]],
        ["amount", "payment_type", "is_matched"],
      );
      const books = sum(items.map((l) => cents(l.balance)));
      const open = statementLines.filter((l) => l.is_reconciled === false);
      const unmatched = (type: string) =>
        payments.filter((p) => p.payment_type === type && p.is_matched === false);
      const incoming = sum(unmatched("inbound").map((p) => cents(p.amount)));
      const outgoing = sum(unmatched("outbound").map((p) => cents(p.amount)));

      expect(j).toEqual({
        journal_id: journal,
        name: "Bank",
        type: "bank",
        currency: "USD",
        books: text(books),
        last_statement: { name: "Statement 2026-11", date: "2026-11-14", balance: "870.00" },
        unreconciled: { count: open.length, amount: text(sum(open.map((l) => cents(l.amount)))) },
        incoming: { count: unmatched("inbound").length, amount: text(incoming) },
        outgoing: { count: unmatched("outbound").length, amount: text(outgoing) },
        after_clearing: text(books + incoming - outgoing),
      });
      // What the lab's Odoo 19 answered to the same records.
      expect(j).toMatchObject({
        books: "-130.40",
        unreconciled: { count: 2, amount: "-130.40" },
        incoming: { count: 2, amount: "740.75" },
        outgoing: { count: 1, amount: "120.50" },
        after_clearing: "489.85",
      });

      // One grouped read per figure: nothing reads items, lines or payments one by one.
      const grouped = calls.filter((c) => c.method === "formatted_read_group" || c.method === "read_group");
      const plain = calls.filter((c) => c.method === "search_read" || c.method === "read");
      for (const model of ["account.move.line", "account.payment", "account.bank.statement.line"])
        expect(plain.map((c) => c.model)).not.toContain(model);
      if (version === 19) expect(grouped.every((c) => c.method === "formatted_read_group")).toBe(true);
      else {
        // Asked, not assumed: the first grouped read tries formatted_read_group, Odoo says it has none.
        expect(grouped.filter((c) => c.method === "formatted_read_group")).toHaveLength(1);
        expect(grouped.filter((c) => c.method === "read_group")).toHaveLength(4);
      }
    });

    it("cash_flow: cash at bank reconciled apart from unreconciled statement lines and payments in transit", async () => {
      const r = await h.call("generate_report", {
        report_type: "cash_flow",
        start_date: "2026-01-01",
        end_date: "2026-12-31",
        format: "pdf",
      });
      expect(r.isError, r.text).toBe(false);
      const d = (r.data.data as { details: Record<string, unknown> }).details;
      const odoo = h.app.odoo;
      const open = await odoo.searchRead(
        "account.bank.statement.line",
        [["is_reconciled", "=", false]],
        ["amount"],
      );
      const payments = await odoo.searchRead(
        "account.payment",
        [["is_matched", "=", false]],
        ["amount_company_currency_signed"],
      );
      const unreconciled = sum(open.map((l) => cents(l.amount)));
      expect(cents(d.closing_cash_unreconciled)).toBe(unreconciled);
      expect(d.unreconciled_statement_lines).toBe(open.length);
      expect(cents(d.closing_cash_reconciled)).toBe(cents(d.closing_cash) - unreconciled);
      expect(cents(d.closing_cash_in_transit)).toBe(
        sum(payments.map((p) => cents(p.amount_company_currency_signed))),
      );
      // The lab's figures for the same records.
      expect(d).toMatchObject({
        closing_cash: -130.4,
        closing_cash_unreconciled: -130.4,
        closing_cash_reconciled: 0,
        unreconciled_statement_lines: 2,
        closing_cash_in_transit: 620.25,
      });
      expect(String(d.cash_at_bank_rule)).toContain("Payments in transit are payments registered in Odoo");
      const pdf = r.data.pdf as { path: string };
      const { execFileSync } = await import("node:child_process");
      const printed = execFileSync("pdftotext", ["-layout", pdf.path, "-"], { encoding: "utf8" });
      expect(printed).toMatch(/Cash at bank, reconciled\s+0\.00/);
      expect(printed).toMatch(/Bank statement lines not yet reconciled \(2\)\s+-130\.40/);
      expect(printed).toMatch(/payments in transit \(registered, not matched with the bank\)\s+620\.25/);
    });
  });
}

describe("get_bank_balances without statements or payments", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ version: 19 });
  });
  afterAll(async () => {
    await h?.close();
  });

  it("answers zeros and no statement, not an error", async () => {
    const r = await h.call("get_bank_balances", {});
    expect(r.isError, r.text).toBe(false);
    const [j] = (r.data as { journals: Array<Record<string, unknown>> }).journals;
    expect(j).toMatchObject({
      last_statement: null,
      unreconciled: { count: 0, amount: "0.00" },
      incoming: { count: 0, amount: "0.00" },
      outgoing: { count: 0, amount: "0.00" },
    });
    expect(j?.after_clearing).toBe(j?.books);
  });
});
