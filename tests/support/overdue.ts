import type { Harness } from "./harness.js";

/** `YYYY-MM-DD`, `days` from today (UTC: the sandbox's user has no time zone). */
export function day(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}

/**
 * A posted customer invoice of `price` (untaxed, one line) dated `date`, due `due`, or under the payment term `term`
 * (8: "30% Now, Balance 60 Days", two instalments, as odoo-recordings/19/24-reminder-installments); `sent` (the
 * default): sent through Odoo's send wizard as the lab's recording does, which makes its PDF. Answers its record id.
 */
export async function postedInvoice(
  h: Harness,
  partner: number,
  {
    price,
    date = day(-60),
    due = day(-30),
    sent = true,
    term,
  }: { price: number; date?: string; due?: string; sent?: boolean; term?: number },
): Promise<number> {
  const odoo = h.app.odoo;
  const id = await odoo.create("account.move", {
    move_type: "out_invoice",
    partner_id: partner,
    invoice_date: date,
    ...(term === undefined ? { invoice_date_due: due } : { invoice_payment_term_id: term }),
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

/** A payment of `amount` on an invoice through Odoo's register wizard, as the lab's recordings make one. */
export async function payPart(h: Harness, invoice: number, amount: number): Promise<void> {
  const context = { active_model: "account.move", active_ids: [invoice] };
  const wizard = await h.app.odoo.create("account.payment.register", { amount }, context);
  await h.app.odoo.call({
    model: "account.payment.register",
    method: "action_create_payments",
    ids: [wizard],
    context,
  });
}
