/**
 * `create_credit_note` (approval): reverses a posted customer invoice or vendor bill, whole or some of its lines,
 * through Odoo's own reversal wizard, and posts the credit note; optionally pays a paid invoice's refund out.
 *
 * The wizard (`account.move.reversal`, created with the context of the invoice form's "Credit Note" button:
 * `active_model`, `active_ids`, `active_id`; fields `reason`, `date`, `journal_id`) has the same fields and methods
 * in Odoo 17's source as in 19's (17 refuses a draft with "You can only reverse posted moves.", checked here
 * first anyway; 18's source was not read). Its `journal_id` is the invoice's: the form computes it from the moves,
 * but a create over RPC does not (a real Odoo 19 answers "Missing required value for the field 'Journal'"), so it
 * is given.
 *
 * `refund_moves` copies the invoice into a DRAFT credit note (`out_refund` / `in_refund`, `reversed_entry_id` = the
 * invoice, every line at its quantity); `modify_moves` posts a full reversal at once and drafts a copy of the
 * invoice. Odoo 19 refuses a draft invoice (`default_get`: "To reverse a journal entry, it has to be posted
 * first.") and auto-posts a reversal dated in the future on that date. So this uses `refund_moves`, lowers or removes the draft's lines to what was asked (a
 * partial credit note), posts it (Odoo then reconciles it with what is open on the invoice: an unpaid invoice
 * credited whole reads `reversed`), and with `refund` pays out what the credit note leaves open (the part of the
 * invoice that was already paid) through the payment wizard, reconciled with the credit note. Recorded on a real
 * Odoo 19 (odoo-recordings/19/15-credit-notes-*); 17 and 18 could not be recorded here.
 *
 * Exactly once: the draft credit note gets its "Credited" note right after the wizard made it (the watermark
 * `max_move_id` covers the window before: a reversal of this invoice above it, tagged by no approval, is this
 * one's), the refund its "Refunded" note (watermark `max_payment_id`). `findApplied` finishes a credit note found
 * half-done: its lines, its posting, its refund, each checked against Odoo first.
 */
import { z } from "zod";
import type { RequestDocument } from "../../shared/document.js";
import { dateText, documentText } from "../../shared/document-text.js";
import { amountText, moneyText } from "../../shared/money-text.js";
import { assertIsoDate, isFutureDate, todayIn } from "../dates.js";
import { ToolError } from "../errors.js";
import {
  displayMoney,
  formatMinor,
  fromOdooAmount,
  lineSubtotalMinor,
  minorToNumber,
  parseDecimal,
  toMinor,
} from "../money.js";
import type { Odoo } from "../odoo/types.js";
import { approvalsNamedOn, postApprovalNote, recordsTaggedWith } from "./approval-tag.js";
import { type PreviewTotals, previewTotals, QUANTITY_DECIMALS } from "./invoices.js";
import { moveKind } from "./move-document.js";
import { highestId, postMove, tagQuietly } from "./moves.js";
import { type AttemptMarker, assertBound, type Binding, type WriteOperation } from "./operation.js";
import { selectPaymentJournal, VALIDATED_PAYMENT_STATES } from "./payments.js";
import { recentPartnerFlags } from "./recent-party.js";
import {
  currencyOf,
  invoiceRef,
  MOVE_FIELDS,
  type MoveRecord,
  moneyDirectionOf,
  moveLabel,
  resolveInvoice,
} from "./records.js";
import {
  type AccountingSession,
  companyFact,
  companyRows,
  getSession,
  type Journal,
  moveUrl,
  type PaymentMethodLine,
  withCompany,
} from "./session.js";
import { ids, m2oId, m2oName, type OdooRecord, str } from "./values.js";

export interface CreateCreditNoteInput {
  invoice_id: string;
  reason: string;
  date: string;
  /**
   * The lines credited and how much of each: the line's position in get_invoice's `lines` (from 0, as digits) or
   * its description → the quantity credited (at most the line's). Omitted: every line, whole.
   */
  lines?: Record<string, number>;
  /** Pay out what the credit note leaves open (the part of the invoice already paid). */
  refund?: boolean;
}

