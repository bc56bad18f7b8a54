import { isoDecimals, moneyText } from "../../shared/money-text.js";
import { t } from "../../ui/text.js";
import { BarChart, type BarGroup } from "./chart.js";
import { MAX_MONTHS, monthsOf } from "./months.js";
import {
  agedDetails,
  BUCKETS,
  balanceSheetDetails,
  cashFlowDetails,
  generalLedgerDetails,
  type MonthFigures,
  profitLossDetails,
  type Report,
  taxSummaryDetails,
} from "./shapes.js";

const TITLES: Record<Report["report_type"], string> = {
  profit_loss: "Profit and Loss",
  balance_sheet: "Balance Sheet",
  cash_flow: "Cash Flow Statement",
  aged_receivables: "Aged Receivables",
  aged_payables: "Aged Payables",
  tax_summary: "Tax Summary",
  general_ledger: "General Ledger",
};
const BUCKET_TITLES = ["Not due", "1-30", "31-60", "61-90", "Over 90"];

/** The months' figures as they stand: still asked for, asked and answered, or what stopped them. */
export type Monthly =
  | { state: "loading" }
  | { state: "done"; months: MonthFigures[] }
  | { state: "failed"; message: string };

/**
 * Amounts as every surface writes them: "1,719.25 USD" (money-text.ts), escaped, with the currency's decimals (the
 * report's JSON names the currency, not its decimals: ISO 4217's, "1,720 JPY").
 */
const writer = (currency: string) => {
  const decimals = isoDecimals(currency);
  return (amount: number) => t(moneyText(amount, currency, decimals), 60);
};

type Line = { label: string; amount: number; strong?: boolean; indent?: boolean };

