import { z } from "zod";

/**
 * A request as a bookkeeper reads it: what it is called (the name the person recognises), what approving it does,
 * who it is about, its lines and its money, and the rest as labelled rows. Built once, by the operation's read-only
 * `prepare` from Odoo's data, and rendered by every surface (the approval window, its history, the terminal, the
 * tray's notification, the MCP client's prompt). Plain text only: every surface escapes each value when it shows
 * it. Amounts are written already, with their currency (`"1,719.25 USD"`, see money-text.ts).
 */
/** One labelled value. */
export const row = z.object({ label: z.string(), value: z.string() });

export const requestDocument = z.object({
  /**
   * What the person recognises it by: an invoice by its number ("INV/2026/00001, Harbour Bakery Ltd"), a draft by
   * its customer, total and date ("Draft invoice for Harbour Bakery Ltd, 1,719.25 USD, dated 6 Dec 2026").
   */
  name: z.string(),
  /**
   * What approving it does, the consequences first, in a sentence or two: "Creates a draft invoice in Odoo.
   * Nothing is posted and nothing is sent." / "Posts the draft (it gets the number INV/2026/00002) and emails it
   * with its PDF to accounts@harbour.example."
   */
  effect: z.string(),
  /** Who it is about: { role: "Customer" | "Vendor" | "Employee" | ..., name }. */
  party: z.object({ role: z.string(), name: z.string() }).optional(),
  /**
   * What the person must notice before approving, each a sentence, shown right under the party by every surface:
   * money going to a party the agent's own Odoo user created recently (accounting/recent-party.ts).
   */
  flags: z.array(z.string()).optional(),
  /** Its lines, when it has any (a create, and a send or post shows the invoice's lines); amounts written. */
  lines: z
    .array(
      z.object({
        description: z.string(),
        quantity: z.string(),
        unit_price: z.string(),
        /** The line's taxes by name ("15%"), when it has any. */
        taxes: z.string().optional(),
        subtotal: z.string(),
      }),
    )
    .optional(),
  /**
   * Its money, in reading order, each with its currency: Subtotal, "Tax 15%", Total; a payment: Invoice total,
   * Paid so far, This payment, Left to pay. `strong`: the one that matters most (the total, this payment).
   */
  amounts: z.array(z.object({ label: z.string(), amount: z.string(), strong: z.boolean().optional() })),
  /** Everything else, label → value, in order (Sent to, Invoice date, Due date, Journal, Receipt...). */
  rows: z.array(row),
  /**
   * A batch's items, in the order of its input (a reconciliation's matches: each bank line beside what it pays):
   * the person may approve some of them only (`PersonDecision.keep`, their indices here). Absent: not a batch.
   */
  items: z.array(z.object({ title: z.string(), rows: z.array(row), amount: z.string() })).optional(),
});
export type RequestDocument = z.infer<typeof requestDocument>;
