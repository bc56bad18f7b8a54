/**
 * What a person reads of an invoice or bill that exists (send_invoice, post_invoice, record_payment): its name as
 * they recognise it, its lines and its totals, written as a bookkeeper reads them (document.ts, money-text.ts).
 */
import type { RequestDocument } from "../../shared/document.js";
import { dateText } from "../../shared/document-text.js";
import { amountText, moneyText } from "../../shared/money-text.js";
import { formatMinor, fromOdooAmount } from "../money.js";
import type { Odoo } from "../odoo/types.js";
import { recentPartnerFlags } from "./recent-party.js";
import { invoiceRef, type MoveRecord, moneyDirectionOf, readInvoiceLines } from "./records.js";
import { type AccountingSession, companyRows } from "./session.js";
import { m2oId, m2oName, str } from "./values.js";

const KINDS: Record<string, { kind: string; role: string }> = {
  out_invoice: { kind: "invoice", role: "Customer" },
  out_refund: { kind: "credit note", role: "Customer" },
  in_invoice: { kind: "vendor bill", role: "Vendor" },
  in_refund: { kind: "vendor refund", role: "Vendor" },
};

/** The company-currency amounts of an invoice or bill in another currency, as Odoo converted them. */
export const SIGNED_FIELDS = ["amount_total_signed", "amount_residual_signed"];

/**
 * A move in another currency than the company's: its total and what is due on it now (before the operation asked
 * for: a payment's "Left to pay" after it is in the move's currency) in the company's currency, Odoo's own
 * conversion at its rate (`amount_total_signed`, `amount_residual_signed`, read with SIGNED_FIELDS;
 * negative for a bill), never ours. Nothing for a move in the company's currency.
 */
export function companyCurrencyAmounts(
  session: AccountingSession,
  move: MoveRecord,
  currency: string,
): { label: string; amount: string }[] {
  const { currency: company, decimals } = session.company;
  if (currency === company || move.amount_total_signed === undefined) return [];
  const text = (value: unknown) => {
    const minor = fromOdooAmount(value, decimals);
    return moneyText(formatMinor(minor < 0n ? -minor : minor, decimals), company);
  };
  return [
    { label: `Total in ${company} (Odoo's rate)`, amount: text(move.amount_total_signed) },
    ...(move.state === "posted"
      ? [{ label: `Due now in ${company} (Odoo's rate)`, amount: text(move.amount_residual_signed) }]
      : []),
  ];
}

/** "invoice", "vendor bill"...; and who the partner is to the company ("Customer", "Vendor"). */
export function moveKind(move: MoveRecord): { kind: string; role: string } {
  return KINDS[String(move.move_type)] ?? { kind: "invoice", role: "Customer" };
}

/** The move's number once posted, or the number Odoo already shows on a draft (Odoo 17's first of a sequence). */
export function moveNumber(move: MoveRecord): string | null {
  const name = str(move.name);
  return name && name !== "/" ? name : null;
}

/**
 * "INV/2026/00001, Harbour Bakery Ltd" once posted; a draft by its partner, total and date: "Draft invoice for
 * Harbour Bakery Ltd, 1,719.25 USD, dated 6 Dec 2026".
 */
export function moveName(move: MoveRecord, partner: string, total: string): string {
  if (move.state === "posted") return `${invoiceRef(move)}, ${partner}`;
  const date = str(move.invoice_date);
  const kind = moveKind(move).kind;
  return `Draft ${kind} for ${partner}, ${total}${date ? `, dated ${dateText(date)}` : ""}`;
}

/** What posting a draft numbers it: "it gets the number INV/2026/00002" or "it gets the next number in journal X". */
export function numberWhenPosted(move: MoveRecord): string {
  const number = moveNumber(move);
  if (number) return `it gets the number ${number}`;
  const journal = m2oName(move.journal_id);
  return journal ? `it gets the next number in journal ${journal}` : "it gets its number";
}

/**
 * The document's name, party, lines, amounts (Subtotal, the tax as an amount, Total) and date rows of a move, from
 * its product lines (read here) and Odoo's totals. `decimals`/`currency`: the move's own (`currencyOf`). A move
 * through which money goes to its partner (a bill, a credit note) is flagged when the agent created that partner
 * recently (recent-party.ts).
 */
export async function moveDocumentParts(
  odoo: Odoo,
  session: AccountingSession,
  move: MoveRecord,
  money: { decimals: number; currency: string },
): Promise<Omit<RequestDocument, "effect">> {
  const { decimals, currency } = money;
  const text = (value: unknown) =>
    moneyText(formatMinor(fromOdooAmount(value, decimals), decimals), currency);
  const partner = m2oName(move.partner_id) ?? "no partner";
  const lines = await readInvoiceLines(odoo, session, move.id);
  const taxes = [...new Set(lines.flatMap((line) => line.taxes))];
  const dueDate = str(move.invoice_date_due);
  const invoiceDate = str(move.invoice_date);
  const role = moveKind(move).role;
  const flags =
    moneyDirectionOf(move.move_type) === "out"
      ? await recentPartnerFlags(
          odoo,
          session,
          [m2oId(move.partner_id), m2oId(move.commercial_partner_id)],
          role,
        )
      : {};
  return {
    name: moveName(move, partner, text(move.amount_total)),
    party: { role, name: partner },
    ...flags,
    lines: lines.map((line) => ({
      description: line.description,
      quantity: amountText(line.quantity),
      // A unit price is shown with at least the currency's decimals, never rounded (0.125 stays 0.125).
      unit_price: moneyText(line.unitPrice, currency, decimals),
      ...(line.taxes.length > 0 ? { taxes: line.taxes.join(", ") } : {}),
      subtotal: text(line.subtotal),
    })),
    amounts: [
      { label: "Subtotal", amount: text(move.amount_untaxed) },
      { label: taxes.length > 0 ? `Tax ${taxes.join(", ")}` : "Tax", amount: text(move.amount_tax) },
      { label: "Total", amount: text(move.amount_total), strong: true },
      ...companyCurrencyAmounts(session, move, currency),
    ],
    rows: [
      ...companyRows(session),
      ...(invoiceDate ? [{ label: "Invoice date", value: dateText(invoiceDate) }] : []),
      ...(dueDate ? [{ label: "Due date", value: dateText(dueDate) }] : []),
    ],
  };
}
