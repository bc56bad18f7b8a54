/**
 * `list_overdue`: what each customer owes past its due date, from the same open items as the aged receivables
 * (`openItemsByParty`, as of today in the company's time zone): per customer the overdue total and the oldest days
 * late, the overdue invoices (an invoice with installments: one entry per installment due), and when odoo-mcp last
 * reminded them (`lastReminders`: the note `send_reminder` leaves on the customer in Odoo). Company currency,
 * decimal strings; credits (credit notes, unapplied payments) are not subtracted but shown as `credits`.
 */
import { z } from "zod";
import { lastReminders } from "../accounting/reminders.js";
import { isOverdue, todayIn } from "../dates.js";
import { formatMinor, sumMinor } from "../money.js";
import type { Odoo } from "../odoo/types.js";
import { openItemsByParty } from "./aged.js";
import { openLedger } from "./ledger.js";

const overdueCustomer = z.object({
  partner_id: z.number().int(),
  name: z.string(),
  overdue_total: z.string(),
  oldest_days_late: z.number().int(),
  credits: z.string().optional().describe("Unapplied, not deducted"),
  last_reminded: z.string().nullable(),
  reminded_recently: z.boolean().describe("Within ODOO_MCP_REMINDER_DAYS"),
  invoices: z.array(
    z.object({
      id: z.number().int(),
      number: z.string(),
      due_date: z.string(),
      residual: z.string(),
      days_late: z.number().int(),
    }),
  ),
});

export const overdueListSchema = z.object({
  as_of: z.string(),
  currency: z.string(),
  customers: z.array(overdueCustomer),
  total: z.string(),
});
export type OverdueList = z.infer<typeof overdueListSchema>;

export async function listOverdue(
  odoo: Odoo,
  query: { partner_id?: number | undefined; reminderDays: number; now?: Date },
): Promise<OverdueList> {
  const ledger = await openLedger(odoo);
  const { session, decimals } = ledger;
  const now = query.now ?? new Date();
  const asOf = todayIn(session.timeZone, now);
  const parties = (await openItemsByParty(ledger, asOf, "receivable")).filter(
    (p) => p.id !== null && (query.partner_id === undefined || p.id === query.partner_id),
  );
  const late = parties
    .map((p) => ({
      party: p,
      items: p.items.filter((i) => isOverdue(i.dueDate, asOf) && i.amount > 0n && i.moveId !== null),
    }))
    .filter((p) => p.items.length > 0);
  const reminded = await lastReminders(
    odoo,
    late.map((p) => p.party.id as number),
  );
  const customers = late.map(({ party, items }) => {
    const credits = sumMinor(party.items.filter((i) => i.amount < 0n).map((i) => -i.amount));
    const last = reminded.get(party.id as number);
    return {
      partner_id: party.id as number,
      name: party.name,
      overdue_total: formatMinor(sumMinor(items.map((i) => i.amount)), decimals),
      oldest_days_late: Math.max(...items.map((i) => i.daysPastDue)),
      ...(credits > 0n ? { credits: formatMinor(credits, decimals) } : {}),
      last_reminded: last?.at ?? null,
      reminded_recently:
        last !== undefined && now.getTime() - Date.parse(last.at) < query.reminderDays * 86_400_000,
      invoices: items.map((i) => ({
        id: i.moveId as number,
        number: i.number,
        due_date: i.dueDate,
        residual: formatMinor(i.amount, decimals),
        days_late: i.daysPastDue,
      })),
    };
  });
  customers.sort((a, b) => b.oldest_days_late - a.oldest_days_late || a.name.localeCompare(b.name));
  return {
    as_of: asOf,
    currency: session.company.currency,
    customers,
    total: formatMinor(sumMinor(late.flatMap((p) => p.items.map((i) => i.amount))), decimals),
  };
}
