/**
 * `send_reminder`: a payment reminder for one overdue invoice, or for all of a customer's, emailed through Odoo's
 * mail composer (`mail.compose.message`, comment mode on the customer's `res.partner`, the recipient in
 * `partner_ids`) with each invoice's PDF: the one Odoo made when the invoice was sent (`invoice_pdf_report_id`;
 * Odoo 19 offers no public call that renders it otherwise, so an invoice never sent is refused: send it first).
 * Seen on the lab (odoo-recordings/19/21-reminders): one email with both PDFs, which stay the invoices'.
 *
 * Overdue is what `list_overdue` says: an invoice with an open receivable line (one per instalment) due before
 * today, not `invoice_date_due`, which on Odoo 17+ is the LAST instalment's (odoo-recordings/19/24-reminder-
 * installments); each invoice is reminded for its overdue instalments, from the earliest one's due date, the later
 * ones named as not yet due.
 *
 * The text the person approves is the text sent: the agent's, or a default built from what the binding fixes
 * (the customer's name, each invoice's number, due date, amount overdue and amount due later). Exactly once and "when were they last
 * reminded" both rest on Odoo: right after the email, an internal note "Reminder sent by odoo-mcp, approval apr_…"
 * on the customer (`approval-tag.ts`); `lastReminders` reads its date, never a local file. A customer reminded
 * within `reminder_days` (ODOO_MCP_REMINDER_DAYS, stored with the request by the tool) is refused with
 * `ALREADY_REMINDED` unless the call says `again: true`; the approval then flags the last reminder.
 */
import { z } from "zod";
import type { RequestDocument } from "../../shared/document.js";
import { dateText, documentText } from "../../shared/document-text.js";
import { moneyText } from "../../shared/money-text.js";
import { daysBetween, isOverdue, odooDatetimeToIso, todayIn } from "../dates.js";
import { ToolError } from "../errors.js";
import { formatMinor, fromOdooAmount, sumMinor } from "../money.js";
import type { Odoo } from "../odoo/types.js";
import { approvalNotes, INTERNAL_NOTES, isApprovalNote, refuseNoteText } from "./approval-tag.js";
import { deliveryOf } from "./mail-delivery.js";
import { highestId, tagQuietly } from "./moves.js";
import type { Binding, WriteOperation } from "./operation.js";
import { assertBound } from "./operation.js";
import { currencyOf, type MoveRecord, resolveInvoice, textToHtml } from "./records.js";
import {
  type AccountingSession,
  companyFact,
  companyRows,
  getSession,
  recordUrl,
  withCompany,
} from "./session.js";
import { ids, m2oId, m2oName, str } from "./values.js";

export interface SendReminderInput {
  /** One invoice (number or record id)... */
  invoice_id?: string;
  /** ...or all overdue invoices of this customer (res.partner id, as list_overdue gives it). */
  partner_id?: number;
  email_subject?: string;
  /** Plain text; sent as HTML paragraphs. */
  email_body?: string;
  /** Remind a customer already reminded within `reminder_days`. */
  again?: boolean;
  /** ODOO_MCP_REMINDER_DAYS when the request was made (set by the tool, never by the agent). */
  reminder_days?: number;
}

export const sendReminderResult = z.object({
  status: z.literal("sent"),
  partner_id: z.number().int(),
  sent_to: z.string(),
  invoices: z.array(z.string()),
  overdue_total: z.string().describe("Company currency"),
  currency: z.string(),
  email_sent: z.boolean(),
  sent_at: z.string(),
  message_id: z.number().int(),
  odoo_url: z.string(),
});
export type SendReminderOutput = z.infer<typeof sendReminderResult>;

export const DEFAULT_REMINDER_DAYS = 7;
const REMINDED = "Reminder sent";
const FIELDS = [
  "name",
  "state",
  "payment_state",
  "amount_untaxed",
  "amount_tax",
  "amount_total",
  "amount_residual",
  "invoice_date",
  "invoice_date_due",
  "currency_id",
  "partner_id",
  "move_type",
  "is_move_sent",
  "create_date",
  "amount_residual_signed",
  "invoice_pdf_report_id",
];
const OPEN = ["not_paid", "partial"];

