/**
 * Reading invoices and bills (`account.move`): finding one from what an agent gives (`"42"` or its number),
 * and the shape every output uses for it.
 *
 * `invoice_id` in outputs is the number once the move is posted and the record id as a string before that
 * (contract, "Invoice ids"). Odoo 17 shows a number on the first draft of a sequence and `"/"` on the others;
 * 18 and 19 answer `false`: only `state == "posted"` is trusted.
 */

import { z } from "zod";
import { odooDatetimeToIso } from "../dates.js";
import { ToolError } from "../errors.js";
import { formatMinor, fromOdooAmount, roundOdooAmount } from "../money.js";
import { likeLiteral } from "../odoo/like.js";
import type { Odoo } from "../odoo/types.js";
import { assertBound, type Binding, boundDecimals, type MoneyDirection } from "./operation.js";
import { type AccountingSession, getSession, moveUrl } from "./session.js";
import { bool, m2oId, m2oName, type OdooRecord, str } from "./values.js";

export const INVOICE_MOVE_TYPES = ["out_invoice", "out_refund", "in_invoice", "in_refund"] as const;
export type InvoiceMoveType = (typeof INVOICE_MOVE_TYPES)[number];

export const MOVE_FIELDS = [
  "name",
  "state",
  "move_type",
  "payment_state",
  "partner_id",
  "invoice_date",
  "invoice_date_due",
  "amount_untaxed",
  "amount_tax",
  "amount_total",
  "amount_residual",
  "currency_id",
  "is_move_sent",
  "create_date",
];

export interface MoveRecord extends OdooRecord {
  id: number;
}

export function isInvoiceMoveType(value: unknown): value is InvoiceMoveType {
  return typeof value === "string" && (INVOICE_MOVE_TYPES as readonly string[]).includes(value);
}

/** The number when posted, else the record id as a string. */
export function invoiceRef(move: OdooRecord): string {
  const name = str(move.name);
  if (move.state === "posted" && name && name !== "/") return name;
  return String(move.id);
}

/**
 * Which way money moves when a document of this type is posted or paid: a customer invoice brings money in; a
 * vendor bill takes it out; a refund or credit note, either way, gives money back or undoes a booked amount, and is
 * treated as money going out.
 */
export function moneyDirectionOf(moveType: unknown): MoneyDirection {
  return moveType === "out_invoice" ? "in" : "out";
}

export function moveLabel(move: OdooRecord): string {
  const kind =
    move.move_type === "in_invoice"
      ? "vendor bill"
      : move.move_type === "out_refund"
        ? "credit note"
        : move.move_type === "in_refund"
          ? "vendor refund"
          : "invoice";
  return move.state === "posted" ? `${kind} ${invoiceRef(move)}` : `draft ${kind} (record id ${move.id})`;
}

/**
 * Finds an invoice or bill by its record id (`"42"`) or its number (`"INV/2026/00001"`, `"BILL/2026/11/0001"`).
 * `INVOICE_NOT_FOUND` otherwise.
 */
export async function resolveInvoice(
  odoo: Odoo,
  invoiceId: string,
  fields: string[] = MOVE_FIELDS,
): Promise<MoveRecord> {
  const ref = invoiceId.trim();
  const wanted = [...new Set([...fields, "move_type", "name", "state"])];
  if (/^\d{1,15}$/.test(ref)) {
    const id = Number(ref);
    // search_read, not read: another company's record is then absent (as Odoo answers it), not an AccessError.
    const [row] =
      id > 0 ? await odoo.searchRead("account.move", [["id", "=", id]], wanted, { limit: 1 }) : [];
    if (row && isInvoiceMoveType(row.move_type)) return row as MoveRecord;
  }
  if (ref !== "" && ref !== "/") {
    const rows = await odoo.searchRead(
      "account.move",
      [
        ["name", "=", ref],
        ["move_type", "in", [...INVOICE_MOVE_TYPES]],
      ],
      wanted,
      { limit: 2 },
    );
    if (rows.length === 1) return rows[0] as MoveRecord;
  }
  const session = await getSession(odoo).catch(() => null);
  const where =
    session && session.companies.length > 1
      ? ` in company ${session.company.name} (odoo-mcp works in this company only; set ODOO_COMPANY to work in another)`
      : " exists in Odoo";
  throw new ToolError(
    "INVOICE_NOT_FOUND",
    `No invoice or bill "${ref}"${where}. Give its number (e.g. INV/2026/00001) or, for a draft, its ` +
      "record id as a string; list_invoices shows both.",
  );
}

/**
 * One invoice or bill as the read tools show it: the one definition (list_invoices, get_invoice). Its number is
 * `invoice_id` once posted (never a second field saying the same).
 */
