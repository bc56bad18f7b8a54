/**
 * Cash flow for a period (direct method, from the ledger):
 *
 * - Cash is the bank and cash accounts (`asset_cash`) plus cash in transit: the outstanding receipts and
 *   payments accounts where Odoo 17+ books registered payments until they are matched with a bank statement line
 *   (see `company.ts`). Without them a business that never imports bank statements would show no cash movement.
 *   Cash in transit is shown separately; moves between it and the bank (statement matching) are internal.
 * - Cash at bank is split by what the bank has confirmed: the items of bank statement lines not yet reconciled
 *   (`statement_line_id.is_reconciled` false: their counterpart is still the suspense account) apart from the rest.
 *   A payment in transit whose bank line is one of them shows twice until the two are reconciled: the closing
 *   figures say so. The reconciliation state is Odoo's today, not at `end_date`.
 * - Opening balance: every posted item on those accounts dated before `start_date`; closing: up to `end_date`.
 * - Flows: the other lines (counterparts) of the posted entries that touch a cash account in the period, summed
 *   by counterpart account in Odoo. A credit on the counterpart is money in, a debit money out; so
 *   opening + inflows - outflows = closing, exactly.
 * - Classification by the counterpart account's type: investing for fixed and non-current assets; financing
 *   for non-current liabilities and equity; operating for everything else (customers, vendors, income,
 *   expenses, taxes, current assets and liabilities, credit cards).
 */
import { ToolError } from "../errors.js";
import { sumMinor } from "../money.js";
import { getReportCompany } from "./company.js";
import { accountLabel, money, num } from "./format.js";
import { type Account, type AccountType, type GroupRow, withAccounts } from "./ledger.js";
import { profitLossFigures } from "./profit-loss.js";
import type { ComputedReport, DocRow, DocTable, ReportRequest } from "./types.js";

type Activity = "operating" | "investing" | "financing";

const INVESTING: readonly AccountType[] = ["asset_fixed", "asset_non_current"];
const FINANCING: readonly AccountType[] = ["liability_non_current", "equity", "equity_unaffected"];

export const CASH_AT_BANK_RULE =
  "Cash at bank is the bank and cash accounts: reconciled, the items the bank has confirmed and Odoo has matched " +
  "(or booked there directly); not yet reconciled, bank statement lines whose counterpart is still the suspense " +
  "account (reconciliation state as of today). Payments in transit are payments registered in Odoo but not yet " +
  "matched with a bank statement line (the outstanding receipts/payments accounts): not at the bank as far as " +
  "Odoo knows. A payment whose bank line is not yet reconciled with it counts in both until it is.";

export const CLASSIFICATION_RULE =
  "Each cash movement is classified by the account of its counterpart in the same journal entry: investing " +
  "for fixed and non-current assets (asset_fixed, asset_non_current); financing for non-current liabilities " +
  "and equity (liability_non_current, equity, equity_unaffected); operating for every other account " +
  "(receivables, payables, income, expenses, taxes, other current assets and liabilities, credit cards). " +
  "A credit on the counterpart is an inflow, a debit an outflow. Cash is the bank and cash accounts plus the " +
  "outstanding receipts/payments accounts (cash in transit: payments registered in Odoo but not yet matched " +
  "with a bank statement line); transfers between them are not flows.";

function classify(type: AccountType | null): Activity {
  if (type !== null && INVESTING.includes(type)) return "investing";
  if (type !== null && FINANCING.includes(type)) return "financing";
  return "operating";
}

const ACTIVITY_TITLES: Record<Activity, string> = {
  operating: "Operating activities",
  investing: "Investing activities",
  financing: "Financing activities",
};

