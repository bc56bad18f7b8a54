/** Read-only look-ups for the read tools: journals, payment journals per payment method, taxes. */
import { z } from "zod";
import type { Odoo } from "../odoo/types.js";
import { journalTypeFor, PAYMENT_METHODS } from "./payments.js";
import { getSession, type JournalType } from "./session.js";

const paymentMethodView = z.object({ id: z.number().int(), name: z.string(), code: z.string() });

export const journalViewSchema = z.object({
  id: z.number().int(),
  name: z.string(),
  code: z.string(),
  type: z.enum(["sale", "purchase", "bank", "cash"]),
  inbound_payment_methods: z.array(paymentMethodView),
  outbound_payment_methods: z.array(paymentMethodView),
});
export type JournalView = z.infer<typeof journalViewSchema>;

export async function listJournals(odoo: Odoo, query: { type?: JournalType } = {}): Promise<JournalView[]> {
  const session = await getSession(odoo);
  return session.journals
    .filter((journal) => !query.type || journal.type === query.type)
    .map((journal) => ({
      id: journal.id,
      name: journal.name,
      code: journal.code,
      type: journal.type,
      inbound_payment_methods: journal.inbound.map(({ id, name, code }) => ({ id, name, code })),
      outbound_payment_methods: journal.outbound.map(({ id, name, code }) => ({ id, name, code })),
    }));
}

export const paymentJournalViewSchema = z.object({
  payment_method: z.enum(PAYMENT_METHODS),
  journal: z
    .object({ id: z.number().int(), name: z.string(), code: z.string(), type: z.enum(["bank", "cash"]) })
    .nullable()
    .describe("Null: none for it"),
  available: z.boolean(),
});
export type PaymentJournalView = z.infer<typeof paymentJournalViewSchema>;

/** Which journal `record_payment` uses for each payment method, and whether the method can be used at all. */
export async function listPaymentJournals(odoo: Odoo): Promise<PaymentJournalView[]> {
  const session = await getSession(odoo);
  return PAYMENT_METHODS.map((method) => {
    const type = journalTypeFor(method);
    const journal = session.journals.find((j) => j.type === type && j.inbound.length > 0);
    return {
      payment_method: method,
      journal: journal ? { id: journal.id, name: journal.name, code: journal.code, type } : null,
      available: journal !== undefined,
    };
  });
}

export const taxViewSchema = z.object({
  id: z.number().int(),
  name: z.string(),
  type: z.enum(["sale", "purchase"]),
  amount_type: z.string(),
  amount: z.number(),
  tax_rate: z.number().nullable(),
  price_include: z.boolean(),
});
export type TaxView = z.infer<typeof taxViewSchema>;

export async function listTaxes(odoo: Odoo, query: { type?: "sale" | "purchase" } = {}): Promise<TaxView[]> {
  const session = await getSession(odoo);
  return session.taxes
    .filter((tax) => !query.type || tax.typeTaxUse === query.type)
    .map((tax) => ({
      id: tax.id,
      name: tax.name,
      type: tax.typeTaxUse,
      amount_type: tax.amountType,
      amount: tax.amount,
      tax_rate:
        tax.amountType === "percent" && tax.typeTaxUse === "sale"
          ? Number((tax.amount / 100).toFixed(8))
          : null,
      price_include: tax.priceInclude,
    }));
}

export interface CompanyView {
  id: number;
  name: string;
  currency: string;
  currency_decimals: number;
  time_zone: string;
  odoo_version: string;
}

export async function getCompany(odoo: Odoo): Promise<CompanyView> {
  const session = await getSession(odoo);
  return {
    id: session.company.id,
    name: session.company.name,
    currency: session.company.currency,
    currency_decimals: session.company.decimals,
    time_zone: session.timeZone,
    odoo_version: session.serverVersion,
  };
}