export const invoiceViewSchema = z.object({
  invoice_id: z.string(),
  record_id: z.number().int(),
  move_type: z.string(),
  state: z.string(),
  payment_state: z.string().nullable(),
  partner: z.object({ id: z.number().int(), name: z.string() }).nullable(),
  invoice_date: z.string().nullable(),
  due_date: z.string().nullable(),
  amount_untaxed: z.number(),
  amount_tax: z.number(),
  total_amount: z.number(),
  amount_residual: z.number(),
  currency: z.string(),
  is_move_sent: z.boolean(),
  odoo_url: z.string(),
  created_at: z.string().nullable(),
});
export type InvoiceView = z.infer<typeof invoiceViewSchema>;

export function invoiceView(session: AccountingSession, move: OdooRecord): InvoiceView {
  const decimals = session.company.decimals;
  const partnerId = m2oId(move.partner_id);
  return {
    invoice_id: invoiceRef(move),
    record_id: move.id as number,
    move_type: str(move.move_type) ?? "",
    state: str(move.state) ?? "",
    payment_state: str(move.payment_state),
    partner: partnerId === null ? null : { id: partnerId, name: m2oName(move.partner_id) ?? "" },
    invoice_date: str(move.invoice_date),
    due_date: str(move.invoice_date_due),
    amount_untaxed: roundOdooAmount(move.amount_untaxed, decimals),
    amount_tax: roundOdooAmount(move.amount_tax, decimals),
    total_amount: roundOdooAmount(move.amount_total, decimals),
    amount_residual: roundOdooAmount(move.amount_residual, decimals),
    currency: m2oName(move.currency_id) ?? session.company.currency,
    is_move_sent: bool(move.is_move_sent),
    odoo_url: moveUrl(session, move.id as number),
    created_at: odooDatetimeToIso(move.create_date),
  };
}

export interface ListInvoicesQuery {
  kind: "customer" | "vendor" | "all";
  state?: "draft" | "posted" | "cancel";
  payment_state?: string;
  /** Partner name (or part of it). */
  partner?: string;
  limit: number;
  offset: number;
}

export const invoiceListSchema = z.object({
  invoices: z.array(invoiceViewSchema),
  total: z.number().int(),
  limit: z.number().int(),
  offset: z.number().int(),
});
export type InvoiceList = z.infer<typeof invoiceListSchema>;

export async function listInvoices(odoo: Odoo, query: ListInvoicesQuery): Promise<InvoiceList> {
  const session = await getSession(odoo);
  const types =
    query.kind === "customer"
      ? ["out_invoice", "out_refund"]
      : query.kind === "vendor"
        ? ["in_invoice", "in_refund"]
        : [...INVOICE_MOVE_TYPES];
  const domain: [string, string, unknown][] = [["move_type", "in", types]];
  if (query.state) domain.push(["state", "=", query.state]);
  if (query.payment_state) domain.push(["payment_state", "=", query.payment_state]);
  if (query.partner?.trim()) domain.push(["partner_id", "ilike", likeLiteral(query.partner.trim())]);
  const [rows, total] = await Promise.all([
    odoo.searchRead("account.move", domain, MOVE_FIELDS, {
      limit: query.limit,
      offset: query.offset,
      order: "id desc",
    }),
    odoo.searchCount("account.move", domain),
  ]);
  return {
    invoices: rows.map((row) => invoiceView(session, row)),
    total,
    limit: query.limit,
    offset: query.offset,
  };
}

export const invoiceLineViewSchema = z.object({
  description: z.string(),
  quantity: z.number(),
  unit_price: z.number(),
  subtotal: z.number(),
  total: z.number(),
  taxes: z.array(z.string()),
});
export type InvoiceLineView = z.infer<typeof invoiceLineViewSchema>;

export const invoiceDetailSchema = invoiceViewSchema.extend({
  notes: z.string().nullable(),
  lines: z.array(invoiceLineViewSchema),
});
export type InvoiceDetail = z.infer<typeof invoiceDetailSchema>;

export async function getInvoice(odoo: Odoo, invoiceId: string): Promise<InvoiceDetail> {
  const session = await getSession(odoo);
  const move = await resolveInvoice(odoo, invoiceId, [...MOVE_FIELDS, "narration"]);
  const lines = await readInvoiceLines(odoo, session, move.id);
  const decimals = session.company.decimals;
  return {
    ...invoiceView(session, move),
    notes: htmlToText(move.narration),
    lines: lines.map((line) => ({
      description: line.description,
      quantity: line.quantity,
      unit_price: line.unitPrice,
      subtotal: roundOdooAmount(line.subtotal, decimals),
      total: roundOdooAmount(line.total, decimals),
      taxes: line.taxes,
    })),
  };
}