/** What `create_credit_note` answers: the one definition (the tool's output schema extends it). */
export const createCreditNoteResult = z.object({
  credit_note_id: z.string(),
  record_id: z.number().int(),
  invoice_id: z.string(),
  status: z.literal("posted"),
  total_amount: z.number(),
  amount_tax: z.number(),
  currency: z.string(),
  refund: z.object({ id: z.string(), amount: z.number() }).nullable(),
  odoo_url: z.string(),
  warnings: z.array(z.string()),
});
export type CreateCreditNoteOutput = z.infer<typeof createCreditNoteResult>;

/** A product line of the invoice, as get_invoice shows it, with its id. */
interface SourceLine {
  id: number;
  description: string;
  quantity: number;
  unitPrice: number;
  subtotal: unknown;
  taxIds: number[];
}

/** A line credited: its position on the invoice (and on the wizard's copy), and how much of it. */
interface CreditedLine {
  index: number;
  source: SourceLine;
  quantity: number;
  whole: boolean;
}

interface CreditPlan {
  session: AccountingSession;
  invoice: MoveRecord;
  decimals: number;
  currency: string;
  lines: CreditedLine[];
  /** How many product lines the invoice has (the wizard's draft copies them all, in order). */
  sourceCount: number;
  /** Every line of the invoice, whole: the credit note is the invoice's own amounts. */
  whole: boolean;
  totals: PreviewTotals | null;
  creditedBefore: bigint;
  /**
   * With `refund`: what it pays out as approved (null for a credit note found in Odoo whose approval predates the
   * binding: then what the credit note leaves open), and through which journal. Null without `refund`.
   */
  refund: { amount: bigint | null; journal: Journal; line: PaymentMethodLine } | null;
}

/** The read get_invoice makes of an invoice's lines (recorded), for the draft credit note's lines as well. */
const LINE_FIELDS = ["name", "quantity", "price_unit", "price_subtotal", "price_total", "tax_ids"];
const CREDIT_FIELDS = [...MOVE_FIELDS, "reversed_entry_id"];
const INVOICE_FIELDS = [...MOVE_FIELDS, "journal_id", "commercial_partner_id"];

async function productLines(odoo: Odoo, moveId: number): Promise<SourceLine[]> {
  const rows = await odoo.searchRead(
    "account.move.line",
    [
      ["move_id", "=", moveId],
      ["display_type", "=", "product"],
    ],
    LINE_FIELDS,
    { order: "id" },
  );
  return rows.map((row) => ({
    id: row.id as number,
    description: str(row.name) ?? "",
    quantity: typeof row.quantity === "number" ? row.quantity : 0,
    unitPrice: typeof row.price_unit === "number" ? row.price_unit : 0,
    subtotal: row.price_subtotal,
    taxIds: ids(row.tax_ids),
  }));
}

const quantityMinor = (value: number) => toMinor(value, QUANTITY_DECIMALS);

/** The lines asked for, resolved on the invoice's lines; every line whole when none is named. */
function chooseLines(
  source: SourceLine[],
  asked: Record<string, number> | undefined,
  what: string,
): CreditedLine[] {
  if (!asked)
    return source.map((line, index) => ({ index, source: line, quantity: line.quantity, whole: true }));
  const entries = Object.entries(asked);
  if (entries.length === 0)
    throw new ToolError("VALIDATION_ERROR", "lines is empty: name at least one line, or omit it.");
  const shown = source.map((line, index) => `${index}: ${line.description}`);
  const chosen = entries.map(([key, quantity]): CreditedLine => {
    const where = `lines["${key}"]`;
    let index: number;
    if (/^\d{1,4}$/.test(key.trim())) index = Number(key.trim());
    else {
      const wanted = key.trim().toLowerCase();
      const found = source.flatMap((line, i) =>
        line.description.trim().toLowerCase() === wanted ? [i] : [],
      );
      if (found.length > 1)
        throw new ToolError(
          "VALIDATION_ERROR",
          `${where}: ${found.length} lines of the ${what} read "${key}"; name it by its position (${found.join(", ")}).`,
          { lines: shown },
        );
      index = found[0] ?? -1;
    }
    const line = source[index];
    if (!line)
      throw new ToolError(
        "VALIDATION_ERROR",
        `${where}: the ${what} has no line ${JSON.stringify(key)}. Its lines (position: description, as get_invoice shows them): ${shown.join("; ")}.`,
        { lines: shown },
      );
    const parsed = parseDecimal(quantity);
    if (!parsed || parsed.digits <= 0n || parsed.scale > QUANTITY_DECIMALS)
      throw new ToolError(
        "VALIDATION_ERROR",
        `${where}: the quantity must be above 0 with at most ${QUANTITY_DECIMALS} decimals, got ${quantity}.`,
      );
    if (quantityMinor(quantity) > quantityMinor(line.quantity))
      throw new ToolError(
        "VALIDATION_ERROR",
        `${where}: ${quantity} is more than the ${line.quantity} of line ${index} (${line.description}) on the ${what}.`,
        { line_quantity: line.quantity },
      );
    return { index, source: line, quantity, whole: quantityMinor(quantity) === quantityMinor(line.quantity) };
  });
  const seen = new Set<number>();
  for (const line of chosen) {
    if (seen.has(line.index))
      throw new ToolError(
        "VALIDATION_ERROR",
        `lines names line ${line.index} (${line.source.description}) twice (by its position and its description).`,
      );
    seen.add(line.index);
  }
  return chosen.sort((a, b) => a.index - b.index);
}

