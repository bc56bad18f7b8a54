import { z } from "zod";
import { requestDocument, row } from "./document.js";

export { row };

/**
 * Shapes every surface shares (the CLI, the MCP client's prompt, the desktop app's main process and its windows).
 * Plain zod: nothing here imports Node, Electron or React.
 */

export const personView = z.object({
  approval_id: z.string(),
  tool: z.string(),
  status: z.string(),
  /** One line: who and what (e.g. "invoice for Acme Corp"). */
  title: z.string(),
  amount: z.string().optional(),
  currency: z.string().optional(),
  /** Everything else a person needs to decide, label → value, in order (customer, lines, totals, dates...). */
  details: z.array(row),
  /** The request as a bookkeeper reads it (document.ts); absent when Odoo could not be reached. */
  document: requestDocument.optional(),
  /** `odoo`: looked up in Odoo just now; `arguments`: Odoo could not be reached, only the exact arguments. */
  derived_from: z.enum(["odoo", "arguments"]),
  /** Why it cannot be decided or run (changed outside odoo-mcp, ...). Empty when intact. */
  integrity: z.array(z.string()),
  /** Why Odoo would refuse it now (the look-ups failed), when it did. */
  refused: z.string().optional(),
  /**
   * The operation's structured facts as Odoo's look-ups give them now (customer, recipient, lines, totals, receipt),
   * for a window that lays them out; absent when Odoo could not be reached. Escape every value when showing it.
   */
  facts: z.record(z.string(), z.unknown()).optional(),
  arguments: z.unknown(),
  requested_by: z.string().optional(),
  created_at: z.string(),
  expires_at: z.string(),
  decision: z
    .object({
      decision: z.string(),
      by: z.string(),
      channel: z.string(),
      at: z.string(),
      reason: z.string().optional(),
      /** A batch approved in part: the indices of the items approved (`PersonDecision.keep`); absent: all. */
      keep: z.array(z.number().int().nonnegative()).optional(),
    })
    .optional(),
  outcome: z.unknown().optional(),
});
export type PersonView = z.infer<typeof personView>;

/**
 * A request as the approval card in the chat shows it (src/apps/approval, the `approval_view` tool): the person's
 * view derived now from the verified arguments and Odoo, never what the agent or an earlier answer put in the chat.
 * The arguments, the structured facts and the outcome stay out: the card lays out the document, as the window does.
 */
export const approvalCard = personView
  .pick({
    approval_id: true,
    tool: true,
    status: true,
    title: true,
    details: true,
    document: true,
    derived_from: true,
    integrity: true,
    refused: true,
    requested_by: true,
    created_at: true,
    expires_at: true,
  })
  .extend({
    /** Money going out (a bill posted or paid, a refund): approved only at the terminal or in the odoo-mcp app. */
    money_out: z.boolean(),
    /** Decided by a person only (a bank reconciliation or its undo): at the terminal or in the odoo-mcp app. */
    person_only: z.boolean().optional(),
    /** The invoice goes to an address that is not the customer's own; `new_contact`: one will be created for it. */
    recipient_differs: z.boolean().optional(),
    new_contact: z.boolean().optional(),
    /** The expense's receipt, when it has one (its bytes are shown in the app, not here). */
    receipt: z.object({ name: z.string(), mimetype: z.string(), size: z.number().int() }).optional(),
  });
export type ApprovalCard = z.infer<typeof approvalCard>;
