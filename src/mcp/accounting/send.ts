/**
 * `send_invoice`: posts a draft first, then emails the invoice with its PDF through Odoo's own send flow, and
 * checks that the mail actually left.
 *
 * The wizard differs per version (see the transcripts):
 * - 19: `account.move.send.wizard` with context `active_model`/`active_ids`; custom text in `subject`/`body`.
 * - 18: the same wizard, text in `mail_subject`/`mail_body`; giving them leaves `mail_partner_ids` empty (one
 *   compute sets all three) and Odoo then silently sends nothing, so the recipients are always given with them.
 * - 17: `account.move.send`, whose mail template comes from `account.move.action_send_and_print`'s context
 *   (`default_mail_template_id`); `checkbox_download: false` so that the answer is not a download.
 * When only one of subject/body is custom, the other is Odoo's default, read from a wizard created without them.
 *
 * Odoo answers success whatever happens to the mail. Delivery shows only on the chatter message's
 * `mail.notification` (and `mail.mail`): `sent` → `email_sent: true`; `exception`/`bounce` → `EMAIL_SEND_FAILED`
 * with Odoo's reason (Odoo marks the invoice sent anyway); `ready` (queued) → `mail.mail.send` once, then
 * re-checked. A recipient without an email is refused before anything is posted or sent, with
 * `EMAIL_SEND_FAILED` (one of send_invoice's own codes: the email cannot be sent), because Odoo would mark the
 * invoice sent without sending anything.
 */
import { z } from "zod";
import type { RequestDocument } from "../../shared/document.js";
import { documentText } from "../../shared/document-text.js";
import { ToolError } from "../errors.js";
import { formatMinor, fromOdooAmount } from "../money.js";
import type { Odoo, OdooContext } from "../odoo/types.js";
import {
  approvalNotes,
  approvalsNamedOn,
  isApprovalNote,
  postApprovalNote,
  refuseNoteText,
} from "./approval-tag.js";
import { deliveryOf } from "./mail-delivery.js";
import { moveDocumentParts, moveKind, numberWhenPosted } from "./move-document.js";
import { assertPostable, highestId, postMove, tagQuietly } from "./moves.js";
import type { AttemptMarker, WriteOperation } from "./operation.js";
import {
  assertMoveBound,
  currencyOf,
  invoiceRef,
  MOVE_FIELDS,
  type MoveRecord,
  moneyDirectionOf,
  moveBinding,
  moveLabel,
  resolveInvoice,
  textToHtml,
} from "./records.js";
import { type AccountingSession, companyFact, getSession, moveUrl, withCompany } from "./session.js";
import { ids, m2oId, m2oName, type OdooRecord, str } from "./values.js";

export interface SendInvoiceInput {
  invoice_id: string;
  email_subject?: string;
  /** Plain text; sent as HTML paragraphs. */
  email_body?: string;
}

/** What `send_invoice` answers once sent: the one definition (the tool's output schema extends it). */
export const sendInvoiceResult = z.object({
  invoice_id: z.string(),
  status: z.literal("sent"),
  email_sent: z.boolean().describe("Handed to Odoo's mail server"),
  sent_to: z.string(),
  sent_at: z.string(),
  record_id: z.number().int(),
  odoo_url: z.string(),
  posted: z.boolean().describe("This call posted the draft first"),
});
export type SendInvoiceOutput = z.infer<typeof sendInvoiceResult>;

const SENT = "Sent by odoo-mcp";
const POSTED_AND_SENT = "Posted and sent by odoo-mcp";
/** The note post_invoice leaves on a move it posted; send_invoice leaves it too, right after posting a draft. */
const POSTED = "Posted";

/**
 * Whether THIS approval posted the move: its "Posted" note is on it. A replay that finds the move already posted
 * (Odoo stopped between the post and the email) reads it, so that it still answers `posted: true`.
 */
async function postedBy(odoo: Odoo, moveId: number, approvalId: string): Promise<boolean> {
  return (await approvalsNamedOn(odoo, "account.move", moveId, POSTED)).includes(approvalId);
}

