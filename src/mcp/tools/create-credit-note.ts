import { z } from "zod";
import { createCreditNoteResult } from "../accounting/credit-notes.js";
import { createCreditNoteOperation } from "../accounting/index.js";
import { gated } from "./approval-flow.js";
import { gatedOutputs, invoiceRef, isoDate } from "./common.js";
import { defineTool } from "./definition.js";

export const createCreditNoteTool = defineTool({
  name: createCreditNoteOperation.tool,
  toolsets: ["invoicing"],
  description:
    "Credit a posted invoice or bill through Odoo's reversal wizard and post the credit note; refund pays back what was paid. Approval required.",
  input: z.strictObject({
    invoice_id: invoiceRef,
    reason: z.string().trim().min(1).max(256),
    date: isoDate("Not in the future"),
    lines: z
      .record(z.string(), z.number().finite().max(1e9))
      .optional()
      .describe("Default: every line, whole. {get_invoice line index or description: quantity to credit}"),
    refund: z.boolean().optional().describe("Pay back what was already paid"),
  }),
  ...gatedOutputs(createCreditNoteResult, ["posted"]),
  annotations: {
    title: "Create credit note",
    readOnlyHint: false,
    destructiveHint: false,
    idempotentHint: false,
    openWorldHint: true,
  },
  fieldCodes: { date: "INVALID_DATE" },
  taskSupport: "optional",
  run: gated(createCreditNoteOperation),
});