/** The posted reversals of the invoice so far, in its currency's minor units. */
async function creditedSoFar(odoo: Odoo, invoiceId: number, decimals: number): Promise<bigint> {
  const rows = await odoo.searchRead(
    "account.move",
    [
      ["reversed_entry_id", "=", invoiceId],
      ["state", "=", "posted"],
    ],
    ["amount_total"],
  );
  return rows.reduce((sum, row) => sum + fromOdooAmount(row.amount_total, decimals), 0n);
}

/** All checks of `create_credit_note`, read-only; shared by prepare, apply and findApplied. */
async function planCreditNote(
  odoo: Odoo,
  input: CreateCreditNoteInput,
  now: Date = new Date(),
): Promise<CreditPlan> {
  assertIsoDate(input.date, "date", "INVALID_DATE");
  if (input.reason.trim() === "") throw new ToolError("VALIDATION_ERROR", "reason is empty.");
  const session = await getSession(odoo);
  if (isFutureDate(input.date, session.timeZone, now))
    throw new ToolError(
      "INVALID_DATE",
      `date ${input.date} is in the future (today is ${todayIn(session.timeZone, now)} in ${session.timeZone}); Odoo would hold such a credit note until that day. Ask again on the day.`,
    );
  const invoice = await resolveInvoice(odoo, input.invoice_id, INVOICE_FIELDS);
  const what = moveLabel(invoice);
  if (invoice.move_type !== "out_invoice" && invoice.move_type !== "in_invoice")
    throw new ToolError(
      "VALIDATION_ERROR",
      `The ${what} is itself a credit note; only an invoice or a vendor bill is credited.`,
    );
  if (invoice.state !== "posted")
    throw new ToolError(
      "INVALID_STATUS",
      invoice.state === "draft"
        ? `The ${what} is not posted; Odoo reverses only a posted entry. Change or delete the draft instead.`
        : `The ${what} is cancelled (state ${String(invoice.state)}); there is nothing to credit.`,
      { state: invoice.state },
    );
  const { decimals, currency } = await currencyOf(odoo, session, invoice);
  const total = fromOdooAmount(invoice.amount_total, decimals);
  const creditedBefore = await creditedSoFar(odoo, invoice.id, decimals);
  if (invoice.payment_state === "reversed" || creditedBefore >= total)
    throw new ToolError(
      "INVALID_STATUS",
      `The ${what} is already fully reversed (credit notes of ${displayMoney(creditedBefore, decimals, currency)} for its total of ${displayMoney(total, decimals, currency)}).`,
      { payment_state: invoice.payment_state },
    );
  const source = await productLines(odoo, invoice.id);
  const lines = chooseLines(source, input.lines, what);
  const whole = lines.length === source.length && lines.every((line) => line.whole);
  const totals = whole
    ? {
        untaxed: fromOdooAmount(invoice.amount_untaxed, decimals),
        tax: fromOdooAmount(invoice.amount_tax, decimals),
        total,
      }
    : await previewTotals(
        odoo,
        session,
        decimals,
        lines.map((line) => ({
          taxIds: line.source.taxIds,
          unitPrice: line.source.unitPrice,
          quantity: line.quantity,
        })),
      );
  if (totals && creditedBefore + totals.total > total)
    throw new ToolError(
      "INVALID_STATUS",
      `The ${what} (${displayMoney(total, decimals, currency)}) already has credit notes of ${displayMoney(creditedBefore, decimals, currency)}; a further ${displayMoney(totals.total, decimals, currency)} would credit more than it. Credit at most ${displayMoney(total - creditedBefore, decimals, currency)}.`,
      { credited: minorToNumber(creditedBefore, decimals) },
    );
  const refund = input.refund ? planRefund(session, invoice, decimals, currency, totals) : null;
  return {
    session,
    invoice,
    decimals,
    currency,
    lines,
    sourceCount: source.length,
    whole,
    totals,
    creditedBefore,
    refund,
  };
}

