import type { Harness } from "./harness.js";

/** `YYYY-MM-DD`, `days` from today (UTC: the sandbox's user has no time zone). */
export function day(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}

/**
 * A posted customer invoice of `price` (untaxed, one line) dated `date`, due `due`; `sent` (the default): sent
 * through Odoo's send wizard as the lab's recording does, which makes its PDF. Answers its record id.
 */
export async function postedInvoice(
  h: Harness,
  partner: number,
  {
    price,
    date = day(-60),
    due = day(-30),
    sent = true,
  }: { price: number; date?: string; due?: string; sent?: boolean },
): Promise<number> {
  const odoo = h.app.odoo;
  const id = await odoo.create("account.move", {
    move_type: "out_invoice",
    partner_id: partner,
    invoice_date: date,
    invoice_date_due: due,
    invoice_line_ids: [[0, 0, { name: "Consulting", quantity: 1, price_unit: price, tax_ids: [[6, 0, []]] }]],
  });
  await odoo.call({ model: "account.move", method: "action_post", ids: [id] });
  if (sent) {
    const context = { active_model: "account.move", active_ids: [id] };
    const wizard = await odoo.create("account.move.send.wizard", {}, context);
    await odoo.call({
      model: "account.move.send.wizard",
      method: "action_send_and_print",
      ids: [wizard],
      context,
    });
  }
  return id;
}

/** The reminders odoo-mcp emailed a customer: its chatter's messages with attachments, newest first. */
export async function remindersOf(h: Harness, partner: number) {
  const rows = await h.app.odoo.searchRead(
    "mail.message",
    [
      ["model", "=", "res.partner"],
      ["res_id", "=", partner],
      ["message_type", "=", "comment"],
    ],
    ["subject", "body", "attachment_ids", "partner_ids"],
    { order: "id desc" },
  );
  return rows.filter((m) => Array.isArray(m.attachment_ids) && m.attachment_ids.length > 0);
}
