/**
 * Customers and vendors: finding the one an agent names (never creating it), searching for the read tools, and
 * deciding who receives an invoice.
 *
 * Matching (contract, `CUSTOMER_NOT_FOUND`): top-level partners (companies and individuals, not the contacts
 * under them) whose name equals `name` exactly; if none, equals it ignoring case. Several matches: an email
 * equal to the partner's disambiguates, otherwise `VALIDATION_ERROR` lists them. None: `CUSTOMER_NOT_FOUND`
 * with close candidates from a substring (`ilike`) search.
 */
import { z } from "zod";
import { ToolError } from "../errors.js";
import { likeLiteral } from "../odoo/like.js";
import type { Domain, Odoo } from "../odoo/types.js";
import { m2oId, m2oName, num, type OdooRecord, sameEmail, str } from "./values.js";

export interface Partner {
  id: number;
  name: string;
  email: string | null;
  isCompany: boolean;
  parentId: number | null;
  customerRank: number;
  supplierRank: number;
}

export interface PartnerCandidate {
  id: number;
  name: string;
  email: string | null;
}

const PARTNER_FIELDS = ["name", "email", "is_company", "parent_id", "customer_rank", "supplier_rank"];

function toPartner(row: OdooRecord): Partner {
  return {
    id: row.id as number,
    name: str(row.name) ?? "",
    email: str(row.email),
    isCompany: row.is_company === true,
    parentId: m2oId(row.parent_id),
    customerRank: num(row.customer_rank),
    supplierRank: num(row.supplier_rank),
  };
}

const candidate = (partner: Partner): PartnerCandidate => ({
  id: partner.id,
  name: partner.name,
  email: partner.email,
});

export async function findCustomer(odoo: Odoo, query: { name: string; email?: string }): Promise<Partner> {
  const name = query.name.trim();
  const topLevel: Domain = [["parent_id", "=", false]];
  let matches = (
    await odoo.searchRead("res.partner", [["name", "=", name], ...topLevel], PARTNER_FIELDS)
  ).map(toPartner);
  if (matches.length === 0) {
    // `=ilike` compares ignoring case (the name escaped: `%` and `_` are LIKE wildcards); the local comparison
    // keeps only true matches.
    const rows = await odoo.searchRead(
      "res.partner",
      [["name", "=ilike", likeLiteral(name)], ...topLevel],
      PARTNER_FIELDS,
    );
    matches = rows.map(toPartner).filter((partner) => partner.name.toLowerCase() === name.toLowerCase());
  }
  if (matches.length === 1) return matches[0] as Partner;
  if (matches.length > 1) {
    const byEmail = query.email ? matches.filter((partner) => sameEmail(partner.email, query.email)) : [];
    if (byEmail.length === 1) return byEmail[0] as Partner;
    throw new ToolError(
      "VALIDATION_ERROR",
      `Several customers are named "${name}" (${matches.map((p) => `id ${p.id}${p.email ? `, ${p.email}` : ""}`).join("; ")}). ` +
        "Give the customer_email of the one you mean, or rename one of them in Odoo.",
      { candidates: matches.map(candidate) },
    );
  }
  const candidates = await closeCandidates(odoo, name, query.email);
  throw new ToolError(
    "CUSTOMER_NOT_FOUND",
    `No customer named "${name}" exists in Odoo.` +
      (candidates.length > 0
        ? ` Close matches: ${candidates.map((c) => `"${c.name}"`).join(", ")}.`
        : " find_partners searches customers by name or email.") +
      " This tool never creates customers: create the customer in Odoo first if it is new.",
    { candidates },
  );
}

/**
 * The customer a stored request is bound to, by id (never by name: a rename, or a second partner given the same
 * name, cannot redirect it). Gone, or not visible in this company: `APPROVAL_INVALID`. Archived: `APPROVAL_INVALID`
 * too, unless `archived` (findApplied, which looks for an invoice made before it was archived).
 */
export async function boundCustomer(
  odoo: Odoo,
  id: number,
  options: { archived?: boolean } = {},
): Promise<Partner> {
  // `active` named in the domain: an archived partner is found too (Odoo's implicit filter is off), then judged.
  const [row] = await odoo.searchRead(
    "res.partner",
    [
      ["id", "=", id],
      ["active", "in", [true, false]],
    ],
    [...PARTNER_FIELDS, "active"],
    { limit: 1 },
  );
  if (row && (row.active !== false || options.archived)) return toPartner(row);
  throw new ToolError(
    "APPROVAL_INVALID",
    row
      ? `The customer this invoice was approved for, ${str(row.name) ?? "?"} (partner id ${id}), has been archived in Odoo since. Nothing was written; ask again.`
      : `The customer this invoice was approved for (partner id ${id}) no longer exists in Odoo. Nothing was written; ask again.`,
    { partner_id: id },
  );
}