export interface LastReminder {
  /** ISO 8601 (UTC). */
  at: string;
  approvalId: string;
}

/** The latest odoo-mcp reminder of each customer (`res.partner` ids), read from their chatter notes. */
export async function lastReminders(odoo: Odoo, partnerIds: number[]): Promise<Map<number, LastReminder>> {
  const out = new Map<number, LastReminder>();
  if (partnerIds.length === 0) return out;
  const rows = await odoo.searchRead(
    "mail.message",
    [
      ["model", "=", "res.partner"],
      ["res_id", "in", partnerIds],
      ["body", "ilike", `${REMINDED} by odoo-mcp, approval apr`],
      INTERNAL_NOTES,
    ],
    ["res_id", "date", "body"],
    { order: "id desc" },
  );
  for (const row of rows) {
    const match = /Reminder sent by odoo-mcp, approval (apr_[a-z2-7]+)/.exec(str(row.body) ?? "");
    const at = odooDatetimeToIso(row.date);
    const resId = row.res_id;
    if (match && at && typeof resId === "number" && !out.has(resId))
      out.set(resId, { at, approvalId: match[1] as string });
  }
  return out;
}

interface Entry {
  move: MoveRecord;
  number: string;
  /** Its earliest overdue instalment's due date; with none overdue, its next instalment's (or the invoice's). */
  due: string;
  daysLate: number;
  /** What is overdue on it (its overdue instalments' residuals), in the invoice's currency. */
  residual: string;
  /** What is open on it and not due yet (its later instalments), in the invoice's currency. */
  later: string;
  laterMinor: bigint;
  /** More than one instalment open on it. */
  several: boolean;
  currency: string;
  /** What is overdue on it in the company currency, minor units. */
  companyResidual: bigint;
}

/** An open receivable line of an invoice: one instalment (`date_maturity`) and what is still open on it. */
interface Instalment {
  moveId: number;
  due: string | null;
  row: Record<string, unknown>;
}

const INSTALMENT_FIELDS = ["move_id", "date_maturity", "amount_residual", "amount_residual_currency"];
/** Open receivable lines (one per instalment), earliest due first: what list_overdue's aged receivables read too. */
const OPEN_RECEIVABLE: Array<[string, string, unknown]> = [
  ["account_id.account_type", "=", "asset_receivable"],
  ["reconciled", "=", false],
];

async function openInstalments(odoo: Odoo, where: Array<[string, string, unknown]>): Promise<Instalment[]> {
  const rows = await odoo.searchRead("account.move.line", [...where, ...OPEN_RECEIVABLE], INSTALMENT_FIELDS, {
    order: "date_maturity, id",
  });
  return rows.flatMap((row) => {
    const moveId = m2oId(row.move_id);
    return moveId === null ? [] : [{ moveId, due: str(row.date_maturity) ?? null, row }];
  });
}

interface Reminder {
  session: AccountingSession;
  today: string;
  customer: { id: number; name: string };
  recipient: { id: number; name: string; email: string };
  entries: Entry[];
  overdueTotal: string;
  last: LastReminder | null;
}