/**
 * What a refund pays out: the part of the credit note the invoice's open amount does not absorb (posting
 * reconciles the credit note with what is still due first), i.e. the part of the invoice already paid. Nothing
 * paid: `VALIDATION_ERROR`, since a refund would pay money nobody received.
 */
function planRefund(
  session: AccountingSession,
  invoice: MoveRecord,
  decimals: number,
  currency: string,
  totals: PreviewTotals | null,
): CreditPlan["refund"] {
  const what = moveLabel(invoice);
  if (!totals)
    throw new ToolError(
      "VALIDATION_ERROR",
      `Odoo did not compute the credit note's total read-only, so the refund of the ${what} cannot be shown before approval; credit whole lines, or refund in a second step (record_payment on the credit note).`,
    );
  const residual = fromOdooAmount(invoice.amount_residual, decimals);
  const amount = residual >= totals.total ? 0n : totals.total - residual;
  if (amount <= 0n)
    throw new ToolError(
      "VALIDATION_ERROR",
      `Nothing to refund: ${displayMoney(residual, decimals, currency)} is still due on the ${what}, and the credit note only reduces it. Leave out refund.`,
      { amount_residual: minorToNumber(residual, decimals) },
    );
  return { amount, ...refundJournal(session, invoice) };
}

/** The bank journal a refund goes through: a customer's refund goes out (outbound), a vendor's comes back in. */
function refundJournal(session: AccountingSession, invoice: MoveRecord) {
  return selectPaymentJournal(
    session,
    "bank_transfer",
    invoice.move_type === "out_invoice" ? "outbound" : "inbound",
  );
}

/** "0:4,1:1": the lines credited, by id on the invoice, with their quantities (part of what the person approves). */
function linesKey(plan: CreditPlan): string {
  return plan.lines.map((line) => `${line.source.id}:${line.quantity}`).join(",");
}

/** What a person approves of a credit note, by id: the invoice, its partner, currency and total, the lines and their total, the refund. */
function creditBinding(plan: CreditPlan): Binding {
  return {
    move_id: plan.invoice.id,
    partner_id: m2oId(plan.invoice.partner_id),
    currency: plan.currency,
    amount_total: formatMinor(fromOdooAmount(plan.invoice.amount_total, plan.decimals), plan.decimals),
    credited_lines: linesKey(plan),
    // What the lines credited come to: a line repriced under the same id and total would credit another amount.
    credited_total: plan.totals ? formatMinor(plan.totals.total, plan.decimals) : null,
    refund: plan.refund?.amount != null ? formatMinor(plan.refund.amount, plan.decimals) : null,
    ...(plan.refund ? { journal_id: plan.refund.journal.id } : {}),
  };
}

