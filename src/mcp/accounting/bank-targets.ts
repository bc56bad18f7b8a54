/**
 * What a bank statement line pays (odoo-recordings/19/20-reconcile-*): an invoice's or bill's open receivable or
 * payable items (`display_type` `payment_term`), or the open item of a registered payment on its outstanding
 * receipts/payments account (Odoo Community gives every payment one: `account.payment.create`). Each is paid by
 * a counterpart item on the same account and partner, written on the statement line's entry, then `reconcile`d
 * with it.
 */
import { ToolError } from "../errors.js";
import { formatMinor, fromOdooAmount } from "../money.js";
import type { Odoo } from "../odoo/types.js";
import { type Item, itemsOf, OPEN_MOVE_FIELDS, PAYMENT_FIELDS } from "./bank-lines.js";
import type { Binding } from "./operation.js";
import { invoiceRef, moveLabel, resolveInvoice } from "./records.js";
import type { AccountingSession } from "./session.js";
import { m2oId, m2oName, type OdooRecord, str } from "./values.js";

export interface Target {
  kind: "invoice" | "payment";
  /** The invoice's or payment's record id. */
  recordId: number;
  /** What a person recognises it by: INV/2026/00001, BILL/2026/11/0001, PBNK1/2026/00001. */
  name: string;
  /** "invoice INV/2026/00001", "vendor bill BILL/…", "payment PBNK1/…". */
  label: string;
  partnerId: number | null;
  partner: string;
  currency: string;
  /** Its open items, oldest first; what a counterpart is reconciled with. */
  items: Item[];
  /** Their account (one account per document). */
  account: number | null;
  /** Signed: what is still open (> 0 when money comes in for it, < 0 when money goes out). */
  open: bigint;
  /** The invoice's total (unsigned) or the payment's amount. */
  total: bigint;
  row: OdooRecord;
}

const PAYMENT_STATES = ["in_process", "paid"];

/**
 * The documents named by `invoiceRefs` and `paymentIds`, with their open items, in the order given. Refused:
 * not found, not posted, in another currency, a payment without an entry, one already matched with the bank.
 */
export async function readTargets(
  odoo: Odoo,
  session: AccountingSession,
  invoiceRefs: string[],
  paymentIds: number[],
): Promise<Target[]> {
  const decimals = session.company.decimals;
  const moves: OdooRecord[] = [];
  for (const ref of invoiceRefs) moves.push(await resolveInvoice(odoo, ref, OPEN_MOVE_FIELDS));
  const payments = paymentIds.length ? await odoo.read("account.payment", paymentIds, PAYMENT_FIELDS) : [];
  const missing = paymentIds.filter((id) => !payments.some((p) => p.id === id));
  if (missing.length) throw new ToolError("VALIDATION_ERROR", `No payment has the id ${missing.join(", ")}.`);
  const paymentMoves = payments.map((p) => m2oId(p.move_id) ?? 0);
  // Every item, not only the open ones: a document paid in full still names its account.
  const items = await itemsOf(odoo, [...moves.map((m) => m.id as number), ...paymentMoves], decimals);
  const out: Target[] = [];
  for (const move of moves) {
    if (move.state !== "posted")
      throw new ToolError(
        "INVALID_STATUS",
        `The ${moveLabel(move)} is not posted; only posted documents are paid.`,
      );
    assertCurrency(session, move, moveLabel(move));
    const terms = items.filter((i) => i.moveId === move.id && i.displayType === "payment_term");
    const open = terms.filter((i) => !i.reconciled);
    out.push({
      kind: "invoice",
      recordId: move.id as number,
      name: invoiceRef(move),
      label: moveLabel(move),
      partnerId: terms[0]?.partnerId ?? m2oId(move.commercial_partner_id),
      partner: m2oName(move.partner_id) ?? "",
      currency: session.company.currency,
      items: open,
      account: terms[0]?.account ?? null,
      open: open.reduce((sum, i) => sum + i.residual, 0n),
      total: fromOdooAmount(move.amount_total, decimals),
      row: move,
    });
  }
  for (const payment of payments) {
    const name = str(payment.name) ?? `id ${String(payment.id)}`;
    const outstanding = m2oId(payment.outstanding_account_id);
    const moveId = m2oId(payment.move_id);
    if (!PAYMENT_STATES.includes(String(payment.state)) || moveId === null || outstanding === null)
      throw new ToolError(
        "INVALID_STATUS",
        `Payment ${name} has no journal entry on an outstanding account (state ${String(payment.state)}); it cannot be matched with a bank line.`,
      );
    assertCurrency(session, payment, `payment ${name}`);
    const mine = items.filter((i) => i.moveId === moveId && i.account === outstanding);
    const open = mine.filter((i) => !i.reconciled);
    out.push({
      kind: "payment",
      recordId: payment.id as number,
      name,
      label: `payment ${name}`,
      partnerId: mine[0]?.partnerId ?? m2oId(payment.partner_id),
      partner: m2oName(payment.partner_id) ?? "",
      currency: session.company.currency,
      items: open,
      account: outstanding,
      open: open.reduce((sum, i) => sum + i.residual, 0n),
      total: fromOdooAmount(payment.amount, decimals),
      row: payment,
    });
  }
  return out;
}

function assertCurrency(session: AccountingSession, row: OdooRecord, what: string): void {
  const currency = m2oId(row.currency_id);
  if (currency !== null && currency !== session.company.currencyId)
    throw new ToolError(
      "VALIDATION_ERROR",
      `The ${what} is in ${m2oName(row.currency_id) ?? "another currency"}, not in the company's ${session.company.currency}; reconcile it in Odoo.`,
    );
}

/** What a person approves about one document a line pays: what is open, whose it is, its currency. */
export function targetBinding(target: Target, decimals: number): Binding {
  return {
    amount_due: formatMinor(target.open, decimals),
    partner_id: target.partnerId,
    currency: target.currency,
  };
}

/** One counterpart: how much of the line goes to which document. */
export interface Allocation {
  target: Target;
  amount: bigint;
}

/**
 * How a line's open amount (signed) is spread over the documents, in the order given: each gets at most what is
 * open on it; what is left stays on the suspense account. Refused: a document open the other way (a bill for money
 * that came in), nothing open, or a document the amount does not reach.
 */
export function allocate(open: bigint, targets: Target[]): { allocations: Allocation[]; rest: bigint } {
  let rest = open < 0n ? -open : open;
  const sign = open < 0n ? -1n : 1n;
  const allocations: Allocation[] = [];
  for (const target of targets) {
    const due = target.open * sign;
    if (target.open === 0n || target.items.length === 0)
      throw new ToolError("INVALID_STATUS", `Nothing is open on the ${target.label}: it is paid already.`);
    if (due < 0n)
      throw new ToolError(
        "VALIDATION_ERROR",
        `The ${target.label} is paid the other way: money ${sign > 0n ? "came in" : "went out"} on this bank line.`,
      );
    if (rest === 0n)
      throw new ToolError(
        "VALIDATION_ERROR",
        `The bank line's amount is used up before the ${target.label}; match it with fewer documents.`,
      );
    const amount = due < rest ? due : rest;
    allocations.push({ target, amount });
    rest -= amount;
  }
  if (allocations.length === 0)
    throw new ToolError("VALIDATION_ERROR", "A match names no invoice, bill or payment.");
  return { allocations, rest };
}