/** Reads what a reminder is about: the invoices (by the approved ids when `bound` has them), the recipient. */
async function gather(odoo: Odoo, input: SendReminderInput, bound?: Binding): Promise<Reminder> {
  const session = await getSession(odoo);
  const today = todayIn(session.timeZone);
  if ((input.invoice_id === undefined) === (input.partner_id === undefined))
    throw new ToolError(
      "VALIDATION_ERROR",
      "Give either invoice_id (one invoice) or partner_id (all of a customer's overdue invoices).",
    );
  const boundIds = typeof bound?.invoice_ids === "string" ? bound.invoice_ids.split(",").map(Number) : null;
  let moves: MoveRecord[];
  let instalments: Instalment[] | null = null;
  if (boundIds) moves = await movesInOrder(odoo, boundIds);
  else if (input.invoice_id !== undefined) {
    moves = [await resolveInvoice(odoo, input.invoice_id, FIELDS)];
  } else moves = [];
  const recipientId = input.partner_id ?? m2oId(moves[0]?.partner_id);
  if (recipientId === null || recipientId === undefined)
    throw new ToolError("INVALID_STATUS", "The invoice has no customer; set one in Odoo first.");
  // search_read, not read: a partner that does not exist (or is archived) is absent, not an Odoo error.
  const [partner] = await odoo.searchRead(
    "res.partner",
    [["id", "=", recipientId]],
    ["name", "email", "commercial_partner_id"],
  );
  if (!partner)
    throw new ToolError(
      "CUSTOMER_NOT_FOUND",
      `No customer with id ${recipientId} in Odoo; list_overdue gives the ids.`,
    );
  const name = str(partner.name) ?? `partner ${recipientId}`;
  const customerId = m2oId(partner.commercial_partner_id) ?? recipientId;
  if (!boundIds && input.partner_id !== undefined) {
    // Overdue as list_overdue says: an open instalment (receivable line) due before today. Not invoice_date_due,
    // which is the LAST instalment's (odoo-recordings/19/24-reminder-installments).
    instalments = await openInstalments(odoo, [
      ["parent_state", "=", "posted"],
      ["move_id.move_type", "=", "out_invoice"],
      ["partner_id", "child_of", customerId],
    ]);
    const late = [
      ...new Set(instalments.filter((i) => i.due !== null && isOverdue(i.due, today)).map((i) => i.moveId)),
    ];
    moves = (await movesInOrder(odoo, late)).filter((m) => OPEN.includes(String(m.payment_state)));
    if (moves.length === 0)
      throw new ToolError(
        "INVALID_STATUS",
        `${name} has no overdue invoices on ${today}; list_overdue shows who has.`,
      );
  }
  if (instalments === null && moves.length > 0)
    instalments = await openInstalments(odoo, [["move_id", "in", moves.map((m) => m.id)]]);
  const entries: Entry[] = [];
  for (const move of moves) {
    const { decimals, currency } = await currencyOf(odoo, session, move);
    const fallback = str(move.invoice_date_due) ?? str(move.invoice_date) ?? today;
    const open = (instalments ?? []).filter((i) => i.moveId === move.id);
    const late = open.filter((i) => isOverdue(i.due ?? fallback, today));
    const notYet = open.filter((i) => !late.includes(i));
    const inCurrency = (list: Instalment[]) =>
      sumMinor(list.map((i) => fromOdooAmount(i.row.amount_residual_currency, decimals)));
    const first = late[0] ?? notYet[0];
    const due = first?.due ?? fallback;
    entries.push({
      move,
      number: str(move.name) ?? String(move.id),
      due,
      daysLate: late.length > 0 ? daysBetween(due, today) : Math.min(0, daysBetween(due, today)),
      residual: formatMinor(inCurrency(late), decimals),
      later: formatMinor(inCurrency(notYet), decimals),
      laterMinor: inCurrency(notYet),
      several: open.length > 1,
      currency,
      companyResidual: sumMinor(
        late.map((i) => fromOdooAmount(i.row.amount_residual, session.company.decimals)),
      ),
    });
  }
  const last = (await lastReminders(odoo, [customerId])).get(customerId) ?? null;
  return {
    session,
    today,
    customer: { id: customerId, name: m2oName(partner.commercial_partner_id) ?? name },
    recipient: { id: recipientId, name, email: str(partner.email) ?? "" },
    entries,
    overdueTotal: formatMinor(sumMinor(entries.map((e) => e.companyResidual)), session.company.decimals),
    last,
  };
}