/** A product line of an invoice as Odoo stores it: amounts as Odoo answers them (numbers), taxes by name. */
export interface InvoiceLine {
  description: string;
  quantity: number;
  unitPrice: number;
  subtotal: unknown;
  total: unknown;
  taxes: string[];
}

/** The product lines of an invoice or bill, in order (get_invoice, and what a send or a post shows the person). */
export async function readInvoiceLines(
  odoo: Odoo,
  session: AccountingSession,
  moveId: number,
): Promise<InvoiceLine[]> {
  const lines = await odoo.searchRead(
    "account.move.line",
    [
      ["move_id", "=", moveId],
      ["display_type", "=", "product"],
    ],
    ["name", "quantity", "price_unit", "price_subtotal", "price_total", "tax_ids"],
    { order: "id" },
  );
  const taxNames = new Map(session.taxes.map((tax) => [tax.id, tax.name]));
  return lines.map((line) => ({
    description: str(line.name) ?? "",
    quantity: typeof line.quantity === "number" ? line.quantity : 0,
    unitPrice: typeof line.price_unit === "number" ? line.price_unit : 0,
    subtotal: line.price_subtotal,
    total: line.price_total,
    taxes: (Array.isArray(line.tax_ids) ? line.tax_ids : []).map((id) =>
      typeof id === "number" ? (taxNames.get(id) ?? `tax ${id}`) : String(id),
    ),
  }));
}

/** Odoo's HTML notes (`<p>Thank you</p>`) as plain text. */
export function htmlToText(value: unknown): string | null {
  const html = str(value);
  if (!html) return null;
  const text = html
    .replace(/<br\s*\/?>/gi, "\n")
    .replace(/<\/p>\s*<p[^>]*>/gi, "\n")
    .replace(/<[^>]+>/g, "")
    .replace(/&nbsp;/g, " ")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&")
    .trim();
  return text === "" ? null : text;
}

/** Plain text as the HTML Odoo keeps in `narration` and mail bodies. */
export function textToHtml(text: string): string {
  const escaped = text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
  return escaped
    .split(/\r?\n\s*\r?\n/)
    .map((paragraph) => `<p>${paragraph.replace(/\r?\n/g, "<br>")}</p>`)
    .join("");
}

/** The currency of a move (its code and decimals): the company's unless the move is in another one. */
export async function currencyOf(odoo: Odoo, session: AccountingSession, move: OdooRecord) {
  const id = m2oId(move.currency_id);
  if (id === null || id === session.company.currencyId) {
    return { decimals: session.company.decimals, currency: session.company.currency };
  }
  const [row] = await odoo.read("res.currency", [id], ["name", "decimal_places"]);
  return {
    decimals: typeof row?.decimal_places === "number" ? row.decimal_places : session.company.decimals,
    currency: str(row?.name) ?? m2oName(move.currency_id) ?? session.company.currency,
  };
}

/**
 * What a person approves about an invoice or bill that exists (post_invoice, send_invoice): the record, its type, its
 * partner, its currency and its total (a decimal string in that currency's decimals). `currency`/`decimals` as
 * `currencyOf` answers them.
 */
export function moveBinding(move: MoveRecord, currency: string, decimals: number): Binding {
  return {
    move_id: move.id,
    // An invoice and a credit note differ only by this (Odoo's "Switch into refund" keeps the rest): money in or out.
    move_type: String(move.move_type),
    partner_id: m2oId(move.partner_id),
    currency,
    amount_total: formatMinor(fromOdooAmount(move.amount_total, decimals), decimals),
  };
}

/**
 * `assertBound` for an invoice or bill as `apply` has just read it: its `moveBinding` (and `extra`, e.g. the
 * recipient's email) against what the person approved. No round trip of its own while the move's currency is the
 * approved one (the approved total's decimals are then the currency's); otherwise its currency is read to say
 * exactly what it became. `approved` undefined (a request made before bindings existed): nothing is checked.
 */
export async function assertMoveBound(
  odoo: Odoo,
  session: AccountingSession,
  move: MoveRecord,
  approved: Binding | undefined,
  extra: Binding = {},
): Promise<void> {
  if (!approved) return;
  const code =
    m2oId(move.currency_id) === session.company.currencyId
      ? session.company.currency
      : m2oName(move.currency_id);
  const decimals = boundDecimals(approved.amount_total);
  const now =
    code !== null && approved.currency === code && decimals !== null
      ? moveBinding(move, code, decimals)
      : await currencyOf(odoo, session, move).then(({ currency, decimals }) =>
          moveBinding(move, currency, decimals),
        );
  assertBound(approved, { ...now, ...extra }, moveLabel(move), {
    partner_id: m2oName(move.partner_id) ?? undefined,
  });
}
