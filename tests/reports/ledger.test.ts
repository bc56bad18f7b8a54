/**
 * generate_report against a ledger of several hundred entries built in the sandbox (invoices with several lines
 * and taxes, credit notes, bills, vendor refunds, partial and full payments, statement matching, capital, loan,
 * equipment, fees, cost of goods, other income, over two years). Every figure is checked against sums computed
 * here, independently, from the raw posted journal items.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "../support/harness.js";
import { buildLedger, type RawLine, rawLedger } from "./ledger-builder.js";

const cents = (value: unknown) => Math.round(Number(value) * 100);
const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
const INCOME = ["income", "income_other"];
const EXPENSE = ["expense", "expense_other", "expense_direct_cost", "expense_depreciation"];
const PL = [...INCOME, ...EXPENSE];

function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

type Details = Record<string, unknown>;

/** Runs generate_report through the real server and answers its `details`, failing the test on an error. */
async function reportDetails(h: Harness, reportType: string, start: string, end: string): Promise<Details> {
  const r = await h.call("generate_report", { report_type: reportType, start_date: start, end_date: end });
  expect(r.isError, r.text).toBe(false);
  return (r.data.data as { details: Details }).details;
}
type Row = { account_id: number; amount: number };

for (const version of [19, 18, 17] as const) {
  describe(`generate_report on a built ledger (Odoo ${version})`, () => {
    let h: Harness;
    let lines: RawLine[];
    let cashIds: number[];
    let transitIds: number[];
    const start = "2026-01-01";
    const end = "2026-12-31";

    beforeAll(async () => {
      h = await startHarness({ version });
      const built = await buildLedger(h.app.odoo, { invoices: version === 19 ? 90 : 45 });
      expect(built.moves).toBeGreaterThan(version === 19 ? 250 : 120);
      lines = await rawLedger(h.app.odoo);
      // The ledger has what the reports must get right: refunds, partial payments, several taxes on one
      // invoice, and foreign-currency items whose company-currency balance differs from their own amount.
      expect(lines.some((l) => l.amountCurrency !== l.balance)).toBe(true);
      expect(lines.some((l) => l.moveName.startsWith("RINV/"))).toBe(true);
      cashIds = [...new Set(lines.filter((l) => l.accountType === "asset_cash").map((l) => l.account))];
      transitIds = [built.accounts.get("101403") as number, built.accounts.get("101404") as number];
    }, 120_000);
    afterAll(async () => {
      await h?.close();
    });

    const inPeriod = (l: RawLine, from: string, to: string) => l.date >= from && l.date <= to;
    const plExpected = (from: string, to: string) => {
      const of = (types: string[]) =>
        sum(
          lines.filter((l) => types.includes(l.accountType) && inPeriod(l, from, to)).map((l) => l.balance),
        );
      const income = -of(["income"]);
      const otherIncome = -of(["income_other"]);
      const cor = of(["expense_direct_cost"]);
      const opex = of(["expense", "expense_other", "expense_depreciation"]);
      return { income, otherIncome, cor, opex, revenue: income + otherIncome, expenses: cor + opex };
    };

    it("profit_loss equals the ledger by account and in total", async () => {
      const r = await h.call("generate_report", {
        report_type: "profit_loss",
        start_date: start,
        end_date: end,
      });
      expect(r.isError, r.text).toBe(false);
      const exp = plExpected(start, end);
      const data = r.data.data as { revenue: number; expenses: number; net_income: number; details: Details };
      expect(r.data.report_type).toBe("profit_loss");
      expect(r.data.period).toEqual({ start_date: start, end_date: end });
      expect(Number.isNaN(Date.parse(String(r.data.generated_at)))).toBe(false);
      expect(cents(data.revenue)).toBe(exp.revenue);
      expect(cents(data.expenses)).toBe(exp.expenses);
      expect(cents(data.net_income)).toBe(exp.revenue - exp.expenses);
      expect(cents(data.details.gross_profit)).toBe(exp.income - exp.cor);
      expect(cents(data.details.total_other_income)).toBe(exp.otherIncome);
      expect(exp.otherIncome).toBeGreaterThan(0);
      expect(exp.cor).toBeGreaterThan(0);
      // By account.
      const byAccount = new Map<number, number>();
      for (const key of ["income", "other_income", "cost_of_revenue", "operating_expenses"]) {
        for (const row of (data.details[key] as { accounts: Row[] }).accounts)
          byAccount.set(row.account_id, cents(row.amount));
      }
      const expected = new Map<number, number>();
      for (const l of lines.filter((l) => PL.includes(l.accountType) && inPeriod(l, start, end))) {
        const sign = INCOME.includes(l.accountType) ? -1 : 1;
        expected.set(l.account, (expected.get(l.account) ?? 0) + sign * l.balance);
      }
      expect(byAccount).toEqual(expected);
    });

    it("balance_sheet balances and equals the ledger", async () => {
      const asOf = "2026-09-30";
      const r = await h.call("generate_report", {
        report_type: "balance_sheet",
        start_date: start,
        end_date: asOf,
      });
      expect(r.isError, r.text).toBe(false);
      const details = (r.data.data as { details: Details }).details;
      const upTo = lines.filter((l) => l.date <= asOf);
      const of = (pred: (t: string) => boolean) =>
        sum(upTo.filter((l) => pred(l.accountType)).map((l) => l.balance));
      const assets = of((t) => t.startsWith("asset_"));
      const liabilities = -of((t) => t.startsWith("liability_"));
      const equityAccounts = -of((t) => t === "equity" || t === "equity_unaffected");
      const currentYear = -sum(
        upTo.filter((l) => PL.includes(l.accountType) && l.date >= "2026-01-01").map((l) => l.balance),
      );
      const previous = -sum(
        upTo.filter((l) => PL.includes(l.accountType) && l.date < "2026-01-01").map((l) => l.balance),
      );
      expect(cents(details.total_assets)).toBe(assets);
      expect(cents(details.total_liabilities)).toBe(liabilities);
      expect(cents(details.total_equity)).toBe(equityAccounts + currentYear + previous);
      expect(assets).toBe(liabilities + equityAccounts + currentYear + previous);
      expect(details.balanced).toBe(true);
      const equity = details.equity as Details;
      expect(cents(equity.current_year_unallocated_earnings)).toBe(currentYear);
      expect(cents(equity.previous_years_unallocated_earnings)).toBe(previous);
      expect(previous).not.toBe(0);
      // Per account: every asset account's balance.
      const assetGroups = (details.assets as { groups: Array<{ accounts: Row[] }> }).groups;
      const reported = new Map(
        assetGroups.flatMap((g) => g.accounts.map((a) => [a.account_id, cents(a.amount)] as const)),
      );
      const expected = new Map<number, number>();
      for (const l of upTo.filter((l) => l.accountType.startsWith("asset_"))) {
        expected.set(l.account, (expected.get(l.account) ?? 0) + l.balance);
      }
      for (const [id, value] of expected) if (value === 0) expected.delete(id);
      expect(reported).toEqual(expected);
      // data: the requested period's income statement.
      const exp = plExpected(start, asOf);
      expect(cents((r.data.data as { revenue: number }).revenue)).toBe(exp.revenue);
    });

    it("cash_flow: opening + inflows - outflows = closing, classified by counterpart, cash in transit apart", async () => {
      const from = "2026-03-01";
      const to = "2026-10-31";
      const d = await reportDetails(h, "cash_flow", from, to);
      const all = [...cashIds, ...transitIds];
      const bal = (ids: number[], pred: (l: RawLine) => boolean) =>
        sum(lines.filter((l) => ids.includes(l.account) && pred(l)).map((l) => l.balance));
      const openingCash = bal(cashIds, (l) => l.date < from);
      const openingTransit = bal(transitIds, (l) => l.date < from);
      const closingCash = bal(cashIds, (l) => l.date <= to);
      const closingTransit = bal(transitIds, (l) => l.date <= to);
      const touching = new Set(
        lines.filter((l) => all.includes(l.account) && inPeriod(l, from, to)).map((l) => l.move),
      );
      const counterparts = lines.filter((l) => touching.has(l.move) && !all.includes(l.account));
      const cls = (t: string) =>
        ["asset_fixed", "asset_non_current"].includes(t)
          ? "investing"
          : ["liability_non_current", "equity", "equity_unaffected"].includes(t)
            ? "financing"
            : "operating";
      const flows: Record<string, { in: number; out: number }> = {
        operating: { in: 0, out: 0 },
        investing: { in: 0, out: 0 },
        financing: { in: 0, out: 0 },
      };
      for (const l of counterparts) {
        const f = flows[cls(l.accountType)] as { in: number; out: number };
        f.in += l.credit;
        f.out += l.debit;
      }
      expect(cents(d.opening_cash)).toBe(openingCash);
      expect(cents(d.opening_cash_in_transit)).toBe(openingTransit);
      expect(cents(d.closing_cash)).toBe(closingCash);
      expect(cents(d.closing_cash_in_transit)).toBe(closingTransit);
      expect(closingTransit).not.toBe(0);
      for (const key of ["operating", "investing", "financing"] as const) {
        const a = d[key] as { inflows: number; outflows: number };
        expect(cents(a.inflows), key).toBe(flows[key]?.in);
        expect(cents(a.outflows), key).toBe(flows[key]?.out);
      }
      expect(flows.financing?.out).toBeGreaterThan(0);
      expect(cents(d.opening_balance) + cents(d.inflows) - cents(d.outflows)).toBe(cents(d.closing_balance));
      expect(d.reconciles).toBe(true);
      expect(String(d.classification_rule)).toMatch(/counterpart/);
    });

    it("aged_receivables: open items per customer in buckets, with the invoices behind them", async () => {
      const asOf = "2026-12-31";
      const d = await reportDetails(h, "aged_receivables", start, asOf);
      const open = lines.filter(
        (l) => l.accountType === "asset_receivable" && l.date <= asOf && !l.reconciled && l.residual !== 0,
      );
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
        const b = bucket(daysBetween(l.dueDate ?? l.date, asOf));
        row[b] = (row[b] ?? 0) + l.residual;
        row.total = (row.total ?? 0) + l.residual;
        expected.set(l.partner, row);
      }
      const customers = d.customers as Array<Record<string, unknown> & { invoices: unknown[] }>;
      const reported = new Map(
        customers.map((c) => [
          c.partner_id as number | null,
          Object.fromEntries(
            ["not_due", "days_1_30", "days_31_60", "days_61_90", "over_90", "total"].map((k) => [
              k,
              cents(c[k]),
            ]),
          ),
        ]),
      );
      expect(reported).toEqual(expected);
      expect(sum(customers.map((c) => c.invoices.length))).toBe(open.length);
      const buckets = Object.values(d.totals as Record<string, number>);
      expect(buckets.length).toBe(6);
      const over = open.filter((l) => daysBetween(l.dueDate ?? l.date, asOf) > 30);
      expect(over.length).toBeGreaterThan(0);
    });

    it("aged_receivables at a past date counts what was open then: payments matched later are not deducted", async () => {
      const asOf = "2026-06-30";
      const d = await reportDetails(h, "aged_receivables", start, asOf);
      // Independently: each receivable item's balance less the reconciliations whose lines are all dated by then.
      const byId = new Map(lines.map((l) => [l.id, l]));
      const partials = await h.app.odoo.searchRead(
        "account.partial.reconcile",
        [],
        ["debit_move_id", "credit_move_id", "amount"],
      );
      const open = new Map<number, number>();
      for (const l of lines)
        if (l.accountType === "asset_receivable" && l.date <= asOf) open.set(l.id, l.balance);
      let later = 0;
      for (const p of partials) {
        const debit = byId.get((p.debit_move_id as [number, string])[0]);
        const credit = byId.get((p.credit_move_id as [number, string])[0]);
        if (!debit || !credit) continue;
        // biome-ignore lint/complexity/useMathMinMax: the dates are YYYY-MM-DD strings, compared as text
        const maxDate = debit.date > credit.date ? debit.date : credit.date;
        if (maxDate > asOf) {
          later += 1;
          continue;
        }
        const amount = cents(p.amount);
        if (open.has(debit.id)) open.set(debit.id, (open.get(debit.id) ?? 0) - amount);
        if (open.has(credit.id)) open.set(credit.id, (open.get(credit.id) ?? 0) + amount);
      }
      expect(later).toBeGreaterThan(0);
      const expectedTotal = sum([...open.values()]);
      const expectedCount = [...open.values()].filter((v) => v !== 0).length;
      expect(cents((d.totals as Details).total)).toBe(expectedTotal);
      expect(d.open_items).toBe(expectedCount);
      // Today's residuals would say less is owed.
      const today = sum(
        lines
          .filter((l) => l.accountType === "asset_receivable" && l.date <= asOf && !l.reconciled)
          .map((l) => l.residual),
      );
      expect(today).not.toBe(expectedTotal);
    });
  });
}
