import { z } from "zod";
import { sendInvoiceOperation } from "../accounting/index.js";
import { sendInvoiceResult } from "../accounting/send.js";
import { gated } from "./approval-flow.js";
import { gatedOutput, invoiceRef } from "./common.js";
import { defineTool } from "./definition.js";

export const sendInvoiceTool = defineTool({
  name: sendInvoiceOperation.tool,
  description:
    "Validate (post) an invoice if it is still a draft, then email it with its PDF through Odoo's own send flow. " +
    "Needs a human's approval (answers pending_approval first; follow with get_approval). email_sent is true only " +
    "when Odoo handed the mail to its mail server.",
  input: z.strictObject({
    invoice_id: invoiceRef,
    email_subject: z.string().trim().min(1).max(998).optional().describe("Custom email subject"),
    email_body: z.string().max(20000).optional().describe("Custom email body (plain text)"),
  }),
  output: gatedOutput(sendInvoiceResult, ["sent"]),
  annotations: {
    title: "Send invoice by email (approval required)",
    readOnlyHint: false,
    destructiveHint: false,
    idempotentHint: false,
    openWorldHint: true,
  },
  taskSupport: "optional",
  run: gated(sendInvoiceOperation),
});
