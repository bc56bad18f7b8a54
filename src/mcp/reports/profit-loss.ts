/**
 * Profit and loss for a period: income (`income`, `income_other`) and expenses (`expense_direct_cost`,
 * `expense`, `expense_depreciation`, `expense_other`) by account, from one grouped sum of posted journal items.
 * Income is shown positive (credit balance), expenses positive (debit balance). Gross profit = operating income -
 * cost of revenue; net income = all income - all expenses.
 */
import { ToolError } from "../errors.js";
import { sumMinor } from "../money.js";
import { type AccountAmount, accountAmount, accountLabel, money, num } from "./format.js";
import { type Account, type AccountType, type Ledger, PROFIT_LOSS_TYPES, withAccounts } from "./ledger.js";
import type { ComputedReport, DocRow, DocTable, ReportRequest } from "./types.js";

interface Section {
  key: string;
  title: string;
  types: readonly AccountType[];
  /** +1: shown as credit balance (income); -1 shown as debit balance (expenses). */
  income: boolean;
}

const SECTIONS: readonly Section[] = [
  { key: "income", title: "Income", types: ["income"], income: true },
  { key: "cost_of_revenue", title: "Cost of Revenue", types: ["expense_direct_cost"], income: false },
  { key: "other_income", title: "Other Income", types: ["income_other"], income: true },
  {
    key: "operating_expenses",
    title: "Expenses",
    types: ["expense", "expense_depreciation", "expense_other"],
    income: false,
  },
];

export interface ProfitLossFigures {
  sections: Array<{ section: Section; lines: Array<{ account: Account; amount: bigint }>; total: bigint }>;
  income: bigint;
  costOfRevenue: bigint;
  otherIncome: bigint;
  operatingExpenses: bigint;
  revenue: bigint;
  expenses: bigint;
  grossProfit: bigint;
  netIncome: bigint;
  items: number;
}

/** The period's income statement figures (one grouped call, one read of the accounts involved). */
export async function profitLossFigures(
  ledger: Ledger,
  start: string | null,
  end: string,
): Promise<ProfitLossFigures> {
  const rows = await ledger.sums(
    [
      ...(start === null ? [] : [["date", ">=", start] as [string, string, unknown]]),
      ["date", "<=", end],
      ["account_id.account_type", "in", [...PROFIT_LOSS_TYPES]],
    ],
    "account_id",
  );
  const accounts = await withAccounts(ledger, rows);
  const sections = SECTIONS.map((section) => {
    const lines = accounts
      .filter((row) => row.account.type !== null && section.types.includes(row.account.type))
      .map((row) => ({ account: row.account, amount: section.income ? -row.balance : row.balance }));
    return { section, lines, total: sumMinor(lines.map((line) => line.amount)) };
  });
  const total = (key: string) => sections.find((s) => s.section.key === key)?.total ?? 0n;
  const income = total("income");
  const costOfRevenue = total("cost_of_revenue");
  const otherIncome = total("other_income");
  const operatingExpenses = total("operating_expenses");
  const revenue = income + otherIncome;
  const expenses = costOfRevenue + operatingExpenses;
  return {
    sections,
    income,
    costOfRevenue,
    otherIncome,
    operatingExpenses,
    revenue,
    expenses,
    grossProfit: income - costOfRevenue,
    netIncome: revenue - expenses,
    items: rows.reduce((count, row) => count + row.count, 0),
  };
}

export async function profitLoss(request: ReportRequest): Promise<ComputedReport> {
  const { ledger, start, end } = request;
  const d = ledger.decimals;
  await request.step("Summing income and expense accounts");
  const figures = await profitLossFigures(ledger, start, end);
  if (figures.items === 0) {
    throw new ToolError(
      "NO_DATA",
      `No posted income or expense journal items between ${start} and ${end}; there is no profit and loss to report.`,
    );
  }
  const sectionDetails: Record<string, { accounts: AccountAmount[]; total: number }> = {};
  for (const { section, lines, total } of figures.sections) {
    sectionDetails[section.key] = {
      accounts: lines.map((line) => accountAmount(line.account, line.amount, d)),
      total: num(total, d),
    };
  }
  const tables: DocTable[] = [];
  const rows: DocRow[] = [];
  const addSection = (key: string) => {
    const entry = figures.sections.find((s) => s.section.key === key);
    if (!entry) return;
    rows.push({ cells: [entry.section.title, ""], bold: true });
    for (const line of entry.lines) {
      rows.push({ cells: [accountLabel(line.account), money(line.amount, d)], indent: 1 });
    }
    rows.push({ cells: [`Total ${entry.section.title}`, money(entry.total, d)], bold: true });
  };
  addSection("income");
  addSection("cost_of_revenue");
  rows.push({ cells: ["Gross Profit", money(figures.grossProfit, d)], bold: true });
  addSection("other_income");
  addSection("operating_expenses");
  rows.push({ cells: ["Net Income", money(figures.netIncome, d)], bold: true });
  tables.push({ title: "Profit and Loss", columns: ["Account", "Amount"], widths: [3, 1], rows });

  return {
    revenue: figures.revenue,
    expenses: figures.expenses,
    netIncome: figures.netIncome,
    details: {
      ...sectionDetails,
      total_income: num(figures.income, d),
      total_other_income: num(figures.otherIncome, d),
      total_cost_of_revenue: num(figures.costOfRevenue, d),
      total_operating_expenses: num(figures.operatingExpenses, d),
      gross_profit: num(figures.grossProfit, d),
      net_income: num(figures.netIncome, d),
      journal_items: figures.items,
      basis:
        "Posted journal items dated in the period. Income and other income are shown as credit balances, " +
        "cost of revenue and expenses as debit balances. Gross profit = income - cost of revenue; " +
        "net income = income + other income - cost of revenue - expenses.",
    },
    doc: {
      tables,
      notes: [`Based on ${figures.items} posted journal items dated ${start} to ${end}.`],
    },
  };
}