/** Invoices by id, in the order of `moveIds`; one gone from Odoo leaves its id unmatched, which a binding then names. */
async function movesInOrder(odoo: Odoo, moveIds: number[]): Promise<MoveRecord[]> {
  if (moveIds.length === 0) return [];
  const rows = await odoo.searchRead("account.move", [["id", "in", moveIds]], FIELDS);
  return moveIds.flatMap((id) => rows.filter((row) => row.id === id)) as MoveRecord[];
}

/** What the person approves, by id: the customer, the address, and each invoice with what is due on it. */
function bindingOf(r: Reminder): Binding {
  return {
    partner_id: r.customer.id,
    ...(r.entries.length === 1 && r.entries[0] ? { move_id: r.entries[0].move.id } : {}),
    customer_name: r.recipient.name,
    email: r.recipient.email,
    currency: r.session.company.currency,
    overdue_total: r.overdueTotal,
    invoice_ids: r.entries.map((e) => e.move.id).join(","),
    ...Object.fromEntries(
      r.entries.map((e) => [
        `invoice_${e.move.id}`,
        `${e.number}, due ${e.due}, ${e.residual} ${e.currency} due${hasLater(e) ? `, ${e.later} ${e.currency} due later` : ""}`,
      ]),
    ),
  };
}

/** Whether an invoice has open instalments not due yet. */
const hasLater = (e: Entry) => e.laterMinor !== 0n;

/** Refusals: what cannot be reminded, and a customer reminded too recently unless `again`. */
function assertRemindable(r: Reminder, input: SendReminderInput, now: Date): void {
  for (const e of r.entries) {
    const what = `Invoice ${e.number}`;
    if (e.move.move_type !== "out_invoice" || e.move.state !== "posted")
      throw new ToolError(
        "INVALID_STATUS",
        `${what} is not a posted customer invoice; only those are reminded.`,
      );
    if (!OPEN.includes(String(e.move.payment_state)))
      throw new ToolError(
        "INVALID_STATUS",
        `${what} is not open (payment state ${String(e.move.payment_state)}): nothing to remind.`,
      );
    if (e.daysLate <= 0)
      throw new ToolError(
        "INVALID_STATUS",
        `${what} is not overdue: ${e.several ? "its next instalment is" : "it is"} due on ${dateText(e.due)}.`,
      );
    if (m2oId(e.move.invoice_pdf_report_id) === null)
      throw new ToolError(
        "INVALID_STATUS",
        `${what} was never sent, so Odoo holds no PDF of it to attach: send it with send_invoice first.`,
      );
  }
  if (!r.recipient.email)
    throw new ToolError(
      "EMAIL_SEND_FAILED",
      `${r.recipient.name} has no email address in Odoo, so no reminder can be emailed. Nothing was sent. Add the email to the contact in Odoo, then try again.`,
      { partner_id: r.recipient.id },
    );
  const days = input.reminder_days ?? DEFAULT_REMINDER_DAYS;
  const recent = recentReminder(r, days, now);
  if (recent && input.again !== true)
    throw new ToolError(
      "ALREADY_REMINDED",
      `${r.customer.name} was reminded on ${recent} (ODOO_MCP_REMINDER_DAYS is ${days}). Nothing was sent; give again: true to remind them once more anyway.`,
      { last_reminded: r.last?.at, approval_id: r.last?.approvalId },
    );
}

/** The last reminder's date as a person reads it, when it is within `days` of `now`; else null. */
function recentReminder(r: Reminder, days: number, now: Date): string | null {
  if (!r.last) return null;
  const at = new Date(r.last.at);
  if (now.getTime() - at.getTime() >= days * 86_400_000) return null;
  return `${dateText(todayIn(r.session.timeZone, at))} (${r.last.approvalId})`;
}

/**
 * The text as rows, a line each (long lines in pieces of at most 500 characters): every surface shows each row
 * whole, so the person reads the text in full, with its line breaks, before approving it.
 */
