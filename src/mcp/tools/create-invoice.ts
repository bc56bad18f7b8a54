import { z } from "zod";
import { createInvoiceOperation } from "../accounting/index.js";
import { createInvoiceResult } from "../accounting/invoices.js";
import { gated } from "./approval-flow.js";
import { gatedOutput, isoDate } from "./common.js";
import { defineTool } from "./definition.js";

const lineItem = z.strictObject({
  description: z.string().trim().min(1).max(1000),
  quantity: z.number().finite().min(0).max(1e9),
  unit_price: z.number().finite().min(0).max(1e12).describe("Company currency"),
});

export const createInvoiceInput = z.strictObject({
  customer_name: z
    .string()
    .trim()
    .min(1)
    .max(256)
    .describe("An existing customer's name (find_partners); never created"),
  customer_email: z.email().max(254).describe("The customer's or an invoicing contact's"),
  invoice_date: isoDate(),
  due_date: isoDate("On or after invoice_date"),
  line_items: z.array(lineItem).min(1).max(200),
  tax_rate: z
    .number()
    .min(0)
    .max(1)
    .optional()
    .describe("0.15 = the company's 15% sale tax (list_taxes); default none"),
  notes: z.string().max(4000).optional().describe("Terms and conditions"),
});

export const createInvoiceOutput = gatedOutput(createInvoiceResult, ["draft"]);

export const createInvoiceTool = defineTool({
  name: createInvoiceOperation.tool,
  toolsets: ["invoicing"],
  description:
    "Draft a customer invoice; Odoo computes taxes and totals. The customer must exist (find_partners). " +
    "Approval required.",
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
