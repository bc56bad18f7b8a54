import { z } from "zod";
import { postInvoiceOperation } from "../accounting/index.js";
import { postInvoiceResult } from "../accounting/invoices.js";
import { gated } from "./approval-flow.js";
import { gatedOutputs, invoiceRef } from "./common.js";
import { defineTool } from "./definition.js";

export const postInvoiceTool = defineTool({
  name: postInvoiceOperation.tool,
  toolsets: ["invoicing"],
  description: "Post (validate) a draft invoice or bill; it gets its number. Approval required.",
  input: z.strictObject({ invoice_id: invoiceRef }),
  ...gatedOutputs(postInvoiceResult, ["posted"]),
  annotations: {
    title: "Post invoice or bill",
    readOnlyHint: false,
    destructiveHint: false,
    idempotentHint: true,
    openWorldHint: true,
  },
  taskSupport: "optional",
  run: gated(postInvoiceOperation),
});
