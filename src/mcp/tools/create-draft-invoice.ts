import { z } from "zod";
import { createDraftBill } from "../accounting/invoices.js";
import { audited } from "./audited.js";
import { defineTool } from "./definition.js";

export const createDraftInvoiceTool = defineTool({
  name: "create_draft_invoice",
  description:
    "Create a draft vendor bill (in_invoice) with one line: a description and an amount, optionally for a vendor " +
    "(partner_id from find_partners). It only drafts: nothing is posted, so no approval is needed; post_invoice " +
    "posts it, with a human's approval.",
  input: z.strictObject({
    description: z.string().trim().min(1).max(1000),
    amount: z.number().finite().positive().max(1e12).describe("Amount of the line, in the company currency"),
    partner_id: z.number().int().positive().optional().describe("Vendor id from find_partners"),
  }),
  output: z.object({
    invoice_id: z.string().describe("The draft's record id as a string (a bill gets its number when posted)"),
    record_id: z.number().int(),
    status: z.literal("draft"),
    move_type: z.literal("in_invoice"),
    total_amount: z.number(),
    odoo_url: z.string(),
    created_at: z.string(),
  }),
  annotations: {
    title: "Draft a vendor bill",
    readOnlyHint: false,
    destructiveHint: false,
    idempotentHint: false,
    openWorldHint: true,
  },
  run: (input, ctx) =>
    audited(
      ctx,
      "create_draft_invoice",
      "write",
      {
        target: input.partner_id ? `vendor ${input.partner_id}` : input.description.slice(0, 80),
        amount: input.amount.toString(),
      },
      () => createDraftBill(ctx.odoo, input),
      (result) => ({ odoo_record_id: result.record_id }),
    ),
});
