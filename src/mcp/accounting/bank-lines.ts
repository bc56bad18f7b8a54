/**
 * Bank statement lines and what they may pay, as Odoo keeps them (odoo-recordings/19/20-reconcile-*): a statement
 * line is a posted `account.move` of the bank journal with a liquidity item (the journal's default account) and, until
 * it is reconciled, a suspense item (the journal's suspense account). Reconciling turns the suspense item into
 * counterparts; what is left stays on suspense (`account.bank.statement.line._seek_for_lines`).
 *
 * Amounts here are integers in the company currency's minor units; a statement line or a document in another
 * currency is refused (`VALIDATION_ERROR`): its conversion is Odoo's business, done in Odoo.
 */
import { ToolError } from "../errors.js";
import { fromOdooAmount } from "../money.js";
import type { Odoo } from "../odoo/types.js";
import type { AccountingSession } from "./session.js";
import { m2oId, m2oName, type OdooRecord, str } from "./values.js";

export const STATEMENT_LINE_FIELDS = [
  "date",
  "payment_ref",
  "amount",
  "partner_id",
  "journal_id",
  "move_id",
  "is_reconciled",
  "amount_residual",
  "currency_id",
  "foreign_currency_id",
];
export const ITEM_FIELDS = [
  "move_id",
  "account_id",
  "partner_id",
  "name",
  "debit",
  "credit",
  "balance",
  "amount_residual",
  "reconciled",
  "currency_id",
  "display_type",
];
export const OPEN_MOVE_FIELDS = [
  "name",
  "ref",
  "payment_reference",
  "state",
  "move_type",
  "partner_id",
  "commercial_partner_id",
  "amount_total",
  "amount_residual",
  "currency_id",
  "invoice_date",
  "invoice_date_due",
  "payment_state",
];
export const PAYMENT_FIELDS = [
  "name",
  "memo",
  "amount",
  "partner_id",
  "date",
  "payment_type",
  "currency_id",
  "move_id",
  "outstanding_account_id",
  "journal_id",
  "state",
  "is_matched",
];
export const BANK_JOURNAL_FIELDS = [
  "name",
  "code",
  "type",
  "currency_id",
  "default_account_id",
  "suspense_account_id",
];

export interface BankJournal {
  id: number;
  name: string;
  code: string;
  liquidityAccount: number | null;
  suspenseAccount: number | null;
  currency: string | null;
}

export async function bankJournals(odoo: Odoo): Promise<BankJournal[]> {
  const rows = await odoo.searchRead("account.journal", [["type", "=", "bank"]], BANK_JOURNAL_FIELDS, {
    order: "id",
  });
  return rows.map((row) => ({
    id: row.id as number,
    name: str(row.name) ?? "",
    code: str(row.code) ?? "",
    liquidityAccount: m2oId(row.default_account_id),
    suspenseAccount: m2oId(row.suspense_account_id),
    currency: m2oName(row.currency_id),
  }));
}

/** A bank journal by id, code or name (case-insensitive); `VALIDATION_ERROR` naming the bank journals otherwise. */
export function findBankJournal(journals: BankJournal[], wanted: string | number): BankJournal {
  const text = String(wanted).trim().toLowerCase();
  const found = journals.find(
    (j) => String(j.id) === text || j.code.toLowerCase() === text || j.name.toLowerCase() === text,
  );
  if (found) return found;
  throw new ToolError(
    "VALIDATION_ERROR",
    `No bank journal is "${String(wanted)}". Bank journals: ${journals.map((j) => `${j.name} (${j.code}, id ${j.id})`).join(", ") || "none"}.`,
    { journals: journals.map((j) => ({ id: j.id, code: j.code, name: j.name })) },
  );
}

/** One journal item, amounts in minor units. */
export interface Item {
  id: number;
  moveId: number;
  account: number | null;
  partnerId: number | null;
  name: string;
  balance: bigint;
  residual: bigint;
  reconciled: boolean;
  displayType: string;
}

export function toItem(row: OdooRecord, decimals: number): Item {
  return {
    id: row.id as number,
    moveId: m2oId(row.move_id) ?? 0,
    account: m2oId(row.account_id),
    partnerId: m2oId(row.partner_id),
    name: str(row.name) ?? "",
    balance: fromOdooAmount(row.balance, decimals),
    residual: fromOdooAmount(row.amount_residual, decimals),
    reconciled: row.reconciled === true,
    displayType: str(row.display_type) ?? "",
  };
}

