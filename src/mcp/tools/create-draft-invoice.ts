import { z } from "zod";
import { createDraftBill, createDraftBillResult, draftBillPreview } from "../accounting/invoices.js";
import { audited } from "./audited.js";
import { dryRunFields, writeOutput } from "./common.js";
import { defineTool } from "./definition.js";
import { dryRunAnswer } from "./dry-run.js";

export const createDraftInvoiceTool = defineTool({
  name: "create_draft_invoice",
  toolsets: ["invoicing"],
  description: "Draft a one-line vendor bill. No approval: nothing is posted (post_invoice posts it).",
  input: z.strictObject({
    description: z.string().trim().min(1).max(1000),
    amount: z.number().finite().positive().max(1e12).describe("Company currency"),
    partner_id: z.number().int().positive().optional().describe("Vendor id (find_partners)"),
  }),
  output: writeOutput(createDraftBillResult, ["draft", "dry_run"], dryRunFields),
  annotations: {
    title: "Draft a vendor bill",
    readOnlyHint: false,
    destructiveHint: false,
    idempotentHint: false,
    openWorldHint: true,
  },
  run: (input, ctx) =>
    ctx.dryRun
      ? dryRunAnswer(draftBillPreview, ctx.odoo, input, ctx.audit)
      : audited(
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