function Statement({
  caption,
  lines,
  money,
}: {
  caption: string;
  lines: Line[];
  money: (n: number) => string;
}) {
  return (
    <table className="statement" aria-label={caption}>
      <caption>{t(caption, 120)}</caption>
      <tbody>
        {lines.map((line, index) => (
          <tr
            // biome-ignore lint/suspicious/noArrayIndexKey: a statement's lines are in reading order
            key={index}
            className={line.strong ? "strong" : line.indent ? "indent" : undefined}
          >
            <th scope="row">{t(line.label, 160)}</th>
            <td className="num nowrap">{money(line.amount)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

const accountLines = (accounts: { code: string; name: string; amount: number }[]): Line[] =>
  accounts.map((a) => ({ label: a.code ? `${a.code} ${a.name}` : a.name, amount: a.amount, indent: true }));

function ProfitLoss({
  report,
  monthly,
  money,
}: {
  report: Report;
  monthly: Monthly;
  money: (n: number) => string;
}) {
  const d = profitLossDetails.parse(report.data.details);
  const section = (
    title: string,
    s: { accounts: { code: string; name: string; amount: number }[]; total: number },
  ) => [{ label: title, amount: s.total, strong: true }, ...accountLines(s.accounts)];
  const months = monthsOf(report.period.start_date, report.period.end_date).length;
  return (
    <>
      {monthly.state === "loading" && <p className="muted">Asking Odoo for each month…</p>}
      {monthly.state === "failed" && (
        <p className="alert alert-warning">
          Revenue and expenses by month cannot be shown: {t(monthly.message, 300)}
        </p>
      )}
      {monthly.state === "done" && (
        <BarChart
          title={`Revenue and expenses by month${months > MAX_MONTHS ? ` (the first ${MAX_MONTHS} months)` : ""}`}
          groups={monthly.months.map(
            (m): BarGroup => ({
              label: m.label,
              bars: [
                [{ series: "Revenue", value: m.revenue, text: money(m.revenue) }],
                [{ series: "Expenses", value: m.expenses, text: money(m.expenses) }],
              ],
            }),
          )}
        />
      )}
      <Statement
        caption="Profit and Loss"
        money={money}
        lines={[
          ...section("Income", d.income),
          ...section("Cost of Revenue", d.cost_of_revenue),
          { label: "Gross Profit", amount: d.gross_profit, strong: true },
          ...section("Other Income", d.other_income),
          ...section("Expenses", d.operating_expenses),
          { label: "Net Income", amount: d.net_income, strong: true },
        ]}
      />
    </>
  );
}

function BalanceSheet({ report, money }: { report: Report; money: (n: number) => string }) {
  const d = balanceSheetDetails.parse(report.data.details);
  const groups = (side: { groups: { label: string; total: number }[] }) =>
    side.groups.map((g) => ({ series: g.label, value: g.total, text: money(g.total) }));
  const earnings = [
    {
      label: "Previous years' unallocated earnings",
      amount: d.equity.previous_years_unallocated_earnings,
      indent: true,
    },
    {
      label: "Current year unallocated earnings",
      amount: d.equity.current_year_unallocated_earnings,
      indent: true,
    },
  ];
  const sideLines = (title: string, side: typeof d.assets, extra: Line[] = []) => [
    { label: title, amount: side.total, strong: true },
    ...side.groups.flatMap((g) => [{ label: g.label, amount: g.total }, ...accountLines(g.accounts)]),
    ...extra,
  ];
  return (
    <>
      <BarChart
        title={`The two sides as of ${d.as_of}`}
        groups={[
          { label: "Assets", bars: [groups(d.assets)] },
          {
            label: "Liab. + equity",
            bars: [
              [
                ...groups(d.liabilities),
                ...groups(d.equity),
                ...earnings.map((e) => ({ series: e.label, value: e.amount, text: money(e.amount) })),
              ],
            ],
          },
        ]}
      />
      {!d.balanced && (
        <p className="alert alert-danger" role="alert">
          Assets do not equal liabilities and equity in Odoo's ledger.
        </p>
      )}
      <Statement
        caption={`Balance Sheet as of ${d.as_of}`}
        money={money}
        lines={[
          ...sideLines("Assets", d.assets),
          ...sideLines("Liabilities", d.liabilities),
          ...sideLines("Equity", d.equity, earnings),
          { label: "Liabilities and equity", amount: d.total_liabilities_and_equity, strong: true },
        ]}
      />
    </>
  );
}

function Aged({ report, money }: { report: Report; money: (n: number) => string }) {
  const d = agedDetails.parse(report.data.details);
  const payables = report.report_type === "aged_payables";
  const title = TITLES[report.report_type];
  const parties = (payables ? d.vendors : d.customers) ?? [];
  return (
    <>
      <BarChart
        title={`${payables ? "Owed to vendors" : "Open receivables"} by days past due, as of ${d.as_of}`}
        groups={BUCKETS.map((key, i) => ({
          label: BUCKET_TITLES[i] ?? key,
          bars: [[{ series: "Open", value: d.totals[key], text: money(d.totals[key]) }]],
        }))}
      />
      <table className="statement aged" aria-label={title}>
        <caption>{`${title} as of ${t(d.as_of, 20)} (days past due)`}</caption>
        <thead>
          <tr>
            <th>{payables ? "Vendor" : "Customer"}</th>
            {BUCKET_TITLES.map((title) => (
              <th key={title} className="num">
                {title}
              </th>
            ))}
            <th className="num">Total</th>
          </tr>
        </thead>
        <tbody>
          {[...parties, { ...d.totals, name: "Total" }].map((row, index) => (
            <tr
              // biome-ignore lint/suspicious/noArrayIndexKey: parties in the report's order, the total last
              key={index}
              className={index === parties.length ? "strong" : undefined}
            >
              <th scope="row">{t(row.name, 120)}</th>
              {BUCKETS.map((key) => (
                <td key={key} className="num nowrap">
                  {money(row[key])}
                </td>
              ))}
              <td className="num nowrap">{money(row.total)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

function TaxSummary({ report, money }: { report: Report; money: (n: number) => string }) {
  const d = taxSummaryDetails.parse(report.data.details);
  const sections = [
    ["Sales taxes (collected)", d.sales],
    ["Purchase taxes (paid)", d.purchases],
    ...(d.other ? [["Other taxes (not in the totals)", d.other] as const] : []),
  ] as const;
  return (
    <>
      {sections.map(([caption, section]) => (
        <table key={caption} className="statement" aria-label={caption}>
          <caption>{caption}</caption>
          <thead>
            <tr>
              <th>Tax</th>
              <th className="num">Base</th>
              <th className="num">Tax</th>
            </tr>
          </thead>
          <tbody>
            {[...section.taxes, { name: "Total", base: section.base, tax: section.tax }].map((row, index) => (
              <tr
                // biome-ignore lint/suspicious/noArrayIndexKey: taxes in the report's order, the total last
                key={index}
                className={index === section.taxes.length ? "strong" : undefined}
              >
                <th scope="row">{t(row.name, 120)}</th>
                <td className="num nowrap">{money(row.base)}</td>
                <td className="num nowrap">{money(row.tax)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ))}
      <Statement
        caption="Tax due"
        money={money}
        lines={[
          { label: "Tax collected on sales", amount: d.tax_collected },
          { label: "Tax paid on purchases", amount: d.tax_paid },
          { label: "Net tax due", amount: d.net_due, strong: true },
        ]}
      />
    </>
  );
}

function GeneralLedger({ report, money }: { report: Report; money: (n: number) => string }) {
  const d = generalLedgerDetails.parse(report.data.details);
  const first = d.page.first_item ?? 0;
  const caption = `${d.account.code} ${d.account.name}: ${
    d.items.length === 0 ? "no items" : `items ${first}-${first + d.items.length - 1}`
  } of ${d.item_count}`;
  const amount = (n: number) => (n === 0 ? "" : money(n));
  return (
    <>
      <table className="statement ledger" aria-label="General Ledger">
        <caption>{t(caption, 200)}</caption>
        <thead>
          <tr>
            <th>Date</th>
            <th>Entry</th>
            <th>Journal</th>
            <th>Partner</th>
            <th>Label</th>
            <th className="num">Debit</th>
            <th className="num">Credit</th>
            <th className="num">Balance</th>
          </tr>
        </thead>
        <tbody>
          <tr className="strong">
            <th scope="row" colSpan={7}>
              {first > 1 ? "Balance brought forward" : "Opening balance"}
            </th>
            <td className="num nowrap">{money(d.page.balance_brought_forward)}</td>
          </tr>
          {d.items.map((item, index) => (
            <tr
              // biome-ignore lint/suspicious/noArrayIndexKey: items in the ledger's order
              key={index}
            >
              <td className="nowrap">{t(item.date, 20)}</td>
              <td className="nowrap">{t(item.move, 60)}</td>
              <td>{t(item.journal, 60)}</td>
              <td>{t(item.partner ?? "", 80)}</td>
              <td>{t(item.label, 120)}</td>
              <td className="num nowrap">{amount(item.debit)}</td>
              <td className="num nowrap">{amount(item.credit)}</td>
              <td className="num nowrap">{money(item.balance)}</td>
            </tr>
          ))}
          <tr className="strong">
            <th scope="row" colSpan={7}>
              {d.page.has_more ? "Balance carried forward" : "Closing balance"}
            </th>
            <td className="num nowrap">
              {money(d.page.has_more ? d.page.balance_carried_forward : d.closing_balance)}
            </td>
          </tr>
        </tbody>
      </table>
      {d.page.has_more && <p className="muted">More items follow: the next page is asked with its cursor.</p>}
    </>
  );
}

function CashFlow({ money, report }: { report: Report; money: (n: number) => string }) {
  const d = cashFlowDetails.parse(report.data.details);
  const activities = [
    ["Operating", d.operating],
    ["Investing", d.investing],
    ["Financing", d.financing],
  ] as const;
  return (
    <>
      <BarChart
        title="Cash in and out by activity"
        groups={activities.map(([label, a]) => ({
          label,
          bars: [
            [{ series: "In", value: a.inflows, text: money(a.inflows) }],
            [{ series: "Out", value: a.outflows, text: money(a.outflows) }],
          ],
        }))}
      />
      <Statement
        caption="Cash Flow"
        money={money}
        lines={[
          { label: "Opening balance", amount: d.opening_balance, strong: true },
          ...activities.flatMap(([label, a]) => [
            { label: `${label}: in`, amount: a.inflows, indent: true },
            { label: `${label}: out`, amount: -a.outflows, indent: true },
          ]),
          { label: "Net change", amount: d.net_change, strong: true },
          ...(d.closing_cash_reconciled !== undefined && d.closing_cash_unreconciled !== undefined
            ? [
                { label: "Cash at bank, reconciled", amount: d.closing_cash_reconciled, indent: true },
                {
                  label: `Bank statement lines not yet reconciled (${d.unreconciled_statement_lines ?? 0})`,
                  amount: d.closing_cash_unreconciled,
                  indent: true,
                },
              ]
            : [{ label: "Cash at bank", amount: d.closing_cash, indent: true }]),
          {
            label: "Payments in transit (registered, not matched with the bank)",
            amount: d.closing_cash_in_transit,
            indent: true,
          },
          { label: "Closing balance", amount: d.closing_balance, strong: true },
        ]}
      />
      <p className="muted">
        Payments in transit are registered in Odoo but not yet matched with a bank statement line: not at the
        bank as far as Odoo knows.
      </p>
      {!d.reconciles && (
        <p className="alert alert-danger" role="alert">
          Opening balance and flows do not add up to the closing balance in Odoo's ledger.
        </p>
      )}
    </>
  );
}

/** A statement as a person would rather read it than its JSON: its charts, then its table. */
export function ReportView({ report, monthly }: { report: Report; monthly: Monthly }) {
  const money = writer(report.currency);
  const { start_date, end_date } = report.period;
  return (
    <article className="detail app-card report" aria-label="Report">
      <header className="detail-head">
        <div>
          <span className="tool-badge">{TITLES[report.report_type]}</span>
          <h2>{t(report.company, 160)}</h2>
          <p className="muted">
            {t(start_date, 20)} to {t(end_date, 20)} · amounts in {t(report.currency, 10)}
          </p>
        </div>
        {/* revenue, expenses and net_income are the period's income statement whatever the type: shown beside it. */}
        {report.report_type === "profit_loss" && (
          <dl className="figures">
            <dt>Revenue</dt>
            <dd data-testid="revenue">{money(report.data.revenue)}</dd>
            <dt>Expenses</dt>
            <dd data-testid="expenses">{money(report.data.expenses)}</dd>
            <dt>Net income</dt>
            <dd data-testid="net-income">{money(report.data.net_income)}</dd>
          </dl>
        )}
      </header>
      {report.report_type === "profit_loss" && <ProfitLoss report={report} monthly={monthly} money={money} />}
      {report.report_type === "balance_sheet" && <BalanceSheet report={report} money={money} />}
      {(report.report_type === "aged_receivables" || report.report_type === "aged_payables") && (
        <Aged report={report} money={money} />
      )}
      {report.report_type === "tax_summary" && <TaxSummary report={report} money={money} />}
      {report.report_type === "general_ledger" && <GeneralLedger report={report} money={money} />}
      {report.report_type === "cash_flow" && <CashFlow report={report} money={money} />}
    </article>
  );
}