async function closeCandidates(odoo: Odoo, name: string, email?: string): Promise<PartnerCandidate[]> {
  const found = new Map<number, PartnerCandidate>();
  const add = (rows: OdooRecord[]) => {
    for (const row of rows) if (found.size < 10) found.set(row.id as number, candidate(toPartner(row)));
  };
  add(
    await odoo.searchRead("res.partner", [["name", "ilike", likeLiteral(name)]], PARTNER_FIELDS, {
      limit: 10,
    }),
  );
  const word = name.split(/\s+/).find((part) => part.length >= 3);
  if (found.size === 0 && word && word !== name) {
    add(
      await odoo.searchRead("res.partner", [["name", "ilike", likeLiteral(word)]], PARTNER_FIELDS, {
        limit: 10,
      }),
    );
  }
  if (email) {
    add(
      await odoo.searchRead("res.partner", [["email", "=ilike", likeLiteral(email.trim())]], PARTNER_FIELDS, {
        limit: 5,
      }),
    );
  }
  return [...found.values()];
}

export const partnerSearchResultSchema = z.object({
  id: z.number().int(),
  name: z.string(),
  email: z.string().nullable(),
  is_company: z.boolean(),
  parent: z.string().nullable(),
  is_customer: z.boolean(),
  is_vendor: z.boolean(),
});
export type PartnerSearchResult = z.infer<typeof partnerSearchResultSchema>;

/**
 * For a read tool: partners whose name, email or reference contains `query`. `kind` puts customers (or vendors)
 * first and drops partners that are only the other kind; partners that are neither yet (never invoiced) stay,
 * because a new customer has rank 0 until its first invoice.
 */
export async function searchPartners(
  odoo: Odoo,
  query: { query: string; kind: "customer" | "vendor" | "any"; limit: number },
): Promise<PartnerSearchResult[]> {
  const text = likeLiteral(query.query.trim());
  const domain: Domain =
    text === "" ? [] : ["|", "|", ["name", "ilike", text], ["email", "ilike", text], ["ref", "ilike", text]];
  const rows = await odoo.searchRead("res.partner", domain, PARTNER_FIELDS, {
    limit: Math.max(query.limit * 3, query.limit),
    order: "name",
  });
  const results = rows.map((row) => {
    const partner = toPartner(row);
    return {
      id: partner.id,
      name: partner.name,
      email: partner.email,
      is_company: partner.isCompany,
      parent: m2oName(row.parent_id),
      is_customer: partner.customerRank > 0,
      is_vendor: partner.supplierRank > 0,
    };
  });
  const wanted = (r: PartnerSearchResult) =>
    query.kind === "customer" ? r.is_customer : query.kind === "vendor" ? r.is_vendor : true;
  const other = (r: PartnerSearchResult) =>
    query.kind === "customer"
      ? r.is_vendor && !r.is_customer
      : query.kind === "vendor"
        ? r.is_customer && !r.is_vendor
        : false;
  const kept = results.filter((r) => !other(r));
  kept.sort((a, b) => Number(wanted(b)) - Number(wanted(a)));
  return kept.slice(0, query.limit);
}

/** Who an invoice goes to, per the contract's `customer_email` rule. */
export type InvoiceRecipient =
  | { kind: "customer"; partnerId: number; email: string }
  | { kind: "existing_contact"; partnerId: number; name: string; email: string }
  | { kind: "new_contact"; email: string };

/**
 * `customer_email` is who receives the invoice: the customer itself when it is the customer's email; else an
 * existing invoice-address contact under the customer with that email; else such a contact is to be created as
 * part of the approved operation (`createInvoiceContact`). The customer's own record is never rewritten.
 */
export async function resolveInvoiceRecipient(
  odoo: Odoo,
  customer: Partner,
  email: string,
): Promise<InvoiceRecipient> {
  const wanted = email.trim();
  if (sameEmail(customer.email, wanted))
    return { kind: "customer", partnerId: customer.id, email: customer.email ?? wanted };
  const rows = await odoo.searchRead(
    "res.partner",
    [
      ["parent_id", "=", customer.id],
      ["type", "=", "invoice"],
      ["email", "=ilike", likeLiteral(wanted)],
    ],
    ["name", "email", "type"],
    { order: "id" },
  );
  const contact = rows.find((row) => sameEmail(row.email, wanted));
  if (contact) {
    return {
      kind: "existing_contact",
      partnerId: contact.id as number,
      name: str(contact.name) ?? wanted,
      email: str(contact.email) ?? wanted,
    };
  }
  return { kind: "new_contact", email: wanted };
}

export function describeRecipient(customer: Partner, recipient: InvoiceRecipient): string {
  switch (recipient.kind) {
    case "customer":
      return `${recipient.email} (the customer's own email)`;
    case "existing_contact":
      return `${recipient.email} (existing invoice contact of ${customer.name})`;
    case "new_contact":
      return `${recipient.email}: a new invoice-address contact under ${customer.name} will be created in Odoo (the customer's own email stays ${customer.email ?? "empty"})`;
  }
}

/** Creates the invoice-address contact under the customer; answers its id. */
export async function createInvoiceContact(odoo: Odoo, customer: Partner, email: string): Promise<number> {
  return odoo.create("res.partner", {
    parent_id: customer.id,
    type: "invoice",
    name: email,
    email,
  });
}

/** The partner an invoice is addressed to once the recipient exists. */
export async function ensureRecipientPartner(
  odoo: Odoo,
  customer: Partner,
  recipient: InvoiceRecipient,
): Promise<number> {
  if (recipient.kind === "new_contact") return createInvoiceContact(odoo, customer, recipient.email);
  return recipient.partnerId;
}