function messageRows(text: string): { label: string; value: string }[] {
  const pieces = text.split(/\r?\n/).flatMap((line) => {
    const out: string[] = [];
    let rest = line;
    while (rest.length > 500) {
      const cut = rest.lastIndexOf(" ", 500);
      const at = cut > 0 ? cut : 500;
      out.push(rest.slice(0, at));
      rest = rest.slice(at).trimStart();
    }
    out.push(rest);
    return out;
  });
  return pieces.map((value, index) => ({ label: index === 0 ? "Message" : "", value }));
}

function subjectOf(r: Reminder, input: SendReminderInput): string {
  return subjectFor(
    r.session.company.name,
    r.entries.map((e) => e.number),
    input,
  );
}

function subjectFor(company: string, numbers: string[], input: SendReminderInput): string {
  if (input.email_subject?.trim()) return input.email_subject.trim();
  return `Payment reminder from ${company}: ${
    numbers.length <= 3 ? numbers.join(", ") : `${numbers.length} overdue invoices`
  }`;
}

/** A subject as Odoo keeps it (a line break in it becomes a space). */
const sameSubject = (a: unknown, b: string) =>
  typeof a === "string" && a.replace(/\s+/g, " ").trim() === b.replace(/\s+/g, " ").trim();

function textOf(r: Reminder, input: SendReminderInput): string {
  if (input.email_body?.trim()) return input.email_body.trim();
  const one = r.entries.length === 1;
  const currencies = new Set(r.entries.map((e) => e.currency));
  const total =
    currencies.size === 1 && currencies.has(r.session.company.currency)
      ? `\n\nTotal overdue: ${moneyText(r.overdueTotal, r.session.company.currency)}.`
      : "";
  return [
    `Dear ${r.recipient.name},`,
    `Our records show that the following ${one ? "invoice is" : "invoices are"} past due:\n${r.entries
      .map(
        (e) =>
          `- ${e.number}, due ${dateText(e.due)}: ${moneyText(e.residual, e.currency)}${hasLater(e) ? ` (the instalments due so far; ${moneyText(e.later, e.currency)} more falls due later)` : ""}`,
      )
      .join("\n")}${total}`,
    `If you have already paid, please disregard this reminder. Otherwise we would be grateful for your payment at your earliest convenience. ${one ? "The invoice is" : "The invoices are"} attached.`,
    `Kind regards,\n${r.session.company.name}`,
  ].join("\n\n");
}

function output(
  r:
    | Reminder
    | { session: AccountingSession; customerId: number; email: string; numbers: string[]; total: string },
  messageId: number,
): SendReminderOutput {
  const common =
    "entries" in r
      ? {
          customerId: r.customer.id,
          email: r.recipient.email,
          numbers: r.entries.map((e) => e.number),
          total: r.overdueTotal,
        }
      : r;
  return {
    status: "sent",
    partner_id: common.customerId,
    sent_to: common.email,
    invoices: common.numbers,
    overdue_total: common.total,
    currency: r.session.company.currency,
    email_sent: true,
    sent_at: new Date().toISOString(),
    message_id: messageId,
    odoo_url: recordUrl(r.session, "res.partner", common.customerId),
  };
}

/**
 * The reminder's own message on the customer after `after` (odoo-mcp's notes aside), newest first; with `subject`,
 * only one with that subject (another email with attachments, sent from Odoo meanwhile, is not the reminder).
 */
async function sentMessages(
  odoo: Odoo,
  customerId: number,
  after: number,
  before?: number,
  subject?: string,
): Promise<number[]> {
  const rows = await odoo.searchRead(
    "mail.message",
    [
      ["model", "=", "res.partner"],
      ["res_id", "=", customerId],
      ["message_type", "=", "comment"],
      ["id", ">", after],
      ...(before !== undefined ? [["id", "<", before] as [string, string, unknown]] : []),
    ],
    ["subject", "body", "attachment_ids"],
    { order: "id desc", limit: 10 },
  );
  return rows
    .filter((m) => !isApprovalNote(str(m.body) ?? "") && ids(m.attachment_ids).length > 0)
    .filter((m) => subject === undefined || sameSubject(m.subject, subject))
    .map((m) => m.id as number);
}

