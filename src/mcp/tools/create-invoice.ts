import { z } from "zod";
import { createInvoiceOperation } from "../accounting/index.js";
import { createInvoiceResult } from "../accounting/invoices.js";
import { gated } from "./approval-flow.js";
import { gatedOutputs, isoDate } from "./common.js";
import { defineTool } from "./definition.js";

const lineItem = z.strictObject({
  description: z.string().trim().min(1).max(1000),
  quantity: z.number().finite().min(0).max(1e9),
  unit_price: z.number().finite().min(0).max(1e12),
});

export const createInvoiceInput = z.strictObject({
  customer_name: z.string().trim().min(1).max(256).describe("As find_partners names it"),
  customer_email: z.email().max(254).describe("The customer's or an invoicing contact's"),
  invoice_date: isoDate(),
  due_date: isoDate(),
  line_items: z.array(lineItem).min(1).max(200),
  tax_rate: z
    .number()
    .min(0)
    .max(1)
    .optional()
    .describe("0.15 = the company's 15% sale tax (list_taxes); default none"),
  notes: z.string().max(4000).optional().describe("Terms and conditions"),
  currency: z.string().trim().length(3).optional().describe("ISO code; default the company's"),
});

const createInvoiceOutputs = gatedOutputs(createInvoiceResult, ["draft"]);

export const createInvoiceTool = defineTool({
  name: createInvoiceOperation.tool,
  toolsets: ["invoicing"],
  description:
    "Invoice an existing customer (find_partners); Odoo computes taxes and totals. Approval required.",
  input: createInvoiceInput,
  ...createInvoiceOutputs,
  annotations: {
    title: "Create invoice",
    readOnlyHint: false,
    destructiveHint: false,
    idempotentHint: false,
    openWorldHint: true,
  },
  fieldCodes: { invoice_date: "INVALID_DATE", due_date: "INVALID_DATE" },
  taskSupport: "optional",
  run: gated(createInvoiceOperation),
});
