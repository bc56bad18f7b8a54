import { z } from "zod";
import { postInvoiceOperation } from "../accounting/index.js";
import { postInvoiceResult } from "../accounting/invoices.js";
import { gated } from "./approval-flow.js";
import { gatedOutput, invoiceRef } from "./common.js";
import { defineTool } from "./definition.js";

export const postInvoiceTool = defineTool({
  name: postInvoiceOperation.tool,
  toolsets: ["invoicing"],
  description:
    "Post (validate) a draft invoice or bill: it enters the books and gets its number. Approval required.",
  input: z.strictObject({ invoice_id: invoiceRef }),
  output: gatedOutput(postInvoiceResult, ["posted"]),
  annotations: {
    title: "Post a draft invoice or bill (approval required)",
    readOnlyHint: false,
    destructiveHint: false,
    idempotentHint: true,
    openWorldHint: true,
  },
  taskSupport: "optional",
  run: gated(postInvoiceOperation),
});