export async function itemsOf(
  odoo: Odoo,
  moveIds: number[],
  decimals: number,
  openOnly = false,
): Promise<Item[]> {
  if (moveIds.length === 0) return [];
  const domain: unknown[] = [["move_id", "in", moveIds]];
  if (openOnly) domain.push(["reconciled", "=", false]);
  const rows = await odoo.searchRead("account.move.line", domain as never, ITEM_FIELDS, { order: "id" });
  return rows.map((row) => toItem(row, decimals));
}

/** A statement line as the tools use it: its items split the way Odoo's `_seek_for_lines` does. */
export interface StatementLine {
  id: number;
  moveId: number;
  moveName: string;
  journalId: number | null;
  date: string;
  label: string;
  partnerId: number | null;
  partner: string | null;
  /** Signed: money in > 0, money out < 0. */
  amount: bigint;
  /** What is still on the suspense account, signed like `amount` (0 once fully reconciled). */
  open: bigint;
  /** The suspense item, when there is exactly one. */
  suspense: Item | null;
  /** Items neither on the bank nor on the suspense account: what the line was reconciled with. */
  counterparts: Item[];
}

export function readStatementLine(
  row: OdooRecord,
  items: Item[],
  journal: BankJournal | undefined,
  decimals: number,
): StatementLine {
  const moveId = m2oId(row.move_id) ?? 0;
  const own = items.filter((item) => item.moveId === moveId);
  const suspenseItems = own.filter(
    (item) => journal?.suspenseAccount != null && item.account === journal.suspenseAccount,
  );
  const counterparts = own.filter(
    (item) => item.account !== journal?.liquidityAccount && item.account !== journal?.suspenseAccount,
  );
  const suspense = suspenseItems.length === 1 ? (suspenseItems[0] as Item) : null;
  return {
    id: row.id as number,
    moveId,
    moveName: m2oName(row.move_id) ?? String(moveId),
    journalId: m2oId(row.journal_id),
    date: str(row.date) ?? "",
    label: str(row.payment_ref) ?? "",
    partnerId: m2oId(row.partner_id),
    partner: m2oName(row.partner_id),
    amount: fromOdooAmount(row.amount, decimals),
    open: suspense ? -suspense.balance : 0n,
    suspense,
    counterparts,
  };
}

/** Refuses a statement line that is not in the company currency (its conversion is Odoo's). */
export function assertCompanyCurrency(row: OdooRecord, session: AccountingSession, what: string): void {
  const currency = m2oName(row.currency_id);
  if ((currency && currency !== session.company.currency) || m2oId(row.foreign_currency_id) !== null)
    throw new ToolError(
      "VALIDATION_ERROR",
      `The ${what} is not in the company's currency (${session.company.currency}); reconcile it in Odoo.`,
    );
}

/**
 * The statement lines by id, with their items; `VALIDATION_ERROR` naming the ids Odoo does not have. Lines of a
 * journal this user cannot see are not found either. Refused too (`VALIDATION_ERROR`): a line of a journal that is
 * not one of `journals` (a cash journal's: without its liquidity and suspense accounts, every item would read as a
 * counterpart, the line as reconciled), and a line not in the company's currency.
 */
export async function statementLines(
  odoo: Odoo,
  session: AccountingSession,
  lineIds: number[],
  journals: BankJournal[],
): Promise<Map<number, StatementLine & { row: OdooRecord }>> {
  const rows = await odoo.read("account.bank.statement.line", lineIds, STATEMENT_LINE_FIELDS);
  const missing = lineIds.filter((id) => !rows.some((row) => row.id === id));
  if (missing.length > 0)
    throw new ToolError(
      "VALIDATION_ERROR",
      `No bank statement line has the id ${missing.join(", ")}; propose_matches lists the unreconciled ones.`,
    );
  const decimals = session.company.decimals;
  const items = await itemsOf(
    odoo,
    rows.map((row) => m2oId(row.move_id) ?? 0),
    decimals,
  );
  const out = new Map<number, StatementLine & { row: OdooRecord }>();
  for (const row of rows) {
    const journal = journals.find((j) => j.id === m2oId(row.journal_id));
    const what = `bank line ${String(row.id)} (${str(row.payment_ref) || m2oName(row.move_id) || "no label"})`;
    if (!journal || journal.liquidityAccount === null || journal.suspenseAccount === null)
      throw new ToolError(
        "VALIDATION_ERROR",
        `The ${what} is in the ${m2oName(row.journal_id) ?? "unknown"} journal, not a bank journal with its bank and suspense accounts (${journals.map((j) => `${j.name} (${j.code})`).join(", ") || "none"}); reconcile it in Odoo.`,
      );
    assertCompanyCurrency(row, session, what);
    out.set(row.id as number, { ...readStatementLine(row, items, journal, decimals), row });
  }
  return out;
}
