import { z } from "zod";
import { sendInvoiceOperation } from "../accounting/index.js";
import { sendInvoiceResult } from "../accounting/send.js";
import { gated } from "./approval-flow.js";
import { gatedOutputs, invoiceRef } from "./common.js";
import { defineTool } from "./definition.js";

export const sendInvoiceTool = defineTool({
  name: sendInvoiceOperation.tool,
  toolsets: ["invoicing"],
  description:
    "Post the invoice if a draft, then email it with its PDF through Odoo's send flow. Approval required.",
  input: z.strictObject({
    invoice_id: invoiceRef,
    email_subject: z.string().trim().min(1).max(998).optional(),
    email_body: z.string().max(20000).optional().describe("Plain text"),
  }),
  ...gatedOutputs(sendInvoiceResult, ["sent"]),
  annotations: {
    title: "Send invoice",
    readOnlyHint: false,
    destructiveHint: false,
    idempotentHint: false,
    openWorldHint: true,
  },
  taskSupport: "optional",
  run: gated(sendInvoiceOperation),
});