function creditDocument(plan: CreditPlan, input: CreateCreditNoteInput): RequestDocument {
  const { decimals, currency } = plan;
  const money = (minor: bigint) => displayMoney(minor, decimals, currency);
  const odooMoney = (value: unknown) => money(fromOdooAmount(value, decimals));
  const unknown = "computed by Odoo at creation";
  const partner = m2oName(plan.invoice.partner_id) ?? "";
  const number = invoiceRef(plan.invoice);
  const { kind, role } = moveKind(plan.invoice);
  const noteKind = plan.invoice.move_type === "out_invoice" ? "credit note" : "vendor refund";
  const taxNames = new Map(plan.session.taxes.map((tax) => [tax.id, tax.name]));
  const total = plan.totals ? money(plan.totals.total) : unknown;
  const refundAmount = plan.refund?.amount ?? 0n;
  const refund = plan.refund
    ? ` Then it pays ${money(refundAmount)} ${plan.invoice.move_type === "out_invoice" ? `back to ${partner}` : `in from ${partner}`} from ${plan.refund.journal.name}, reconciled with the ${noteKind}.`
    : "";
  return {
    name: `${plan.whole ? "Credit note" : "Partial credit note"} for ${kind} ${number}, ${partner}, ${total}`,
    effect:
      `Creates a ${noteKind} of ${total} for ${kind} ${number} through Odoo's reversal wizard and posts it: it enters the books at once, ` +
      `reducing what ${partner} ${plan.invoice.move_type === "out_invoice" ? "owes" : "is owed"}.${refund} Nothing is emailed.`,
    party: { role, name: partner },
    lines: plan.lines.map((line) => {
      const taxes = line.source.taxIds.map((id) => taxNames.get(id) ?? `tax ${id}`);
      return {
        description: line.source.description,
        quantity: line.whole
          ? amountText(line.quantity)
          : `${amountText(line.quantity)} of ${amountText(line.source.quantity)}`,
        unit_price: moneyText(line.source.unitPrice, currency, decimals),
        ...(taxes.length > 0 ? { taxes: taxes.join(", ") } : {}),
        // A lowered line: its untaxed subtotal at the credited quantity (Odoo's own once it is made).
        subtotal: line.whole
          ? odooMoney(line.source.subtotal)
          : money(lineSubtotalMinor(line.quantity, line.source.unitPrice, decimals)),
      };
    }),
    amounts: [
      { label: "Subtotal", amount: plan.totals ? money(plan.totals.untaxed) : unknown },
      { label: "Tax", amount: plan.totals ? money(plan.totals.tax) : unknown },
      { label: "Credit note total", amount: total, strong: !plan.refund },
      {
        label: `${kind[0]?.toUpperCase()}${kind.slice(1)} total`,
        amount: odooMoney(plan.invoice.amount_total),
      },
      ...(plan.creditedBefore > 0n ? [{ label: "Credited before", amount: money(plan.creditedBefore) }] : []),
      { label: "Still due on it", amount: odooMoney(plan.invoice.amount_residual) },
      ...(plan.refund ? [{ label: "Refund paid out", amount: money(refundAmount), strong: true }] : []),
    ],
    rows: [
      ...companyRows(plan.session),
      { label: "Credits", value: `${kind} ${number}, ${partner}` },
      { label: "Reason", value: input.reason.trim() },
      { label: "Credit note date", value: dateText(input.date) },
      ...(plan.refund
        ? [
            { label: "Refund journal", value: `${plan.refund.journal.name} (${plan.refund.journal.code})` },
            { label: "Refund date", value: dateText(input.date) },
          ]
        : []),
    ],
  };
}

function creditOutput(
  plan: CreditPlan,
  note: OdooRecord,
  refund: OdooRecord | null,
  warnings: string[] = [],
): CreateCreditNoteOutput {
  return {
    credit_note_id: invoiceRef(note),
    record_id: note.id as number,
    invoice_id: invoiceRef(plan.invoice),
    status: "posted",
    total_amount: minorToNumber(fromOdooAmount(note.amount_total, plan.decimals), plan.decimals),
    amount_tax: minorToNumber(fromOdooAmount(note.amount_tax, plan.decimals), plan.decimals),
    currency: plan.currency,
    refund: refund
      ? {
          id: str(refund.name) ?? String(refund.id),
          amount: minorToNumber(fromOdooAmount(refund.amount, plan.decimals), plan.decimals),
        }
      : null,
    odoo_url: moveUrl(plan.session, note.id as number),
    warnings,
  };
}

const CREDITED = "Credited";
const REFUNDED = "Refunded";
const PAYMENT_FIELDS = ["name", "state", "amount", "partner_id", "reconciled_invoice_ids", "date"];

/**
 * The wizard's draft brought to what was asked: the lines not credited removed, the lowered ones at their quantity.
 * The draft's lines are the invoice's, in the same order (Odoo copies them); checked by description first.
 */
