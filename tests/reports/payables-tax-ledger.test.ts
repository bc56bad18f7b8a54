/**
 * aged_payables, tax_summary and general_ledger against a ledger built in the sandbox: every figure equals sums
 * computed here, independently, from the raw posted journal items; the ledger's pages hold every item exactly
 * once with a running balance that continues from page to page; the account code and the cursor are validated.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LEDGER_PAGE } from "../../src/mcp/reports/account-ledger.js";
import { type Harness, startHarness } from "../support/harness.js";
import { buildLedger, type RawLine, rawLedger } from "./ledger-builder.js";

const cents = (value: unknown) => Math.round(Number(value) * 100);
const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
type Details = Record<string, unknown>;

function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}
const bucket = (days: number) =>
  days <= 0
    ? "not_due"
    : days <= 30
      ? "days_1_30"
      : days <= 60
        ? "days_31_60"
        : days <= 90
          ? "days_61_90"
          : "over_90";

for (const version of [19, 18, 17] as const) {
  describe(`aged_payables, tax_summary, general_ledger on a built ledger (Odoo ${version})`, () => {
    let h: Harness;
    let lines: RawLine[];
    const start = "2026-01-01";
    const end = "2026-12-31";

    beforeAll(async () => {
      h = await startHarness({ version });
      await buildLedger(h.app.odoo, { invoices: 90 });
      lines = await rawLedger(h.app.odoo);
    }, 120_000);
    afterAll(async () => {
      await h?.close();
    });

    const report = async (args: Record<string, unknown>): Promise<Details> => {
      const r = await h.call("generate_report", { start_date: start, end_date: end, ...args });
      expect(r.isError, r.text).toBe(false);
      return (r.data.data as { details: Details }).details;
    };

    it("aged_payables: what is owed per vendor in buckets, the bills behind it", async () => {
      const d = await report({ report_type: "aged_payables" });
      const open = lines.filter(
        (l) => l.accountType === "liability_payable" && l.date <= end && !l.reconciled && l.residual !== 0,
      );
      expect(open.length).toBeGreaterThan(0);
      const expected = new Map<number | null, Record<string, number>>();
      for (const l of open) {
        const row = expected.get(l.partner) ?? {
          not_due: 0,
          days_1_30: 0,
          days_31_60: 0,
          days_61_90: 0,
          over_90: 0,
          total: 0,
        };
        const b = bucket(daysBetween(l.dueDate ?? l.date, end));
        // Owed: the credit balance, positive.
        row[b] = (row[b] ?? 0) - l.residual;
        row.total = (row.total ?? 0) - l.residual;
        expected.set(l.partner, row);
      }
      const vendors = d.vendors as Array<Record<string, unknown> & { bills: Array<{ amount_due: number }> }>;
      const reported = new Map(
        vendors.map((v) => [
          v.partner_id as number | null,
          Object.fromEntries(
            ["not_due", "days_1_30", "days_31_60", "days_61_90", "over_90", "total"].map((k) => [
              k,
              cents(v[k]),
            ]),
          ),
        ]),
      );
      expect(reported).toEqual(expected);
      expect(sum(vendors.map((v) => v.bills.length))).toBe(open.length);
      expect(cents((d.totals as Details).total)).toBe(-sum(open.map((l) => l.residual)));
      expect(d.customers).toBeUndefined();
    });

    // The ledger built for 19 has bills paid on a later day (the reconciliation logic is aged receivables', tested
    // there on every version).
    if (version === 19)
      it("aged_payables at a past date: payments matched later are not deducted", async () => {
        const byId = new Map(lines.map((l) => [l.id, l]));
        const partials = (
          await h.app.odoo.searchRead(
            "account.partial.reconcile",
            [],
            ["debit_move_id", "credit_move_id", "amount"],
          )
        ).map((p) => ({
          debit: byId.get((p.debit_move_id as [number, string])[0]),
          credit: byId.get((p.credit_move_id as [number, string])[0]),
          amount: cents(p.amount),
        }));
        const onPayables = partials.filter(
          (p) =>
            p.debit?.accountType === "liability_payable" || p.credit?.accountType === "liability_payable",
        );
        // A date between a bill and its later payment.
        const split = onPayables.find((p) => p.debit && p.credit && p.debit.date !== p.credit.date);
        expect(split).toBeDefined();
        const dates = [split?.debit?.date ?? "", split?.credit?.date ?? ""].sort();
        const asOf = dates[0] ?? "";
        const d = await report({ report_type: "aged_payables", start_date: asOf, end_date: asOf });
        const open = new Map<number, number>();
        for (const l of lines)
          if (l.accountType === "liability_payable" && l.date <= asOf) open.set(l.id, l.balance);
        for (const p of partials) {
          if (!p.debit || !p.credit) continue;
          if (p.debit.date > asOf || p.credit.date > asOf) continue;
          if (open.has(p.debit.id)) open.set(p.debit.id, (open.get(p.debit.id) ?? 0) - p.amount);
          if (open.has(p.credit.id)) open.set(p.credit.id, (open.get(p.credit.id) ?? 0) + p.amount);
        }
        expect(cents((d.totals as Details).total)).toBe(-sum([...open.values()]));
        expect(d.open_items).toBe([...open.values()].filter((v) => v !== 0).length);
        // Today's residuals would say less is owed.
        const today = lines
          .filter((l) => l.accountType === "liability_payable" && l.date <= asOf && !l.reconciled)
          .map((l) => l.residual);
        expect(-sum(today)).not.toBe(-sum([...open.values()]));
      });

    it("tax_summary: per tax, base and tax from the journal items; collected, paid, net due", async () => {
      const d = await report({ report_type: "tax_summary" });
      const taxes = await h.app.odoo.searchRead("account.tax", [], ["type_tax_use"], {
        context: { active_test: false },
      });
      const use = new Map(taxes.map((t) => [t.id as number, String(t.type_tax_use)]));
      const inPeriod = lines.filter((l) => l.date >= start && l.date <= end);
      const expected = (kind: string) => {
        const sign = kind === "sale" ? -1 : 1;
        const ids = [...use].filter(([, u]) => u === kind).map(([id]) => id);
        return ids
          .map((id) => ({
            tax_id: id,
            base: sign * sum(inPeriod.filter((l) => l.taxes.includes(id)).map((l) => l.balance)) || 0,
            tax: sign * sum(inPeriod.filter((l) => l.taxLine === id).map((l) => l.balance)) || 0,
          }))
          .filter((t) => inPeriod.some((l) => l.taxLine === t.tax_id || l.taxes.includes(t.tax_id)));
      };
      type Section = {
        taxes: Array<{ tax_id: number; base: number; tax: number }>;
        base: number;
        tax: number;
      };
      const got = (s: Section) =>
        s.taxes
          .map((t) => ({ tax_id: t.tax_id, base: cents(t.base), tax: cents(t.tax) }))
          .sort((a, b) => a.tax_id - b.tax_id);
      const sales = d.sales as Section;
      const purchases = d.purchases as Section;
      expect(got(sales)).toEqual(expected("sale"));
      expect(got(purchases)).toEqual(expected("purchase"));
      expect(sales.taxes.length).toBeGreaterThan(0);
      expect(purchases.taxes.length).toBeGreaterThan(0);
      const collected = sum(expected("sale").map((t) => t.tax));
      const paid = sum(expected("purchase").map((t) => t.tax));
      expect(cents(d.tax_collected)).toBe(collected);
      expect(cents(d.tax_paid)).toBe(paid);
      expect(cents(d.net_due)).toBe(collected - paid);
      expect(cents(sales.base)).toBe(sum(expected("sale").map((t) => t.base)));
    });

    it("general_ledger: opening, every item once across pages, a continuous running balance, closing", async () => {
      // The account with the most items in the period: it takes several pages.
      const counts = new Map<number, number>();
      for (const l of lines)
        if (l.date >= start && l.date <= end) counts.set(l.account, (counts.get(l.account) ?? 0) + 1);
      const [accountId, count] = [...counts].sort((a, b) => b[1] - a[1])[0] as [number, number];
      expect(count).toBeGreaterThan(LEDGER_PAGE);
      const [account] = await h.app.odoo.read("account.account", [accountId], ["code"]);
      const code = String(account?.code);
      const expectedItems = lines
        .filter((l) => l.account === accountId && l.date >= start && l.date <= end)
        .sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : a.id - b.id));
      const opening = sum(
        lines.filter((l) => l.account === accountId && l.date < start).map((l) => l.balance),
      );

      const seen: Array<{ line_id: number; debit: number; credit: number; balance: number; date: string }> =
        [];
      let cursor: string | undefined;
      let pages = 0;
      let carried = opening;
      for (;;) {
        const d = await report({
          report_type: "general_ledger",
          account_code: code,
          ...(cursor ? { cursor } : {}),
        });
        pages += 1;
        const page = d.page as {
          balance_brought_forward: number;
          balance_carried_forward: number;
          has_more: boolean;
          next_cursor: string | null;
        };
        expect(cents(d.opening_balance)).toBe(opening);
        expect(d.item_count).toBe(expectedItems.length);
        expect(cents(page.balance_brought_forward)).toBe(carried);
        const items = d.items as typeof seen;
        let running = carried;
        for (const item of items) {
          running += cents(item.debit) - cents(item.credit);
          expect(cents(item.balance)).toBe(running);
        }
        expect(cents(page.balance_carried_forward)).toBe(running);
        carried = running;
        seen.push(...items);
        if (!page.has_more) {
          expect(page.next_cursor).toBeNull();
          expect(cents(d.closing_balance)).toBe(opening + sum(expectedItems.map((l) => l.balance)));
          expect(cents(d.closing_balance)).toBe(running);
          break;
        }
        expect(items.length).toBe(LEDGER_PAGE);
        cursor = page.next_cursor ?? undefined;
        expect(pages).toBeLessThan(50);
      }
      expect(pages).toBe(Math.ceil(expectedItems.length / LEDGER_PAGE));
      expect(seen.map((i) => i.line_id)).toEqual(expectedItems.map((l) => l.id));
      expect(seen.map((i) => cents(i.debit) - cents(i.credit))).toEqual(expectedItems.map((l) => l.balance));
    });

    it("general_ledger: an unknown code, a missing code, a forged cursor, and ledger fields on other types are VALIDATION_ERROR", async () => {
      const unknown = await h.call("generate_report", {
        report_type: "general_ledger",
        start_date: start,
        end_date: end,
        account_code: "121999",
      });
      expect(unknown.error?.code).toBe("VALIDATION_ERROR");
      expect(unknown.text).toContain("121999");
      expect(JSON.stringify(unknown.error)).toContain("121000");
      const missing = await h.call("generate_report", {
        report_type: "general_ledger",
        start_date: start,
        end_date: end,
      });
      expect(missing.error?.code).toBe("VALIDATION_ERROR");
      for (const cursor of ["2026-13-01/5", "abc", "2026-01-01/0", "2026-01-01/5 OR 1=1"]) {
        const r = await h.call("generate_report", {
          report_type: "general_ledger",
          start_date: start,
          end_date: end,
          account_code: "121000",
          cursor,
        });
        expect(r.error?.code, cursor).toBe("VALIDATION_ERROR");
      }
      const elsewhere = await h.call("generate_report", {
        report_type: "profit_loss",
        start_date: start,
        end_date: end,
        account_code: "121000",
      });
      expect(elsewhere.error?.code).toBe("VALIDATION_ERROR");
    });
  });
}
