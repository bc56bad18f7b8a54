import { z } from "zod";
import { createCreditNoteResult } from "../accounting/credit-notes.js";
import { createCreditNoteOperation } from "../accounting/index.js";
import { gated } from "./approval-flow.js";
import { gatedOutputs, invoiceRef, isoDate } from "./common.js";
import { defineTool } from "./definition.js";

export const createCreditNoteTool = defineTool({
  name: createCreditNoteOperation.tool,
  toolsets: ["invoicing"],
  description: "Credit a posted invoice or bill; refund pays back what was paid. Approval required.",
  input: z.strictObject({
    invoice_id: invoiceRef,
    reason: z.string().max(256),
    date: isoDate(),
    lines: z
      .record(z.string(), z.number().finite().max(1e9))
      .optional()
      .describe("Default all. {get_invoice line index or description: quantity}"),
    refund: z.boolean().optional(),
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