interface Recipient {
  partnerId: number;
  name: string;
  email: string;
}

async function checkSendable(odoo: Odoo, move: MoveRecord): Promise<Recipient> {
  if (move.move_type !== "out_invoice" && move.move_type !== "out_refund") {
    throw new ToolError(
      "INVALID_STATUS",
      `The ${moveLabel(move)} is not a customer invoice; only customer invoices and credit notes are sent to customers.`,
    );
  }
  if (move.state !== "draft" && move.state !== "posted") {
    throw new ToolError(
      "INVALID_STATUS",
      `The ${moveLabel(move)} is cancelled; a cancelled invoice is not sent.`,
      {
        state: move.state,
      },
    );
  }
  if (move.is_move_sent === true) {
    throw new ToolError(
      "INVOICE_ALREADY_SENT",
      `The ${moveLabel(move)} has already been sent. Resend it from Odoo if the customer needs another copy.`,
    );
  }
  const partnerId = m2oId(move.partner_id);
  if (partnerId === null) {
    throw new ToolError("INVALID_STATUS", `The ${moveLabel(move)} has no customer; set one in Odoo first.`);
  }
  const [partner] = await odoo.read("res.partner", [partnerId], ["name", "email"]);
  const email = str(partner?.email);
  const name = str(partner?.name) ?? m2oName(move.partner_id) ?? `partner ${partnerId}`;
  if (!email) {
    throw new ToolError(
      "EMAIL_SEND_FAILED",
      `${name} has no email address in Odoo, so the ${moveLabel(move)} cannot be emailed (Odoo would mark it sent ` +
        "without sending anything). Nothing was posted or sent. Add the email to the contact in Odoo, then try again.",
      { partner_id: partnerId },
    );
  }
  return { partnerId, name, email };
}

