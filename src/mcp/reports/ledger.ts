/**
 * The reports' only way into the ledger: sums of posted journal items computed by Odoo itself, grouped by
 * account (or another field), with `formatted_read_group` or, where Odoo has not that method, `read_group`
 * (`grouped.ts`). Nothing here downloads journal items one by one; the number of round trips of a report does not
 * depend on how many items the ledger holds.
 *
 * Amounts come back as Odoo's sums of stored monetary values in the company currency and are turned into integer
 * minor units (`bigint`) at once; everything the reports add up afterwards is exact.
 */
import { type AccountingSession, getSession } from "../accounting/session.js";
import { m2oId, m2oName, str } from "../accounting/values.js";
import { fromOdooAmount } from "../money.js";
import type { Domain, Odoo } from "../odoo/types.js";
import { groupedRead } from "./grouped.js";

export type AccountType =
  | "asset_receivable"
  | "asset_cash"
  | "asset_current"
  | "asset_non_current"
  | "asset_prepayments"
  | "asset_fixed"
  | "liability_payable"
  | "liability_credit_card"
  | "liability_current"
  | "liability_non_current"
  | "equity"
  | "equity_unaffected"
  | "income"
  | "income_other"
  | "expense"
  | "expense_other"
  | "expense_depreciation"
  | "expense_direct_cost"
  | "off_balance";

export const INCOME_TYPES: readonly AccountType[] = ["income", "income_other"];
export const EXPENSE_TYPES: readonly AccountType[] = [
  "expense",
  "expense_other",
  "expense_direct_cost",
  "expense_depreciation",
];
export const PROFIT_LOSS_TYPES: readonly AccountType[] = [...INCOME_TYPES, ...EXPENSE_TYPES];
export const ASSET_TYPES: readonly AccountType[] = [
  "asset_cash",
  "asset_receivable",
  "asset_current",
  "asset_prepayments",
  "asset_non_current",
  "asset_fixed",
];
export const LIABILITY_TYPES: readonly AccountType[] = [
  "liability_payable",
  "liability_credit_card",
  "liability_current",
  "liability_non_current",
];
export const EQUITY_TYPES: readonly AccountType[] = ["equity", "equity_unaffected"];

/** Odoo's labels of the account types (`account.account` `account_type` selection). */
export const ACCOUNT_TYPE_LABELS: Record<AccountType, string> = {
  asset_receivable: "Receivable",
  asset_cash: "Bank and Cash",
  asset_current: "Current Assets",
  asset_non_current: "Non-current Assets",
  asset_prepayments: "Prepayments",
  asset_fixed: "Fixed Assets",
  liability_payable: "Payable",
  liability_credit_card: "Credit Card",
  liability_current: "Current Liabilities",
  liability_non_current: "Non-current Liabilities",
  equity: "Equity",
  equity_unaffected: "Current Year Earnings",
  income: "Income",
  income_other: "Other Income",
  expense: "Expenses",
  expense_other: "Other Expenses",
  expense_depreciation: "Depreciation",
  expense_direct_cost: "Cost of Revenue",
  off_balance: "Off-Balance Sheet",
};

export function isAccountType(value: unknown): value is AccountType {
  return typeof value === "string" && value in ACCOUNT_TYPE_LABELS;
}

export interface Account {
  id: number;
  code: string;
  name: string;
  type: AccountType | null;
}

/** One group of journal items: its account (or other key), how many items, and the exact sums. */
export interface GroupRow {
  /** The id of a many2one group key (`account_id`), else null. */
  id: number | null;
  /** Odoo's display name of the key (`"400000 Product Sales"`), or the raw value for a selection. */
  label: string | null;
  count: number;
  balance: bigint;
  debit: bigint;
  credit: bigint;
}

/** What the reports need from the session, plus counters for the bench and tests. */
export interface Ledger {
  odoo: Odoo;
  session: AccountingSession;
  decimals: number;
  /** Sums of posted journal items of the company matching `domain`, grouped by `groupby` (one field). */
  sums(domain: Domain, groupby: string | null): Promise<GroupRow[]>;
  accounts(ids: number[]): Promise<Map<number, Account>>;
  /** The accounts of some types (archived ones included: their history still counts). */
  accountsOfTypes(types: readonly AccountType[]): Promise<Account[]>;
  /** The whole chart, in code order (archived accounts included). */
  allAccounts(): Promise<Account[]>;
}

export async function openLedger(odoo: Odoo, signal?: AbortSignal): Promise<Ledger> {
  const session = await getSession(odoo);
  const decimals = session.company.decimals;
  const base: Domain = [
    ["parent_state", "=", "posted"],
    ["company_id", "=", session.company.id],
  ];
  const toAccount = (row: Record<string, unknown>): Account => ({
    id: row.id as number,
    code: str(row.code) ?? "",
    name: str(row.name) ?? "",
    type: isAccountType(row.account_type) ? row.account_type : null,
  });
  // The chart of accounts, read once per report (archived accounts included: their history still counts). Its
  // size is the chart's, not the ledger's.
  let chart: Promise<Map<number, Account>> | undefined;
  const loadChart = () => {
    chart ??= odoo
      .searchRead("account.account", [], ["code", "name", "account_type"], {
        order: "code",
        context: { active_test: false },
      })
      .then(
        (rows) =>
          new Map(
            rows.filter((row) => typeof row.id === "number").map((row) => [row.id as number, toAccount(row)]),
          ),
      );
    return chart;
  };

  return {
    odoo,
    session,
    decimals,
    async sums(domain, groupby) {
      const rows = await groupedRead(
        odoo,
        {
          model: "account.move.line",
          domain: [...base, ...domain],
          groupby: groupby === null ? [] : [groupby],
          aggregates: ["balance:sum", "debit:sum", "credit:sum"],
        },
        signal,
      );
      return rows.map((row) => {
        const key = groupby === null ? undefined : row.keys[groupby];
        return {
          id: m2oId(key),
          label: m2oName(key) ?? (typeof key === "string" ? key : null),
          count: row.count,
          balance: fromOdooAmount(row.values["balance:sum"], decimals),
          debit: fromOdooAmount(row.values["debit:sum"], decimals),
          credit: fromOdooAmount(row.values["credit:sum"], decimals),
        };
      });
    },
    async accounts(ids) {
      const all = await loadChart();
      const out = new Map<number, Account>();
      for (const id of ids) {
        const account = all.get(id);
        if (account) out.set(id, account);
      }
      return out;
    },
    async accountsOfTypes(types) {
      const all = await loadChart();
      return [...all.values()].filter((account) => account.type !== null && types.includes(account.type));
    },
    async allAccounts() {
      return [...(await loadChart()).values()];
    },
  };
}

/** Account rows of a grouping with their chart data, in code order. Rows without an account are kept last. */
export async function withAccounts(
  ledger: Ledger,
  rows: GroupRow[],
): Promise<Array<GroupRow & { account: Account }>> {
  const accounts = await ledger.accounts(rows.flatMap((row) => (row.id === null ? [] : [row.id])));
  return rows
    .map((row) => ({
      ...row,
      account: (row.id !== null ? accounts.get(row.id) : undefined) ?? {
        id: row.id ?? 0,
        code: "",
        name: row.label ?? "(no account)",
        type: null,
      },
    }))
    .sort((a, b) => compareCodes(a.account.code, b.account.code) || a.account.id - b.account.id);
}

function compareCodes(a: string, b: string): number {
  if (a === b) return 0;
  if (a === "") return 1;
  if (b === "") return -1;
  return a < b ? -1 : 1;
}
