/**
 * Whether the email of a chatter message reached the mail server. Odoo answers success whatever happens to the
 * mail; delivery shows only on the message's `mail.notification` (and `mail.mail`): `sent` → sent; `exception` /
 * `bounce` → failed, with Odoo's reason; `ready` (queued) → `mail.mail.send` once, then read again. Shared by
 * send_invoice and send_reminder.
 */
import type { Odoo } from "../odoo/types.js";
import { m2oId, str } from "./values.js";

export type Delivery =
  | { status: "sent" }
  /** The message notified nobody by email. */
  | { status: "unaddressed" }
  | { status: "failed"; reason: string }
  /** Still in the outgoing queue after one `mail.mail.send`. */
  | { status: "pending"; states: string[] };

interface Notification {
  status: string;
  type: string | null;
  mailId: number | null;
  failureType: string | null;
  failureReason: string | null;
}

async function readNotifications(odoo: Odoo, messageIds: number[]): Promise<Notification[]> {
  const rows = await odoo.searchRead(
    "mail.notification",
    [["mail_message_id", "in", messageIds]],
    [
      "notification_type",
      "notification_status",
      "res_partner_id",
      "mail_mail_id",
      "failure_type",
      "failure_reason",
    ],
  );
  return rows
    .map((row) => ({
      status: str(row.notification_status) ?? "",
      type: str(row.notification_type),
      mailId: m2oId(row.mail_mail_id),
      failureType: str(row.failure_type),
      failureReason: str(row.failure_reason),
    }))
    .filter((n) => n.type === null || n.type === "email");
}

/** The delivery of the emails of `messageIds` (chatter messages); a queued one is sent once first. */
export async function deliveryOf(odoo: Odoo, messageIds: number[]): Promise<Delivery> {
  let notifications = await readNotifications(odoo, messageIds);
  const queued = notifications.filter((n) => n.status === "ready" && n.mailId !== null);
  if (queued.length > 0) {
    await odoo.call({
      model: "mail.mail",
      method: "send",
      ids: [...new Set(queued.map((n) => n.mailId as number))],
    });
    notifications = await readNotifications(odoo, messageIds);
  }
  if (notifications.length === 0) return { status: "unaddressed" };
  const failed = notifications.filter((n) => n.status === "exception" || n.status === "bounce");
  if (failed.length > 0) return { status: "failed", reason: await failureReason(odoo, failed) };
  const pending = notifications.filter((n) => n.status !== "sent");
  if (pending.length > 0) return { status: "pending", states: pending.map((n) => n.status) };
  return { status: "sent" };
}

async function failureReason(odoo: Odoo, failed: Notification[]): Promise<string> {
  const mailIds = failed.map((n) => n.mailId).filter((id): id is number => id !== null);
  if (mailIds.length > 0) {
    const mails = await odoo.read("mail.mail", mailIds, ["failure_reason", "state"]);
    const reasons = mails.map((mail) => str(mail.failure_reason)).filter((r): r is string => r !== null);
    if (reasons.length > 0) return reasons.map((r) => r.replace(/\s*\n\s*/g, " ")).join("; ");
  }
  const own = failed.map((n) => n.failureReason ?? n.failureType).filter((r): r is string => r !== null);
  return own.length > 0 ? own.join("; ") : "the mail server refused it";
}