export const sendInvoiceOperation: WriteOperation<SendInvoiceInput, SendInvoiceOutput> = {
  tool: "send_invoice",
  result: sendInvoiceResult,

  async prepare(odoo, input) {
    refuseNoteText([input.email_subject, input.email_body], "The email's subject or text");
    const session = await getSession(odoo);
    const move = await resolveInvoice(odoo, input.invoice_id, [...MOVE_FIELDS, "journal_id"]);
    const recipient = await checkSendable(odoo, move);
    if (move.state === "draft") await assertPostable(odoo, move);
    // In the move's own currency; and it is the request's amount, which the policy judges (posting moves money).
    const { decimals, currency } = await currencyOf(odoo, session, move);
    const total = fromOdooAmount(move.amount_total, decimals);
    const parts = await moveDocumentParts(odoo, session, move, { decimals, currency });
    const kind = moveKind(move).kind;
    const document: RequestDocument = {
      ...parts,
      effect:
        move.state === "draft"
          ? `Posts the draft ${kind} (${numberWhenPosted(move)}) and emails it with its PDF to ${recipient.email} through Odoo.`
          : `Emails ${kind} ${invoiceRef(move)} with its PDF to ${recipient.email} through Odoo.`,
      rows: [
        ...parts.rows,
        { label: "Email to", value: `${recipient.name} <${recipient.email}>` },
        { label: "Subject", value: input.email_subject ?? "the subject of Odoo's invoice template" },
        ...(input.email_body ? [{ label: "Message", value: input.email_body }] : []),
      ],
    };
    return {
      summary: withCompany(session, documentText(document)),
      document,
      target: document.name,
      direction: moneyDirectionOf(move.move_type),
      amount: formatMinor(total, decimals),
      currency,
      facts: {
        ...companyFact(session),
        record_id: move.id,
        total: formatMinor(total, decimals),
        invoice_id: invoiceRef(move),
        will_post: move.state === "draft",
        sent_to: recipient.email,
        subject: input.email_subject ?? null,
        body: input.email_body ?? null,
      },
      // The invoice (partner, currency, total) and the address it goes to.
      binding: { ...moveBinding(move, currency, decimals), email: recipient.email },
    };
  },

  async mark(odoo, input): Promise<AttemptMarker> {
    const move = await resolveInvoice(odoo, input.invoice_id);
    // `draft`: this attempt starts by posting it (the replay's fallback for the window before the "Posted" note).
    return { max_message_id: await highestId(odoo, "mail.message"), draft: move.state === "draft" };
  },

  /**
   * Odoo marks the invoice sent (`is_move_sent`) and `apply` then refuses with `INVOICE_ALREADY_SENT`. So this
   * answers only for THIS approval's send: the invoice's chatter holds its "Sent" (or "Posted and sent") note,
   * posted right after the send wizard; the delivery of the send's message (the one just before the note) is
   * checked as `apply` checks it. The watermark (`max_message_id`) covers the window between the wizard and the
   * note, when an attempt was recorded. Otherwise null: a resend is refused by `apply`.
   *
   * Not sent yet but posted, without any approval's "Posted" note, while this approval's recorded attempt found it
   * a draft: that attempt posted it and stopped before its note (the window between action_post and the note).
   * The note is posted now, so that `apply`, which then only sends, answers `posted: true`.
   */
  async findApplied(odoo, input, ref) {
    const session = await getSession(odoo);
    const move = await resolveInvoice(odoo, input.invoice_id);
    if (move.is_move_sent !== true) {
      if (
        move.state === "posted" &&
        ref.marker?.draft === true &&
        (await approvalsNamedOn(odoo, "account.move", move.id, POSTED)).length === 0
      )
        await postApprovalNote(odoo, "account.move", move.id, POSTED, ref.approvalId);
      return null;
    }
    const note = (await approvalNotes(odoo, "account.move", ref.approvalId)).find(
      (n) => n.resId === move.id && (n.body.includes(POSTED_AND_SENT) || n.body.includes(SENT)),
    );
    let after: number;
    if (note) {
      const before = await odoo.searchRead(
        "mail.message",
        [
          ["model", "=", "account.move"],
          ["res_id", "=", move.id],
          ["message_type", "=", "comment"],
          ["id", "<", note.messageId],
        ],
        ["body"],
        { order: "id desc", limit: 10 },
      );
      const sent = before.find((m) => !isApprovalNote(str(m.body) ?? ""));
      after = typeof sent?.id === "number" ? sent.id - 1 : note.messageId;
    } else if (ref.marker && typeof ref.marker.max_message_id === "number") {
      after = ref.marker.max_message_id;
    } else return null;
    const email = await partnerEmail(odoo, move);
    await confirmDelivery(odoo, move, after, email);
    if (note) return sentOutput(session, move, email, note.body.includes(POSTED_AND_SENT));
    // Sent by the attempt the marker covers, which stopped before its note: the note is left now, as apply does.
    const posted = await postedBy(odoo, move.id, ref.approvalId);
    await tagQuietly(odoo, "account.move", move.id, posted ? "Posted and sent" : "Sent", ref.approvalId);
    return sentOutput(session, move, email, posted);
  },

  async apply(odoo, input, ref) {
    const session = await getSession(odoo);
    let move = await resolveInvoice(odoo, input.invoice_id);
    const recipient = await checkSendable(odoo, move);
    // What the person approved (partner, currency, total, address), before the post: nothing is written otherwise.
    await assertMoveBound(odoo, session, move, ref.bound, { email: recipient.email });
    let posted = move.state === "draft";
    if (posted) {
      await postMove(odoo, move);
      // The post's own trace, as post_invoice leaves it: a replay after a stop before the email reads it.
      await tagQuietly(odoo, "account.move", move.id, POSTED, ref.approvalId);
      move = await rereadMove(odoo, move.id);
    } else posted = await postedBy(odoo, move.id, ref.approvalId);
    const after =
      typeof ref.marker.max_message_id === "number"
        ? ref.marker.max_message_id
        : await highestId(odoo, "mail.message");
    await runSendWizard(odoo, session, move, recipient, input);
    await tagQuietly(odoo, "account.move", move.id, posted ? "Posted and sent" : "Sent", ref.approvalId);
    move = await rereadMove(odoo, move.id);
    await confirmDelivery(odoo, move, after, recipient.email);
    return sentOutput(session, move, recipient.email, posted);
  },

  async dryRun(odoo, prepared, input) {
    const session = await getSession(odoo);
    const move = await resolveInvoice(odoo, input.invoice_id);
    const recipient = await checkSendable(odoo, move);
    const willPost = move.state === "draft";
    return {
      fields: {
        // A draft gets its number when it is posted, which only the real run does.
        invoice_id: willPost ? null : invoiceRef(move),
        email_sent: null,
        sent_to: recipient.email,
        sent_at: null,
        record_id: move.id,
        odoo_url: moveUrl(session, move.id),
        posted: willPost,
      },
      would: {
        odoo_calls: [
          ...(willPost
            ? [
                "account.move action_post",
                "account.move message_post (internal note: posted, with the approval id)",
              ]
            : []),
          "send wizard create",
          "send wizard action_send_and_print",
          "account.move message_post (internal note with the approval id)",
        ],
        ...prepared.facts,
      },
    };
  },
};

