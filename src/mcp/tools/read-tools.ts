import { z } from "zod";
import {
  getInvoice,
  invoiceDetailSchema,
  invoiceListSchema,
  journalViewSchema,
  listInvoices,
  listJournals,
  listPaymentJournals,
  listTaxes,
  partnerSearchResultSchema,
  paymentJournalViewSchema,
  searchPartners,
  taxViewSchema,
} from "../accounting/index.js";
import { audited } from "./audited.js";
import { invoiceRef } from "./common.js";
import { defineTool, type ToolAnnotations } from "./definition.js";

const readOnly = (title: string): ToolAnnotations => ({
  title,
  readOnlyHint: true,
  destructiveHint: false,
  idempotentHint: true,
  openWorldHint: true,
});

export const findPartnersTool = defineTool({
  name: "find_partners",
  description:
    "Find customers and vendors in Odoo by name, email or reference (substring, case-insensitive). Use the exact " +
    "name it returns as create_invoice's customer_name, and the id as create_draft_invoice's partner_id.",
  input: z.strictObject({
    query: z
      .string()
      .max(256)
      .describe("Part of a name, email or reference; empty lists partners alphabetically"),
    kind: z.enum(["customer", "vendor", "any"]).default("any"),
    limit: z.number().int().min(1).max(100).default(20),
  }),
  output: z.object({ partners: z.array(partnerSearchResultSchema) }),
  annotations: readOnly("Find customers and vendors"),
  run: (input, ctx) =>
    audited(ctx, "find_partners", "read", { target: input.query }, async () => ({
      partners: await searchPartners(ctx.odoo, input),
    })),
});

export const listInvoicesTool = defineTool({
  name: "list_invoices",
  description:
    "List customer invoices and vendor bills, newest first, with state (draft/posted/cancel), payment state " +
    "(not_paid/partial/in_payment/paid/reversed) and amounts due. invoice_id is what the other tools take.",
  input: z.strictObject({
    kind: z.enum(["customer", "vendor", "all"]).default("all"),
    state: z.enum(["draft", "posted", "cancel"]).optional(),
    payment_state: z
      .enum(["not_paid", "partial", "in_payment", "paid", "reversed", "invoicing_legacy"])
      .optional(),
    partner: z.string().max(256).optional().describe("Part of the customer's or vendor's name"),
    limit: z.number().int().min(1).max(200).default(20),
    offset: z.number().int().min(0).max(1_000_000).default(0),
  }),
  output: invoiceListSchema,
  annotations: readOnly("List invoices and bills"),
  run: (input, ctx) =>
    audited(ctx, "list_invoices", "read", { target: input.partner ?? input.kind }, () =>
      listInvoices(ctx.odoo, input),
    ),
});

export const getInvoiceTool = defineTool({
  name: "get_invoice",
  description:
    "Read one invoice or bill: lines, taxes, totals, state, payment state, amount due, whether it was sent.",
  input: z.strictObject({ invoice_id: invoiceRef }),
  output: invoiceDetailSchema,
  annotations: readOnly("Read an invoice or bill"),
  run: (input, ctx) =>
    audited(ctx, "get_invoice", "read", { target: input.invoice_id }, () =>
      getInvoice(ctx.odoo, input.invoice_id),
    ),
});

export const listJournalsTool = defineTool({
  name: "list_journals",
  description:
    "List the company's journals (sale, purchase, bank, cash) with their payment methods, and which journal " +
    "record_payment uses for each payment_method (cash needs a cash journal).",
  input: z.strictObject({ type: z.enum(["sale", "purchase", "bank", "cash"]).optional() }),
  output: z.object({
    journals: z.array(journalViewSchema),
    payment_methods: z.array(paymentJournalViewSchema),
  }),
  annotations: readOnly("List journals and payment methods"),
  run: (input, ctx) =>
    audited(ctx, "list_journals", "read", { target: input.type ?? "all" }, async () => ({
      journals: await listJournals(ctx.odoo, input.type ? { type: input.type } : {}),
      payment_methods: await listPaymentJournals(ctx.odoo),
    })),
});

export const listTaxesTool = defineTool({
  name: "list_taxes",
  description:
    "List the company's taxes. For sale taxes of a percentage, tax_rate is the value create_invoice takes " +
    "(0.15 for 15 %).",
  input: z.strictObject({ type: z.enum(["sale", "purchase"]).optional() }),
  output: z.object({ taxes: z.array(taxViewSchema) }),
  annotations: readOnly("List taxes"),
  run: (input, ctx) =>
    audited(ctx, "list_taxes", "read", { target: input.type ?? "all" }, async () => ({
      taxes: await listTaxes(ctx.odoo, input.type ? { type: input.type } : {}),
    })),
});
