/**
 * The approval id on the Odoo records a gated write creates, so that exactly-once rests on Odoo and not on the
 * local data folder (which an agent with file tools could rewind).
 *
 * Where a model has a field that a person sees in Odoo and that no customer document prints, the id goes into
 * that field with the record's creation (atomic): `hr.expense.description` ("Internal Notes", 17/18/19). Where
 * there is none, an internal chatter note (`message_post`, subtype `mail.mt_note`: no follower is notified, no
 * email leaves) is posted right after the write, and found again through `mail.message` (model, res_id, body, and
 * the subtype's `internal`: a comment that only says the same text, a customer's reply or an email whose text the
 * agent wrote, has the subtype "Discussions", which is not internal; recording 19/23-internal-notes):
 *
 * - `account.move` (create_invoice, post_invoice, send_invoice): `ref` and `invoice_origin` are printed on the
 *   invoice PDF (`account.report_invoice_document`), `narration` is its terms and conditions.
 * - `account.payment` (record_payment): the register wizard's `communication` becomes the payment's `ref` (17)
 *   / `memo` (18/19), printed on the payment receipt (`account.report_payment_receipt_document`: "Memo", and
 *   the "Reference" column of the invoice's payments) and used as the label of its journal items, which the
 *   customer's statements show. So the memo keeps the agent's `reference` and the id goes into a note.
 */
import { ToolError } from "../errors.js";
import type { Odoo } from "../odoo/types.js";
import { str } from "./values.js";

/**
 * The domain leaf that keeps a search to internal notes: only an internal user posts one, so no customer (a reply,
 * a portal comment) and no email the agent wrote stands for odoo-mcp's note. `is_internal` does not tell them apart
 * (Odoo 19 reads it false on notes too); the subtype does.
 */
export const INTERNAL_NOTES: [string, string, boolean] = ["subtype_id.internal", "=", true];

/** The text of the internal note that tags a record with its approval. */
export function approvalNoteText(what: string, approvalId: string): string {
  return `${what} by odoo-mcp, approval ${approvalId}`;
}

/** Posts the internal note on `model`/`resId`; answers the `mail.message` id. */
export async function postApprovalNote(
  odoo: Odoo,
  model: string,
  resId: number,
  what: string,
  approvalId: string,
): Promise<number> {
  // A plain string body: Odoo escapes it (it is not Markup) and stores it as the note's text.
  return odoo.call<number>({
    model,
    method: "message_post",
    ids: [resId],
    args: {
      body: approvalNoteText(what, approvalId),
      message_type: "comment",
      subtype_xmlid: "mail.mt_note",
    },
  });
}

export interface ApprovalNote {
  messageId: number;
  resId: number;
  body: string;
}

/**
 * The notes on `model` records naming `approvalId` (oldest first), optionally only those saying `what`. The
 * `ilike` narrows on Odoo's side; the exact id is checked here (`_` is a LIKE wildcard).
 */
export async function approvalNotes(
  odoo: Odoo,
  model: string,
  approvalId: string,
  what?: string,
): Promise<ApprovalNote[]> {
  const rows = await odoo.searchRead(
    "mail.message",
    [["model", "=", model], ["body", "ilike", approvalId], INTERNAL_NOTES],
    ["res_id", "body"],
    { order: "id" },
  );
  const wanted = what === undefined ? null : approvalNoteText(what, approvalId);
  const out: ApprovalNote[] = [];
  for (const row of rows) {
    const body = str(row.body) ?? "";
    if (!mentions(body, approvalId)) continue;
    if (wanted !== null && !body.includes(wanted)) continue;
    const resId = row.res_id;
    if (typeof resId === "number" && resId > 0 && typeof row.id === "number")
      out.push({ messageId: row.id, resId, body });
  }
  return out;
}

/** The ids of the `model` records tagged with `approvalId` (oldest note first). */
export async function recordsTaggedWith(
  odoo: Odoo,
  model: string,
  approvalId: string,
  what?: string,
): Promise<number[]> {
  const notes = await approvalNotes(odoo, model, approvalId, what);
  return [...new Set(notes.map((note) => note.resId))];
}

const NOTE_ID = /by odoo-mcp, approval (apr_[a-z2-7]+)/g;

/** The approval ids that odoo-mcp's notes on one record name (optionally only notes saying `what`). */
export async function approvalsNamedOn(
  odoo: Odoo,
  model: string,
  resId: number,
  what?: string,
): Promise<string[]> {
  const rows = await odoo.searchRead(
    "mail.message",
    [
      ["model", "=", model],
      ["res_id", "=", resId],
      ["body", "ilike", "by odoo-mcp, approval apr"],
      INTERNAL_NOTES,
    ],
    ["body"],
    { order: "id" },
  );
  const out = new Set<string>();
  for (const row of rows) {
    const body = str(row.body) ?? "";
    for (const match of body.matchAll(NOTE_ID)) {
      const id = match[1] as string;
      if (what === undefined || body.includes(approvalNoteText(what, id))) out.add(id);
    }
  }
  return [...out];
}

/**
 * Refuses a text the agent gives for an email (its subject, its message) that reads as one of odoo-mcp's notes
 * ("… by odoo-mcp, approval apr_…"): the email is a message on the same record, and where a search reads the
 * messages' text (the email found again after it was sent, say) it would pass for a note or hide the email.
 */
export function refuseNoteText(texts: ReadonlyArray<string | undefined>, what: string): void {
  for (const text of texts)
    if (text && /by odoo-mcp, approval apr_/i.test(text.replace(/\s+/g, " ")))
      throw new ToolError(
        "VALIDATION_ERROR",
        `${what} may not say "by odoo-mcp, approval apr_…": that is how odoo-mcp's own notes in Odoo read. Reword it.`,
      );
}

/** Whether a message body is one of odoo-mcp's approval notes. */
export function isApprovalNote(body: string): boolean {
  return /by odoo-mcp, approval apr_[a-z2-7]+/.test(body);
}

/** Whether `text` names `approvalId` as a whole word (no longer id that starts with it). */
export function mentions(text: string, approvalId: string): boolean {
  let at = text.indexOf(approvalId);
  while (at !== -1) {
    const next = text.charAt(at + approvalId.length);
    if (!/[a-z0-9_]/i.test(next)) return true;
    at = text.indexOf(approvalId, at + 1);
  }
  return false;
}
