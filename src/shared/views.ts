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
    })
    .optional(),
  outcome: z.unknown().optional(),
});
export type PersonView = z.infer<typeof personView>;
