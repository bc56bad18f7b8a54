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
import { invoiceListText } from "./list-text.js";

const readOnly = (title: string): ToolAnnotations => ({
  title,
  readOnlyHint: true,
  destructiveHint: false,
  idempotentHint: true,
  openWorldHint: true,
});

export const findPartnersTool = defineTool({
  name: "find_partners",
  toolsets: ["invoicing", "read"],
  description:
    "Customers and vendors by part of a name, email or reference (name: create_invoice's customer_name).",
  input: z.strictObject({
    query: z.string().max(256).describe("Empty: all, alphabetically"),
    kind: z.enum(["customer", "vendor", "any"]).default("any"),
    limit: z.number().int().min(1).max(100).default(20),
  }),
  output: z.object({ partners: z.array(partnerSearchResultSchema) }),
  annotations: readOnly("Find partners"),
  run: (input, ctx) =>
    audited(ctx, "find_partners", "read", { target: input.query }, async () => ({
      partners: await searchPartners(ctx.odoo, input),
    })),
});

export const listInvoicesTool = defineTool({
  name: "list_invoices",
  toolsets: ["invoicing", "read"],
  description: "List invoices and bills, newest first, with states and amounts due.",
  input: z.strictObject({
    kind: z.enum(["customer", "vendor", "all"]).default("all"),
    state: z.enum(["draft", "posted", "cancel"]).optional(),
    payment_state: z
      .enum(["not_paid", "partial", "in_payment", "paid", "reversed", "invoicing_legacy"])
      .optional(),
    partner: z.string().max(256).optional().describe("Part of the name"),
    limit: z.number().int().min(1).max(200).default(20),
    offset: z.number().int().min(0).max(1_000_000).default(0),
  }),
  output: invoiceListSchema,
  annotations: readOnly("List invoices"),
  text: invoiceListText,
  run: (input, ctx) =>
    audited(ctx, "list_invoices", "read", { target: input.partner ?? input.kind }, () =>
      listInvoices(ctx.odoo, input),
    ),
});

export const getInvoiceTool = defineTool({
  name: "get_invoice",
  toolsets: ["invoicing", "read"],
  description: "Read an invoice or bill: lines, taxes, totals, states, amount due, whether sent.",
  input: z.strictObject({ invoice_id: invoiceRef }),
  output: invoiceDetailSchema,
  annotations: readOnly("Read invoice"),
  run: (input, ctx) =>
    audited(ctx, "get_invoice", "read", { target: input.invoice_id }, () =>
      getInvoice(ctx.odoo, input.invoice_id),
    ),
});

export const listJournalsTool = defineTool({
  name: "list_journals",
  toolsets: ["invoicing", "read"],
  description:
    "Journals with their payment methods, and which journal record_payment uses per payment_method.",
  input: z.strictObject({ type: z.enum(["sale", "purchase", "bank", "cash"]).optional() }),
  output: z.object({
    journals: z.array(journalViewSchema),
    payment_methods: z.array(paymentJournalViewSchema),
  }),
  annotations: readOnly("List journals"),
  run: (input, ctx) =>
    audited(ctx, "list_journals", "read", { target: input.type ?? "all" }, async () => ({
      journals: await listJournals(ctx.odoo, input.type ? { type: input.type } : {}),
      payment_methods: await listPaymentJournals(ctx.odoo),
    })),
});

export const listTaxesTool = defineTool({
  name: "list_taxes",
  toolsets: ["invoicing", "read"],
  description: "The company's taxes; tax_rate is create_invoice's value for a percentage sale tax.",
  input: z.strictObject({ type: z.enum(["sale", "purchase"]).optional() }),
  output: z.object({ taxes: z.array(taxViewSchema) }),
  annotations: readOnly("List taxes"),
  run: (input, ctx) =>
    audited(ctx, "list_taxes", "read", { target: input.type ?? "all" }, async () => ({
      taxes: await listTaxes(ctx.odoo, input.type ? { type: input.type } : {}),
    })),
});
