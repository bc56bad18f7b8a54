import { z } from "zod";
import { createInvoiceOperation } from "../accounting/index.js";
import { createInvoiceResult } from "../accounting/invoices.js";
import { gated } from "./approval-flow.js";
import { gatedOutput, isoDate } from "./common.js";
import { defineTool } from "./definition.js";

const lineItem = z.strictObject({
  description: z.string().trim().min(1).max(1000).describe("Line item description"),
  quantity: z.number().finite().min(0).max(1e9).describe("Quantity (>= 0)"),
  unit_price: z.number().finite().min(0).max(1e12).describe("Price per unit (>= 0), in the company currency"),
});

export const createInvoiceInput = z.strictObject({
  customer_name: z
    .string()
    .trim()
    .min(1)
    .max(256)
    .describe(
      "An existing customer's name (find_partners lists them). Customers are never created by this tool.",
    ),
  customer_email: z
    .email()
    .max(254)
    .describe("Who receives the invoice: the customer's email or an invoicing contact's"),
  invoice_date: isoDate("Invoice date"),
  due_date: isoDate("Payment due date, on or after the invoice date"),
  line_items: z.array(lineItem).min(1).max(200),
  tax_rate: z
    .number()
    .min(0)
    .max(1)
    .optional()
    .describe(
      "Sale tax rate 0..1 (0.15 = the company's 15% sale tax; list_taxes shows them). Default: no tax",
    ),
  notes: z.string().max(4000).optional().describe("Invoice notes (terms and conditions)"),
});

export const createInvoiceOutput = gatedOutput(createInvoiceResult, ["draft"]);

export const createInvoiceTool = defineTool({
  name: createInvoiceOperation.tool,
  description:
    "Create a draft customer invoice in Odoo. Needs a human's approval: the first answer is usually status " +
    "pending_approval with an approval_id; follow it with get_approval. Taxes and totals are computed by Odoo. " +
    "The customer must exist (find_partners).",
  input: createInvoiceInput,
  output: createInvoiceOutput,
  annotations: {
    title: "Create customer invoice (approval required)",
    readOnlyHint: false,
    destructiveHint: false,
    idempotentHint: false,
    openWorldHint: true,
  },
  fieldCodes: { invoice_date: "INVALID_DATE", due_date: "INVALID_DATE" },
  taskSupport: "optional",
  run: gated(createInvoiceOperation),
});
