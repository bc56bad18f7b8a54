/**
 * The general ledger of one account (by its code) over a period: the opening balance at `start_date`, the posted
 * journal items dated in the period in date and id order with a running balance, and the closing balance at
 * `end_date`. The items come in pages of `LEDGER_PAGE`; a page that is not the last answers `next_cursor`
 * (`<date>/<id>` of its last item), which the next request passes as `cursor`.
 *
 * Balances are sums made by Odoo (opening, the period's totals, and everything before the cursor), so a page's
 * running balance continues the previous page's exactly without reading the items before it, whatever the page.
 * Only the page's own items are read. Order by date then id: unique and stable, so across pages every item comes
 * exactly once (Odoo's list shows the newest first; a ledger reads forward).
 */
import { m2oId, m2oName, str } from "../accounting/values.js";
import { assertIsoDate } from "../dates.js";
import { ToolError } from "../errors.js";
import { fromOdooAmount, sumMinor } from "../money.js";
import type { Domain } from "../odoo/types.js";
import { accountLabel, money, num } from "./format.js";
import type { Account, GroupRow } from "./ledger.js";
import { profitLossFigures } from "./profit-loss.js";
import type { ComputedReport, DocRow, ReportRequest } from "./types.js";

/** Items per page: a page fits an agent's context and a few PDF pages. */
export const LEDGER_PAGE = 200;

const ITEM_FIELDS = [
  "date",
  "journal_id",
  "move_id",
  "move_name",
  "partner_id",
  "name",
  "debit",
  "credit",
  "balance",
];

/** `2026-11-05/57`: the date and id of the last item of the previous page. */
function parseCursor(cursor: string): { date: string; id: number } {
  const match = /^(\d{4}-\d{2}-\d{2})\/([1-9]\d{0,14})$/.exec(cursor);
  if (!match?.[1] || !match[2]) {
    throw new ToolError(
      "VALIDATION_ERROR",
      "cursor is not a next_cursor this report answered (<date>/<id>).",
      {
        field: "cursor",
      },
    );
  }
  return { date: assertIsoDate(match[1], "cursor"), id: Number(match[2]) };
}

async function findAccount(request: ReportRequest): Promise<Account> {
  const code = request.accountCode?.trim();
  if (!code) {
    throw new ToolError(
      "VALIDATION_ERROR",
      "general_ledger needs account_code (an account's code, e.g. 211000).",
      {
        field: "account_code",
      },
    );
  }
  const chart = await request.ledger.allAccounts();
  const account = chart.find((a) => a.code === code);
  if (account) return account;
  // Codes that share the longest prefix with the one asked for: what the agent most likely meant.
  let prefix = code;
  let near: Account[] = [];
  while (prefix.length > 0 && near.length === 0) {
    const p = prefix;
    near = chart.filter((a) => a.code.startsWith(p));
    prefix = prefix.slice(0, -1);
  }
  throw new ToolError(
    "VALIDATION_ERROR",
    `No account has the code ${JSON.stringify(code)} in this company.`,
    {
      field: "account_code",
      candidates: near.slice(0, 5).map((a) => accountLabel(a)),
    },
  );
}

const total = (rows: GroupRow[]) => ({
  balance: sumMinor(rows.map((row) => row.balance)),
  debit: sumMinor(rows.map((row) => row.debit)),
  credit: sumMinor(rows.map((row) => row.credit)),
  count: rows.reduce((sum, row) => sum + row.count, 0),
});

