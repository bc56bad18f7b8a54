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
    "Credit a posted invoice or bill (Odoo's reversal wizard) and post the credit note. Approval required.",
  input: z.strictObject({
    invoice_id: invoiceRef,
    reason: z.string().trim().min(1).max(256),
    date: isoDate("Not in the future"),
    lines: z
      .record(z.string(), z.number().finite().max(1e9))
      .optional()
      .describe("Default: all, whole. {line index or description (get_invoice): quantity}"),
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