/** `EMAIL_SEND_FAILED` unless the reminder's email reached the mail server; answers its message id. */
async function confirmSent(
  odoo: Odoo,
  r: { customerName: string; email: string },
  messageIds: number[],
): Promise<number> {
  const [messageId] = messageIds;
  if (messageId === undefined)
    throw new ToolError(
      "EMAIL_SEND_FAILED",
      `Odoo posted no reminder for ${r.customerName}; nothing was emailed.`,
    );
  const delivery = await deliveryOf(odoo, [messageId]);
  if (delivery.status === "sent") return messageId;
  const why =
    delivery.status === "failed"
      ? `was not delivered: ${delivery.reason}`
      : delivery.status === "pending"
        ? `is still waiting in Odoo's outgoing mail queue (status ${delivery.states.join(", ")})`
        : "was addressed to nobody";
  throw new ToolError(
    "EMAIL_SEND_FAILED",
    `The reminder to ${r.email || r.customerName} ${why}. It is in the customer's chatter in Odoo; resend it from there once the mail server works.`,
    delivery.status === "failed" ? { reason: delivery.reason } : undefined,
  );
}

export const sendReminderOperation: WriteOperation<SendReminderInput, SendReminderOutput> = {
  tool: "send_reminder",
  result: sendReminderResult,

  async prepare(odoo, input, bound) {
    refuseNoteText([input.email_subject, input.email_body], "The reminder's subject or text");
    const r = await gather(odoo, input, bound);
    const now = new Date();
    if (!bound) assertRemindable(r, input, now);
    const days = input.reminder_days ?? DEFAULT_REMINDER_DAYS;
    const recent = recentReminder(r, days, now);
    const text = textOf(r, input);
    const subject = subjectOf(r, input);
    const company = r.session.company.currency;
    const numbers = r.entries.map((e) => e.number);
    const document: RequestDocument = {
      name: `Payment reminder to ${r.customer.name}, ${numbers.length === 1 ? numbers[0] : `${numbers.length} overdue invoices`}, ${moneyText(r.overdueTotal, company)}`,
      effect: `Emails this payment reminder to ${r.recipient.email} through Odoo, with the PDF of ${numbers.join(", ")}. Nothing is posted, paid or changed on the invoices.`,
      party: { role: "Customer", name: r.customer.name },
      ...(recent
        ? {
            flags: [
              `Last reminded on ${recent}, within the ${days} days of ODOO_MCP_REMINDER_DAYS: this reminds them again.`,
            ],
          }
        : {}),
      amounts: [
        ...r.entries.map((e) => ({
          label: `${e.number}, due ${dateText(e.due)}, ${e.daysLate} days late`,
          amount: moneyText(e.residual, e.currency),
        })),
        { label: "Overdue total", amount: moneyText(r.overdueTotal, company), strong: true },
      ],
      rows: [
        ...companyRows(r.session),
        { label: "Email to", value: `${r.recipient.name} <${r.recipient.email}>` },
        ...(r.last && !recent
          ? [{ label: "Last reminded", value: dateText(todayIn(r.session.timeZone, new Date(r.last.at))) }]
          : []),
        { label: "Subject", value: subject },
        ...messageRows(text),
      ],
    };
    return {
      summary: withCompany(r.session, documentText(document)),
      document,
      target: document.name,
      // Nothing is owed or paid by it; the overdue total is what the chat's budget counts.
      direction: "none",
      amount: r.overdueTotal,
      currency: company,
      facts: {
        ...companyFact(r.session),
        partner_id: r.customer.id,
        sent_to: r.recipient.email,
        invoices: numbers,
        overdue_total: r.overdueTotal,
        last_reminded: r.last?.at ?? null,
        subject,
      },
      binding: bindingOf(r),
    };
  },

  async mark(odoo) {
    return { max_message_id: await highestId(odoo, "mail.message") };
  },

  /**
   * This approval's note on the customer, and the reminder's email just before it (delivery checked again); or,
   * with a recorded attempt, a reminder posted after its watermark and not yet tagged (the window between the
   * composer and the note), tagged now. Otherwise null.
   */
  async findApplied(odoo, input, ref) {
    const session = await getSession(odoo);
    const customerId =
      typeof ref.bound?.partner_id === "number"
        ? ref.bound.partner_id
        : (await gather(odoo, input, ref.bound)).customer.id;
    const note = (await approvalNotes(odoo, "res.partner", ref.approvalId, REMINDED)).find(
      (n) => n.resId === customerId,
    );
    const moveIds =
      typeof ref.bound?.invoice_ids === "string" ? ref.bound.invoice_ids.split(",").map(Number) : [];
    const rows = moveIds.length > 0 ? await odoo.read("account.move", moveIds, ["name"]) : [];
    // In the approved order: the default subject names them so.
    const names = moveIds.flatMap((id) => rows.filter((m) => m.id === id));
    let messages: number[];
    if (note) {
      messages = await sentMessages(odoo, customerId, 0, note.messageId);
    } else if (typeof ref.marker?.max_message_id === "number") {
      const subject = subjectFor(
        session.company.name,
        names.map((m) => str(m.name) ?? String(m.id)),
        input,
      );
      messages = await sentMessages(odoo, customerId, ref.marker.max_message_id, undefined, subject);
      if (messages.length === 0) return null;
    } else return null;
    const email = typeof ref.bound?.email === "string" ? ref.bound.email : "";
    const messageId = await confirmSent(odoo, { customerName: `customer ${customerId}`, email }, messages);
    if (!note) await tagQuietly(odoo, "res.partner", customerId, REMINDED, ref.approvalId);
    return output(
      {
        session,
        customerId,
        email,
        numbers: names.map((m) => str(m.name) ?? String(m.id)),
        total: typeof ref.bound?.overdue_total === "string" ? ref.bound.overdue_total : "0",
      },
      messageId,
    );
  },

  async apply(odoo, input, ref) {
    const r = await gather(odoo, input, ref.bound);
    // What the person approved (the customer, the address, each invoice and what is due on it), before anything.
    assertBound(ref.bound, bindingOf(r), `reminder to ${r.customer.name}`);
    assertRemindable(r, input, new Date());
    const after =
      typeof ref.marker.max_message_id === "number"
        ? ref.marker.max_message_id
        : await highestId(odoo, "mail.message");
    const composer = await odoo.create("mail.compose.message", {
      composition_mode: "comment",
      model: "res.partner",
      res_ids: `[${r.customer.id}]`,
      partner_ids: [[6, 0, [r.recipient.id]]],
      subject: subjectOf(r, input),
      body: textToHtml(textOf(r, input)),
      attachment_ids: [[6, 0, r.entries.map((e) => m2oId(e.move.invoice_pdf_report_id) as number)]],
    });
    await odoo.call({ model: "mail.compose.message", method: "action_send_mail", ids: [composer] });
    await tagQuietly(odoo, "res.partner", r.customer.id, REMINDED, ref.approvalId);
    const messageId = await confirmSent(
      odoo,
      { customerName: r.customer.name, email: r.recipient.email },
      await sentMessages(odoo, r.customer.id, after, undefined, subjectOf(r, input)),
    );
    return output(r, messageId);
  },

  async dryRun(odoo, prepared, input) {
    const r = await gather(odoo, input);
    return {
      fields: {
        status: "sent",
        partner_id: r.customer.id,
        sent_to: r.recipient.email,
        invoices: r.entries.map((e) => e.number),
        overdue_total: r.overdueTotal,
        currency: r.session.company.currency,
        email_sent: null,
        sent_at: null,
        message_id: null,
        odoo_url: recordUrl(r.session, "res.partner", r.customer.id),
      },
      would: {
        odoo_calls: [
          "mail.compose.message create (res.partner, the invoices' PDFs)",
          "mail.compose.message action_send_mail",
          "res.partner message_post (internal note with the approval id)",
        ],
        ...prepared.facts,
      },
    };
  },
};