async function rereadMove(odoo: Odoo, id: number): Promise<MoveRecord> {
  const [row] = await odoo.read("account.move", [id], MOVE_FIELDS);
  if (!row) throw new ToolError("INVOICE_NOT_FOUND", `Invoice record ${id} no longer exists in Odoo.`);
  return row as MoveRecord;
}

async function partnerEmail(odoo: Odoo, move: MoveRecord): Promise<string> {
  const partnerId = m2oId(move.partner_id);
  if (partnerId === null) return "";
  const [partner] = await odoo.read("res.partner", [partnerId], ["email"]);
  return str(partner?.email) ?? "";
}

function sentOutput(
  session: AccountingSession,
  move: MoveRecord,
  email: string,
  posted: boolean,
): SendInvoiceOutput {
  return {
    invoice_id: invoiceRef(move),
    status: "sent",
    email_sent: true,
    sent_to: email,
    sent_at: new Date().toISOString(),
    record_id: move.id,
    odoo_url: moveUrl(session, move.id),
    posted,
  };
}

interface WizardFlavor {
  model: string;
  subjectField: string;
  bodyField: string;
  partnersField: string;
  context: OdooContext;
  base: Record<string, unknown>;
}

async function wizardFlavor(odoo: Odoo, session: AccountingSession, move: MoveRecord): Promise<WizardFlavor> {
  const context: OdooContext = { active_model: "account.move", active_ids: [move.id] };
  if (session.major >= 19) {
    return {
      model: "account.move.send.wizard",
      subjectField: "subject",
      bodyField: "body",
      partnersField: "mail_partner_ids",
      context,
      base: {},
    };
  }
  if (session.major === 18) {
    return {
      model: "account.move.send.wizard",
      subjectField: "mail_subject",
      bodyField: "mail_body",
      partnersField: "mail_partner_ids",
      context,
      base: {},
    };
  }
  // 17: the template is not a default of the wizard; the invoice's own action says which one.
  const action = await odoo.call<OdooRecord | null>(
    { model: "account.move", method: "action_send_and_print", ids: [move.id] },
    { idempotent: true },
  );
  const actionContext = (action?.context ?? {}) as OdooContext;
  const templateId = actionContext.default_mail_template_id;
  if (typeof templateId === "number") context.default_mail_template_id = templateId;
  return {
    model: "account.move.send",
    subjectField: "mail_subject",
    bodyField: "mail_body",
    partnersField: "mail_partner_ids",
    context,
    base: { checkbox_download: false },
  };
}

