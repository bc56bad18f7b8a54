/**
 * Balance sheet at `end_date`: every posted journal item from the beginning of time up to `end_date`, summed by
 * account in Odoo. Assets are debit balances, liabilities and equity credit balances. Income and expense accounts
 * are not closed in Odoo, so their balances appear in equity as unallocated earnings: the current fiscal year's
 * (from its first day to `end_date`) and the earlier years' (everything before). Off-balance accounts are left
 * out. The statement balances when assets = liabilities + equity, which it checks and says.
 */
import { ToolError } from "../errors.js";
import { sumMinor } from "../money.js";
import { getReportCompany } from "./company.js";
import { accountAmount, accountLabel, money, num } from "./format.js";
import {
  ACCOUNT_TYPE_LABELS,
  type Account,
  type AccountType,
  ASSET_TYPES,
  EQUITY_TYPES,
  LIABILITY_TYPES,
  PROFIT_LOSS_TYPES,
  withAccounts,
} from "./ledger.js";
import { fiscalYearStart } from "./periods.js";
import { profitLossFigures } from "./profit-loss.js";
import type { ComputedReport, DocRow, ReportRequest } from "./types.js";

interface TypeGroup {
  account_type: AccountType;
  label: string;
  accounts: ReturnType<typeof accountAmount>[];
  total: number;
}