async function adjustLines(odoo: Odoo, plan: CreditPlan, noteId: number): Promise<void> {
  if (plan.whole) return;
  const draft = await productLines(odoo, noteId);
  // Already done (a replay after the write): the draft holds exactly the credited lines at their quantities.
  const done =
    draft.length === plan.lines.length &&
    plan.lines.every(
      (line, at) =>
        draft[at]?.description === line.source.description &&
        quantityMinor(draft[at]?.quantity ?? 0) === quantityMinor(line.quantity),
    );
  if (done) return;
  const copied =
    draft.length === plan.sourceCount &&
    plan.lines.every((line) => draft[line.index]?.description === line.source.description);
  if (!copied)
    throw new ToolError(
      "ODOO_ERROR",
      `Odoo's draft credit note (record id ${noteId}) does not hold the lines of the ${moveLabel(plan.invoice)}; finish it in Odoo.`,
    );
  const wanted = new Map(plan.lines.map((line) => [line.index, line]));
  const commands: unknown[] = [];
  for (const [index, line] of draft.entries()) {
    const credited = wanted.get(index);
    if (!credited) commands.push([2, line.id]);
    else if (quantityMinor(line.quantity) !== quantityMinor(credited.quantity))
      commands.push([1, line.id, { quantity: credited.quantity }]);
  }
  await odoo.write("account.move", [noteId], { invoice_line_ids: commands });
}

/** The credit note found or just made, finished: lines, posted, refunded; each step checked against Odoo first. */
async function finish(
  odoo: Odoo,
  plan: CreditPlan,
  noteId: number,
  approvalId: string,
  marker?: AttemptMarker,
) {
  const [draft] = await odoo.read("account.move", [noteId], CREDIT_FIELDS);
  if (!draft) throw new ToolError("ODOO_ERROR", `Odoo made credit note ${noteId} but does not return it.`);
  if (draft.state === "draft") {
    await adjustLines(odoo, plan, noteId);
    await postMove(odoo, draft as MoveRecord);
  }
  const [note] = await odoo.read("account.move", [noteId], CREDIT_FIELDS);
  if (note?.state !== "posted")
    throw new ToolError("ODOO_ERROR", `Odoo accepted posting credit note ${noteId} but it is not posted.`);
  const refund = plan.refund ? await payRefund(odoo, plan, note, approvalId, marker) : null;
  const [after] = refund ? await odoo.read("account.move", [noteId], CREDIT_FIELDS) : [note];
  return creditOutput(plan, after ?? note, refund);
}

/** The refund of this approval: found by its note (or the watermark), else paid now through the payment wizard. */
async function payRefund(
  odoo: Odoo,
  plan: CreditPlan,
  note: OdooRecord,
  approvalId: string,
  marker?: AttemptMarker,
): Promise<OdooRecord> {
  const refund = plan.refund;
  if (!refund) throw new TypeError("no refund planned");
  const tagged = await recordsTaggedWith(odoo, "account.payment", approvalId, REFUNDED);
  if (tagged.length > 0) {
    const [payment] = await odoo.read("account.payment", [tagged[0] as number], PAYMENT_FIELDS);
    if (payment) return payment;
  }
  if (marker) {
    const after = typeof marker.max_payment_id === "number" ? marker.max_payment_id : 0;
    const rows = await odoo.searchRead("account.payment", [["id", ">", after]], PAYMENT_FIELDS, {
      order: "id",
    });
    for (const row of rows) {
      if (!ids(row.reconciled_invoice_ids).includes(note.id as number)) continue;
      if ((await approvalsNamedOn(odoo, "account.payment", row.id as number)).length > 0) continue;
      await postApprovalNote(odoo, "account.payment", row.id as number, REFUNDED, approvalId);
      return row;
    }
  }
  // What the credit note leaves open once posted is what was paid on the invoice; it must be what was approved.
  const open = fromOdooAmount(note.amount_residual, plan.decimals);
  const amount = refund.amount ?? open;
  if (open <= 0n || amount !== open)
    throw new ToolError(
      "RECONCILIATION_FAILED",
      `Credit note ${invoiceRef(note)} is posted, but it leaves ${displayMoney(open, plan.decimals, plan.currency)} open where the approved refund is ${displayMoney(amount, plan.decimals, plan.currency)}; nothing was paid out. Pay it in Odoo, or with record_payment on the credit note.`,
      { credit_note_id: invoiceRef(note), record_id: note.id },
    );
  const context = { active_model: "account.move", active_ids: [note.id] };
  const wizardId = await odoo.create(
    "account.payment.register",
    {
      amount: minorToNumber(amount, plan.decimals),
      payment_date: str(note.date) ?? str(note.invoice_date),
      journal_id: refund.journal.id,
      payment_method_line_id: refund.line.id,
    },
    context,
  );
  const action = await odoo.call<OdooRecord | null>({
    model: "account.payment.register",
    method: "action_create_payments",
    ids: [wizardId],
    context,
  });
  const paymentId = typeof action?.res_id === "number" ? action.res_id : null;
  if (paymentId === null)
    throw new ToolError("ODOO_ERROR", "Odoo's payment wizard answered without a refund payment.");
  await tagQuietly(odoo, "account.payment", paymentId, REFUNDED, approvalId);
  const [payment] = await odoo.read("account.payment", [paymentId], PAYMENT_FIELDS);
  if (!payment || !VALIDATED_PAYMENT_STATES.includes(String(payment.state)))
    throw new ToolError(
      "RECONCILIATION_FAILED",
      `Odoo made refund payment ${paymentId} for credit note ${invoiceRef(note)} but left it ${String(payment?.state)}; check it in Odoo.`,
      { record_id: paymentId },
    );
  return payment;
}

