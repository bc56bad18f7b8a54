import { z } from "zod";
import { createDraftBill, createDraftBillResult, draftBillPreview } from "../accounting/invoices.js";
import { audited } from "./audited.js";
import { recordId, writeOutputs } from "./common.js";
import { defineTool } from "./definition.js";
import { dryRunAnswer } from "./dry-run.js";

export const createDraftInvoiceTool = defineTool({
  name: "create_draft_invoice",
  toolsets: ["invoicing"],
  description: "Draft a one-line vendor bill; post_invoice posts it. No approval.",
  input: z.strictObject({
    description: z.string().trim().min(1).max(1000),
    amount: z.number().finite().positive().max(1e12),
    partner_id: recordId.optional().describe("find_partners id"),
  }),
  ...writeOutputs(createDraftBillResult, ["draft"], [], {}),
  annotations: {
    title: "Draft vendor bill",
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