export async function cashFlow(request: ReportRequest): Promise<ComputedReport> {
  const { ledger, start, end } = request;
  const d = ledger.decimals;
  await request.step("Finding bank, cash and outstanding payment accounts");
  const [company, cashAccounts] = await Promise.all([
    getReportCompany(ledger.odoo),
    ledger.accountsOfTypes(["asset_cash"]),
  ]);
  const cashIds = cashAccounts.map((a) => a.id);
  const transitIds = company.transitAccountIds.filter((id) => !cashIds.includes(id));
  const allIds = [...cashIds, ...transitIds];
  if (allIds.length === 0) {
    throw new ToolError(
      "NO_DATA",
      "The chart of accounts has no bank, cash or outstanding payment accounts.",
    );
  }

  await request.step("Summing cash balances and counterparts of cash movements");
  const [opening, movements, counterparts, period, unreconciled] = await Promise.all([
    ledger.sums(
      [
        ["account_id", "in", allIds],
        ["date", "<", start],
      ],
      "account_id",
    ),
    ledger.sums(
      [
        ["account_id", "in", allIds],
        ["date", ">=", start],
        ["date", "<=", end],
      ],
      "account_id",
    ),
    ledger.sums(
      [
        ["move_id.line_ids.account_id", "in", allIds],
        ["account_id", "not in", allIds],
        ["date", ">=", start],
        ["date", "<=", end],
      ],
      "account_id",
    ),
    profitLossFigures(ledger, start, end),
    ledger.sums(
      [
        ["account_id.account_type", "=", "asset_cash"],
        ["statement_line_id", "!=", false],
        ["statement_line_id.is_reconciled", "=", false],
        ["date", "<=", end],
      ],
      null,
    ),
  ]);
  const items = [...opening, ...movements].reduce((count, row) => count + row.count, 0);
  if (items === 0) {
    throw new ToolError(
      "NO_DATA",
      `No posted journal items on bank, cash or outstanding payment accounts on or before ${end}.`,
    );
  }

  await request.step("Classifying cash movements");
  const accounts = await ledger.accounts([
    ...allIds,
    ...counterparts.flatMap((r) => (r.id === null ? [] : [r.id])),
  ]);
  const byId = (rows: GroupRow[]) => new Map(rows.map((r) => [r.id, r]));
  const openingById = byId(opening);
  const movementById = byId(movements);
  const cashLines = (ids: number[]) =>
    ids
      .map((id) => {
        const account: Account = accounts.get(id) ?? { id, code: "", name: `Account ${id}`, type: null };
        const open = openingById.get(id)?.balance ?? 0n;
        const move = movementById.get(id);
        return {
          account,
          opening: open,
          inflow: move?.debit ?? 0n,
          outflow: move?.credit ?? 0n,
          closing: open + (move?.balance ?? 0n),
        };
      })
      .filter((l) => l.opening !== 0n || l.inflow !== 0n || l.outflow !== 0n)
      .sort((a, b) => (a.account.code < b.account.code ? -1 : a.account.code > b.account.code ? 1 : 0));
  const cashLinesList = cashLines(cashIds);
  const transitLinesList = cashLines(transitIds);
  const sumOf = (list: typeof cashLinesList, key: "opening" | "closing") => sumMinor(list.map((l) => l[key]));
  const openingCash = sumOf(cashLinesList, "opening");
  const openingTransit = sumOf(transitLinesList, "opening");
  const closingCash = sumOf(cashLinesList, "closing");
  const closingTransit = sumOf(transitLinesList, "closing");
  const closingUnreconciled = sumMinor(unreconciled.map((row) => row.balance));
  const unreconciledCount = unreconciled.reduce((count, row) => count + row.count, 0);
  const closingReconciled = closingCash - closingUnreconciled;

  const flowRows = await withAccounts(ledger, counterparts);
  const activities: Record<Activity, Array<{ account: Account; inflow: bigint; outflow: bigint }>> = {
    operating: [],
    investing: [],
    financing: [],
  };
  for (const row of flowRows) {
    if (row.debit === 0n && row.credit === 0n) continue; // section and note lines, zero items
    activities[classify(row.account.type)].push({
      account: row.account,
      inflow: row.credit,
      outflow: row.debit,
    });
  }
  const totals = (activity: Activity) => {
    const list = activities[activity];
    const inflow = sumMinor(list.map((l) => l.inflow));
    const outflow = sumMinor(list.map((l) => l.outflow));
    return { inflow, outflow, net: inflow - outflow };
  };
  const op = totals("operating");
  const inv = totals("investing");
  const fin = totals("financing");
  const totalIn = op.inflow + inv.inflow + fin.inflow;
  const totalOut = op.outflow + inv.outflow + fin.outflow;
  const netChange = totalIn - totalOut;
  const openingTotal = openingCash + openingTransit;
  const closingTotal = closingCash + closingTransit;
  const reconciles = openingTotal + netChange === closingTotal;

  const activityDetails = (activity: Activity) => {
    const t = totals(activity);
    return {
      accounts: activities[activity].map((l) => ({
        account_id: l.account.id,
        code: l.account.code,
        name: l.account.name,
        account_type: l.account.type,
        inflow: num(l.inflow, d),
        outflow: num(l.outflow, d),
        net: num(l.inflow - l.outflow, d),
      })),
      inflows: num(t.inflow, d),
      outflows: num(t.outflow, d),
      net: num(t.net, d),
    };
  };
  const cashDetails = (list: typeof cashLinesList) =>
    list.map((l) => ({
      account_id: l.account.id,
      code: l.account.code,
      name: l.account.name,
      opening_balance: num(l.opening, d),
      debits: num(l.inflow, d),
      credits: num(l.outflow, d),
      closing_balance: num(l.closing, d),
    }));

  const tables: DocTable[] = [];
  const summary: DocRow[] = [
    { cells: ["Opening balance, bank and cash", money(openingCash, d)] },
    { cells: ["Opening balance, payments in transit", money(openingTransit, d)] },
    { cells: ["Opening balance", money(openingTotal, d)], bold: true },
  ];
  const flowTable: DocRow[] = [];
  for (const activity of ["operating", "investing", "financing"] as const) {
    const t = totals(activity);
    flowTable.push({ cells: [ACTIVITY_TITLES[activity], "", "", ""], bold: true });
    for (const l of activities[activity]) {
      flowTable.push({
        cells: [
          accountLabel(l.account),
          money(l.inflow, d),
          money(l.outflow, d),
          money(l.inflow - l.outflow, d),
        ],
        indent: 1,
      });
    }
    flowTable.push({
      cells: [
        `Net cash from ${ACTIVITY_TITLES[activity].toLowerCase()}`,
        money(t.inflow, d),
        money(t.outflow, d),
        money(t.net, d),
      ],
      bold: true,
    });
  }
  flowTable.push({
    cells: ["Net change in cash", money(totalIn, d), money(totalOut, d), money(netChange, d)],
    bold: true,
  });
  summary.push(
    { cells: ["Inflows", money(totalIn, d)] },
    { cells: ["Outflows", money(-totalOut, d)] },
    { cells: ["Closing balance, bank and cash", money(closingCash, d)] },
    { cells: ["Cash at bank, reconciled", money(closingReconciled, d)], indent: 1 },
    {
      cells: [
        `Bank statement lines not yet reconciled (${unreconciledCount})`,
        money(closingUnreconciled, d),
      ],
      indent: 1,
    },
    {
      cells: [
        "Closing balance, payments in transit (registered, not matched with the bank)",
        money(closingTransit, d),
      ],
    },
    { cells: ["Closing balance", money(closingTotal, d)], bold: true },
  );
  tables.push({ title: "Cash summary", columns: ["", "Amount"], widths: [3, 1], rows: summary });
  tables.push({
    title: "Cash flows by activity",
    columns: ["Counterpart account", "Inflows", "Outflows", "Net"],
    widths: [2.4, 1, 1, 1],
    rows: flowTable,
  });
  const accountRows: DocRow[] = [];
  for (const [title, list] of [
    ["Bank and cash", cashLinesList],
    ["Payments in transit (outstanding receipts/payments)", transitLinesList],
  ] as const) {
    accountRows.push({ cells: [title, "", "", "", ""], bold: true });
    for (const l of list) {
      accountRows.push({
        cells: [
          accountLabel(l.account),
          money(l.opening, d),
          money(l.inflow, d),
          money(l.outflow, d),
          money(l.closing, d),
        ],
        indent: 1,
      });
    }
  }
  tables.push({
    title: "Cash accounts",
    columns: ["Account", "Opening", "Debits", "Credits", "Closing"],
    widths: [2.2, 1, 1, 1, 1],
    rows: accountRows,
  });

  return {
    revenue: period.revenue,
    expenses: period.expenses,
    netIncome: period.netIncome,
    details: {
      opening_balance: num(openingTotal, d),
      opening_cash: num(openingCash, d),
      opening_cash_in_transit: num(openingTransit, d),
      inflows: num(totalIn, d),
      outflows: num(totalOut, d),
      net_change: num(netChange, d),
      closing_balance: num(closingTotal, d),
      closing_cash: num(closingCash, d),
      closing_cash_in_transit: num(closingTransit, d),
      closing_cash_reconciled: num(closingReconciled, d),
      closing_cash_unreconciled: num(closingUnreconciled, d),
      unreconciled_statement_lines: unreconciledCount,
      operating: activityDetails("operating"),
      investing: activityDetails("investing"),
      financing: activityDetails("financing"),
      cash_accounts: cashDetails(cashLinesList),
      cash_in_transit_accounts: cashDetails(transitLinesList),
      reconciles,
      classification_rule: CLASSIFICATION_RULE,
      cash_at_bank_rule: CASH_AT_BANK_RULE,
    },
    doc: {
      tables,
      notes: [
        reconciles
          ? "Opening balance + inflows - outflows = closing balance."
          : "WARNING: opening balance + flows does not equal the closing balance (unbalanced entries in Odoo).",
        CASH_AT_BANK_RULE,
        CLASSIFICATION_RULE,
      ],
    },
  };
}