export const createCreditNoteOperation: WriteOperation<CreateCreditNoteInput, CreateCreditNoteOutput> = {
  tool: "create_credit_note",
  result: createCreditNoteResult,

  async prepare(odoo, input) {
    const plan = await planCreditNote(odoo, input);
    // A customer's credit note gives them money or credit: a party the agent created recently is flagged.
    const flags =
      plan.invoice.move_type === "out_invoice"
        ? await recentPartnerFlags(
            odoo,
            plan.session,
            [m2oId(plan.invoice.partner_id), m2oId(plan.invoice.commercial_partner_id)],
            moveKind(plan.invoice).role,
          )
        : {};
    const document = { ...creditDocument(plan, input), ...flags };
    const money = (minor: bigint | undefined) =>
      minor === undefined ? null : formatMinor(minor, plan.decimals);
    return {
      summary: withCompany(plan.session, documentText(document)),
      document,
      target: document.name,
      // A credit note gives money back or undoes what is owed: money going out, a person decides (policy.ts).
      direction: moneyDirectionOf(plan.invoice.move_type === "out_invoice" ? "out_refund" : "in_refund"),
      ...(plan.totals ? { amount: formatMinor(plan.totals.total, plan.decimals) } : {}),
      currency: plan.currency,
      facts: {
        ...companyFact(plan.session),
        invoice: {
          record_id: plan.invoice.id,
          invoice_id: invoiceRef(plan.invoice),
          partner: m2oName(plan.invoice.partner_id) ?? "",
        },
        lines: plan.lines.map((line) => ({
          index: line.index,
          description: line.source.description,
          quantity: line.quantity,
          of: line.source.quantity,
        })),
        untaxed: money(plan.totals?.untaxed),
        tax: money(plan.totals?.tax),
        total: money(plan.totals?.total),
        reason: input.reason.trim(),
        date: input.date,
        refund: plan.refund
          ? { amount: money(plan.refund.amount ?? undefined), journal: plan.refund.journal.name }
          : null,
      },
      binding: creditBinding(plan),
    };
  },

  async mark(odoo): Promise<AttemptMarker> {
    const [maxMove, maxPayment] = await Promise.all([
      highestId(odoo, "account.move"),
      highestId(odoo, "account.payment"),
    ]);
    return { max_move_id: maxMove, max_payment_id: maxPayment };
  },

  /**
   * By the approval id: the credit note whose chatter holds this approval's "Credited" note; with a marker, a
   * reversal of this invoice above the watermark that no approval tagged (the window between `refund_moves` and the
   * note) gets its note now. Either is finished (lines, post, refund) before it is answered.
   */
  async findApplied(odoo, input, ref) {
    const tagged = await recordsTaggedWith(odoo, "account.move", ref.approvalId, CREDITED);
    let noteId = tagged[0] ?? null;
    const invoice = await resolveInvoice(odoo, input.invoice_id);
    if (noteId === null && ref.marker) {
      const after = typeof ref.marker.max_move_id === "number" ? ref.marker.max_move_id : 0;
      const rows = await odoo.searchRead(
        "account.move",
        [
          ["id", ">", after],
          ["reversed_entry_id", "=", invoice.id],
        ],
        ["id"],
        { order: "id" },
      );
      for (const row of rows) {
        if ((await approvalsNamedOn(odoo, "account.move", row.id as number)).length > 0) continue;
        await postApprovalNote(odoo, "account.move", row.id as number, CREDITED, ref.approvalId);
        noteId = row.id as number;
        break;
      }
    }
    if (noteId === null) return null;
    // The plan as approved; the credit note itself is no longer counted among the invoice's credits.
    const plan = await planFound(odoo, input, noteId, ref.bound);
    return finish(odoo, plan, noteId, ref.approvalId, ref.marker);
  },

  async apply(odoo, input, ref) {
    const plan = await planCreditNote(odoo, input);
    // The invoice, its partner, currency and total, the lines and the refund the person approved: before the wizard.
    assertBound(ref.bound, creditBinding(plan), moveLabel(plan.invoice), {
      partner_id: m2oName(plan.invoice.partner_id) ?? undefined,
    });
    const context = {
      active_model: "account.move",
      active_ids: [plan.invoice.id],
      active_id: plan.invoice.id,
    };
    const wizardId = await odoo.create(
      "account.move.reversal",
      { reason: input.reason.trim(), date: input.date, journal_id: m2oId(plan.invoice.journal_id) },
      context,
    );
    const action = await odoo.call<OdooRecord | null>({
      model: "account.move.reversal",
      method: "refund_moves",
      ids: [wizardId],
      context,
    });
    const noteId = typeof action?.res_id === "number" ? action.res_id : null;
    if (noteId === null) {
      const found = await createCreditNoteOperation.findApplied(odoo, input, ref);
      if (!found) throw new ToolError("ODOO_ERROR", "Odoo's reversal wizard answered without a credit note.");
      return found;
    }
    const tagged = await tagQuietly(odoo, "account.move", noteId, CREDITED, ref.approvalId);
    const output = await finish(odoo, plan, noteId, ref.approvalId, ref.marker);
    if (!tagged)
      output.warnings.push(
        "Odoo refused the internal note that ties this credit note to its approval; running the approval again could repeat it.",
      );
    return output;
  },

  async dryRun(odoo, prepared, input) {
    const plan = await planCreditNote(odoo, input);
    const amount = (minor: bigint | undefined) =>
      minor === undefined ? null : minorToNumber(minor, plan.decimals);
    return {
      fields: {
        credit_note_id: null,
        record_id: null,
        invoice_id: invoiceRef(plan.invoice),
        total_amount: amount(plan.totals?.total),
        amount_tax: amount(plan.totals?.tax),
        currency: plan.currency,
        refund: null,
        odoo_url: null,
        warnings: plan.totals
          ? []
          : ["Odoo did not compute the taxes read-only; the totals are known once the credit note is made."],
      },
      would: {
        odoo_calls: [
          "account.move.reversal create (context active_model/active_ids) and refund_moves",
          "account.move message_post (internal note with the approval id)",
          ...(plan.whole ? [] : ["account.move write (the credited lines and quantities)"]),
          "account.move action_post",
          ...(plan.refund ? ["account.payment.register create and action_create_payments (the refund)"] : []),
        ],
        ...prepared.facts,
      },
    };
  },
};