export async function accountLedger(request: ReportRequest): Promise<ComputedReport> {
  const { ledger, start, end } = request;
  const d = ledger.decimals;
  const cursor = request.cursor === null ? null : parseCursor(request.cursor);
  const account = await findAccount(request);
  const onAccount: Domain = [["account_id", "=", account.id]];
  const period: Domain = [...onAccount, ["date", ">=", start], ["date", "<=", end]];

  await request.step(`Summing ${accountLabel(account)}`);
  const [opening, inPeriod, before, pl] = await Promise.all([
    ledger.sums([...onAccount, ["date", "<", start]], null).then(total),
    ledger.sums(period, null).then(total),
    cursor === null
      ? Promise.resolve(total([]))
      : ledger
          .sums(
            [
              ...period,
              "|",
              ["date", "<", cursor.date],
              "&",
              ["date", "=", cursor.date],
              ["id", "<=", cursor.id],
            ],
            null,
          )
          .then(total),
    profitLossFigures(ledger, start, end),
  ]);
  if (opening.count === 0 && inPeriod.count === 0) {
    throw new ToolError(
      "NO_DATA",
      `No posted journal items on ${accountLabel(account)} on or before ${end}.`,
    );
  }

  await request.step("Reading the page's journal items");
  const after: Domain =
    cursor === null
      ? []
      : ["|", ["date", ">", cursor.date], "&", ["date", "=", cursor.date], ["id", ">", cursor.id]];
  const rows = await ledger.odoo.searchRead(
    "account.move.line",
    [["parent_state", "=", "posted"], ["company_id", "=", ledger.session.company.id], ...period, ...after],
    ITEM_FIELDS,
    { order: "date, id", limit: LEDGER_PAGE + 1 },
  );
  const page = rows.slice(0, LEDGER_PAGE);
  const last = page.at(-1);
  const nextCursor = rows.length > LEDGER_PAGE && last ? `${str(last.date)}/${last.id as number}` : null;

  const openingBalance = opening.balance;
  const pageOpening = openingBalance + before.balance;
  let running = pageOpening;
  const items = page.map((row) => {
    running += fromOdooAmount(row.balance, d);
    return {
      line_id: row.id as number,
      date: str(row.date) ?? "",
      journal: m2oName(row.journal_id) ?? "",
      move_id: m2oId(row.move_id),
      move: str(row.move_name) ?? m2oName(row.move_id) ?? "",
      partner: m2oName(row.partner_id),
      label: str(row.name) ?? "",
      debit: fromOdooAmount(row.debit, d),
      credit: fromOdooAmount(row.credit, d),
      balance: running,
    };
  });
  const closing = openingBalance + inPeriod.balance;
  const first = before.count + 1;
  const range = items.length === 0 ? "no items" : `items ${first}-${before.count + items.length}`;

  const blank = ["", "", "", "", "", ""];
  const docRows: DocRow[] = [
    {
      cells: [
        cursor === null ? "Opening balance" : "Balance brought forward",
        ...blank,
        money(pageOpening, d),
      ],
      bold: true,
    },
    ...items.map((item) => ({
      cells: [
        item.date,
        item.move,
        item.journal,
        item.partner ?? "",
        item.label,
        item.debit === 0n ? "" : money(item.debit, d),
        item.credit === 0n ? "" : money(item.credit, d),
        money(item.balance, d),
      ],
    })),
    nextCursor === null
      ? { cells: ["Closing balance", ...blank, money(closing, d)], bold: true }
      : { cells: ["Balance carried forward", ...blank, money(running, d)], bold: true },
  ];

  return {
    revenue: pl.revenue,
    expenses: pl.expenses,
    netIncome: pl.netIncome,
    details: {
      account: { account_id: account.id, code: account.code, name: account.name, account_type: account.type },
      opening_balance: num(openingBalance, d),
      debit: num(inPeriod.debit, d),
      credit: num(inPeriod.credit, d),
      closing_balance: num(closing, d),
      item_count: inPeriod.count,
      page: {
        cursor: request.cursor,
        first_item: items.length === 0 ? null : first,
        items: items.length,
        balance_brought_forward: num(pageOpening, d),
        balance_carried_forward: num(running, d),
        has_more: nextCursor !== null,
        next_cursor: nextCursor,
      },
      items: items.map((item) => ({
        ...item,
        debit: num(item.debit, d),
        credit: num(item.credit, d),
        balance: num(item.balance, d),
      })),
      basis:
        "Posted journal items of the account dated in the period, by date then id (company currency). " +
        "opening_balance: the balance of its items before start_date; closing_balance: at end_date; an item's " +
        `balance is the running balance after it. Pages of ${LEDGER_PAGE} items: while page.has_more, ask again ` +
        "with cursor = page.next_cursor.",
    },
    doc: {
      tables: [
        {
          title: `${accountLabel(account)}, ${range} of ${inPeriod.count}`,
          columns: ["Date", "Entry", "Journal", "Partner", "Label", "Debit", "Credit", "Balance"],
          widths: [0.9, 1.4, 1.1, 1.4, 2, 1, 1, 1.1],
          textColumns: 5,
          rows: docRows,
        },
      ],
      notes: [
        `Period totals: debit ${money(inPeriod.debit, d)}, credit ${money(inPeriod.credit, d)}; opening balance ${money(openingBalance, d)}, closing balance ${money(closing, d)}.`,
        ...(nextCursor === null ? [] : [`More items follow: ask again with cursor ${nextCursor}.`]),
      ],
    },
  };
}