async function runSendWizard(
  odoo: Odoo,
  session: AccountingSession,
  move: MoveRecord,
  recipient: Recipient,
  input: SendInvoiceInput,
): Promise<void> {
  const flavor = await wizardFlavor(odoo, session, move);
  const values: Record<string, unknown> = { ...flavor.base };
  const subject = input.email_subject?.trim() || undefined;
  const body = input.email_body?.trim() ? textToHtml(input.email_body.trim()) : undefined;
  if (subject !== undefined || body !== undefined) {
    let defaults: OdooRecord = {};
    if (subject === undefined || body === undefined) {
      // Giving one of them stops Odoo from computing the other: take Odoo's default text for the missing one.
      const probe = await odoo.create(flavor.model, { ...flavor.base }, flavor.context);
      [defaults = {}] = await odoo.read(
        flavor.model,
        [probe],
        [flavor.subjectField, flavor.bodyField],
        flavor.context,
      );
    }
    values[flavor.subjectField] = subject ?? defaults[flavor.subjectField] ?? "";
    values[flavor.bodyField] = body ?? defaults[flavor.bodyField] ?? "";
    values[flavor.partnersField] = [[6, 0, [recipient.partnerId]]];
  }
  const wizardId = await odoo.create(flavor.model, values, flavor.context);
  const [wizard] = await odoo.read(flavor.model, [wizardId], [flavor.partnersField], flavor.context);
  if (ids(wizard?.[flavor.partnersField]).length === 0) {
    await odoo.write(
      flavor.model,
      [wizardId],
      { [flavor.partnersField]: [[6, 0, [recipient.partnerId]]] },
      flavor.context,
    );
  }
  await odoo.call({
    model: flavor.model,
    method: "action_send_and_print",
    ids: [wizardId],
    context: flavor.context,
  });
}

/**
 * Throws `EMAIL_SEND_FAILED` unless the email of the chatter message posted after `afterMessageId` reached the
 * mail server. A queued mail (`ready`) is sent once with `mail.mail.send` and checked again.
 */
async function confirmDelivery(
  odoo: Odoo,
  move: MoveRecord,
  afterMessageId: number,
  email: string,
): Promise<void> {
  const found = await odoo.searchRead(
    "mail.message",
    [
      ["model", "=", "account.move"],
      ["res_id", "=", move.id],
      ["message_type", "=", "comment"],
      ["id", ">", afterMessageId],
    ],
    ["subject", "partner_ids", "body"],
    { order: "id desc" },
  );
  // odoo-mcp's own internal notes (the approval id) are not the send's message.
  const messages = found.filter((m) => !isApprovalNote(str(m.body) ?? ""));
  const markedSent = `Odoo has nevertheless marked the ${moveLabel(move)} as sent`;
  if (messages.length === 0) {
    throw new ToolError(
      "EMAIL_SEND_FAILED",
      `Odoo sent no email for the ${moveLabel(move)} (no message was posted for ${email || "its customer"}). ${markedSent}; check the customer's email in Odoo and send it from there.`,
    );
  }
  const delivery = await deliveryOf(
    odoo,
    messages.map((m) => m.id as number),
  );
  if (delivery.status === "unaddressed") {
    throw new ToolError(
      "EMAIL_SEND_FAILED",
      `Odoo posted the ${moveLabel(move)} in its chatter but addressed no email to ${email || "the customer"}. ${markedSent}.`,
    );
  }
  if (delivery.status === "failed") {
    throw new ToolError(
      "EMAIL_SEND_FAILED",
      `The email with the ${moveLabel(move)} to ${email} was not delivered: ${delivery.reason}. ${markedSent}; once the mail ` +
        "server works, resend the failed email from the invoice's chatter in Odoo.",
      { reason: delivery.reason },
    );
  }
  if (delivery.status === "pending") {
    throw new ToolError(
      "EMAIL_SEND_FAILED",
      `The email with the ${moveLabel(move)} to ${email} is still waiting in Odoo's outgoing mail queue (status ${delivery.states.join(", ")}); it was not delivered yet. ${markedSent}.`,
    );
  }
}