/**
 * The plan of a credit note found in Odoo: the checks of `planCreditNote` would now refuse it (the invoice is
 * credited, perhaps fully), so the same plan is built with this credit note left out of what was credited before.
 */
async function planFound(
  odoo: Odoo,
  input: CreateCreditNoteInput,
  noteId: number,
  bound: Binding | undefined,
): Promise<CreditPlan> {
  const session = await getSession(odoo);
  const invoice = await resolveInvoice(odoo, input.invoice_id, INVOICE_FIELDS);
  const { decimals, currency } = await currencyOf(odoo, session, invoice);
  const source = await productLines(odoo, invoice.id);
  const lines = chooseLines(source, input.lines, moveLabel(invoice));
  const whole = lines.length === source.length && lines.every((line) => line.whole);
  const [note] = await odoo.read("account.move", [noteId], CREDIT_FIELDS);
  const totals = note
    ? {
        untaxed: fromOdooAmount(note.amount_untaxed, decimals),
        tax: fromOdooAmount(note.amount_tax, decimals),
        total: fromOdooAmount(note.amount_total, decimals),
      }
    : null;
  const approved = typeof bound?.refund === "string" ? toMinor(bound.refund, decimals) : null;
  const refund = input.refund ? { amount: approved, ...refundJournal(session, invoice) } : null;
  return {
    session,
    invoice,
    decimals,
    currency,
    lines,
    sourceCount: source.length,
    whole,
    totals,
    creditedBefore: 0n,
    refund,
  };
}