export async function balanceSheet(request: ReportRequest): Promise<ComputedReport> {
  const { ledger, start, end } = request;
  const d = ledger.decimals;
  await request.step("Reading the fiscal year");
  const company = await getReportCompany(ledger.odoo);
  const fyStart = fiscalYearStart(end, company.fiscalYearLastMonth, company.fiscalYearLastDay);

  await request.step("Summing every account up to the end date");
  const [allRows, currentYear, period] = await Promise.all([
    ledger.sums([["date", "<=", end]], "account_id"),
    profitLossFigures(ledger, fyStart, end),
    profitLossFigures(ledger, start, end),
  ]);
  const items = allRows.reduce((count, row) => count + row.count, 0);
  if (items === 0) {
    throw new ToolError(
      "NO_DATA",
      `No posted journal items on or before ${end}; there is no balance sheet to report.`,
    );
  }
  const rows = await withAccounts(ledger, allRows);
  const balanceOf = (types: readonly AccountType[]) =>
    sumMinor(
      rows.filter((r) => r.account.type !== null && types.includes(r.account.type)).map((r) => r.balance),
    );

  const groups = (types: readonly AccountType[], sign: 1n | -1n) => {
    const out: Array<{
      type: AccountType;
      lines: Array<{ account: Account; amount: bigint }>;
      total: bigint;
    }> = [];
    for (const type of types) {
      const lines = rows
        .filter((r) => r.account.type === type && r.balance !== 0n)
        .map((r) => ({ account: r.account, amount: sign * r.balance }));
      if (lines.length === 0) continue;
      out.push({ type, lines, total: sumMinor(lines.map((l) => l.amount)) });
    }
    return out;
  };
  const assetGroups = groups(ASSET_TYPES, 1n);
  const liabilityGroups = groups(LIABILITY_TYPES, -1n);
  const equityGroups = groups(EQUITY_TYPES, -1n);

  const plToDate = -balanceOf(PROFIT_LOSS_TYPES);
  const currentYearEarnings = currentYear.netIncome;
  const previousYearsEarnings = plToDate - currentYearEarnings;
  const otherBalance = balanceOf(["off_balance"]);
  const unknownBalance = sumMinor(rows.filter((r) => r.account.type === null).map((r) => r.balance));

  const totalAssets = sumMinor(assetGroups.map((g) => g.total));
  const totalLiabilities = sumMinor(liabilityGroups.map((g) => g.total));
  const equityAccounts = sumMinor(equityGroups.map((g) => g.total));
  const totalEquity = equityAccounts + previousYearsEarnings + currentYearEarnings;
  const difference = totalAssets - (totalLiabilities + totalEquity);
  const balanced = difference === 0n;

  const toGroup = (g: {
    type: AccountType;
    lines: Array<{ account: Account; amount: bigint }>;
    total: bigint;
  }): TypeGroup => ({
    account_type: g.type,
    label: ACCOUNT_TYPE_LABELS[g.type],
    accounts: g.lines.map((l) => accountAmount(l.account, l.amount, d)),
    total: num(g.total, d),
  });

  const docRows: DocRow[] = [];
  const addGroups = (
    title: string,
    list: Array<{ type: AccountType; lines: Array<{ account: Account; amount: bigint }>; total: bigint }>,
    extra: Array<[string, bigint]>,
    total: bigint,
  ) => {
    docRows.push({ cells: [title.toUpperCase(), ""], bold: true });
    for (const g of list) {
      docRows.push({ cells: [ACCOUNT_TYPE_LABELS[g.type], ""], bold: true, indent: 1 });
      for (const l of g.lines)
        docRows.push({ cells: [accountLabel(l.account), money(l.amount, d)], indent: 2 });
      docRows.push({ cells: [`Total ${ACCOUNT_TYPE_LABELS[g.type]}`, money(g.total, d)], indent: 1 });
    }
    for (const [label, amount] of extra) docRows.push({ cells: [label, money(amount, d)], indent: 1 });
    docRows.push({ cells: [`TOTAL ${title.toUpperCase()}`, money(total, d)], bold: true });
  };
  addGroups("Assets", assetGroups, [], totalAssets);
  addGroups("Liabilities", liabilityGroups, [], totalLiabilities);
  addGroups(
    "Equity",
    equityGroups,
    [
      ["Previous years' unallocated earnings", previousYearsEarnings],
      [`Current year unallocated earnings (since ${fyStart})`, currentYearEarnings],
    ],
    totalEquity,
  );
  docRows.push({
    cells: ["TOTAL LIABILITIES + EQUITY", money(totalLiabilities + totalEquity, d)],
    bold: true,
  });

  const notes = [
    balanced
      ? "Balanced: total assets = total liabilities + total equity."
      : `NOT BALANCED: assets - (liabilities + equity) = ${money(difference, d)}.`,
    `Balances of all posted journal items up to ${end}; current fiscal year since ${fyStart}.`,
  ];
  if (otherBalance !== 0n) notes.push(`Off-balance accounts (${money(otherBalance, d)}) are not included.`);
  if (unknownBalance !== 0n) notes.push(`Items without a known account type: ${money(unknownBalance, d)}.`);

  return {
    revenue: period.revenue,
    expenses: period.expenses,
    netIncome: period.netIncome,
    details: {
      as_of: end,
      fiscal_year_start: fyStart,
      assets: { groups: assetGroups.map(toGroup), total: num(totalAssets, d) },
      liabilities: { groups: liabilityGroups.map(toGroup), total: num(totalLiabilities, d) },
      equity: {
        groups: equityGroups.map(toGroup),
        previous_years_unallocated_earnings: num(previousYearsEarnings, d),
        current_year_unallocated_earnings: num(currentYearEarnings, d),
        total: num(totalEquity, d),
      },
      total_assets: num(totalAssets, d),
      total_liabilities: num(totalLiabilities, d),
      total_equity: num(totalEquity, d),
      total_liabilities_and_equity: num(totalLiabilities + totalEquity, d),
      balanced,
      difference: num(difference, d),
      journal_items: items,
      basis:
        "Balances of posted journal items from the beginning of time to as_of. Assets are debit balances, " +
        "liabilities and equity credit balances. Income and expense balances are shown in equity as " +
        "unallocated earnings: the current fiscal year's (fiscal_year_start to as_of) and earlier years'. " +
        "revenue, expenses and net_income in data are those of the requested period (start_date to end_date).",
    },
    doc: {
      tables: [
        {
          title: `Balance Sheet as of ${end}`,
          columns: ["Account", "Balance"],
          widths: [3, 1],
          rows: docRows,
        },
      ],
      notes,
    },
  };
}
