/**
 * `create_partner`: a customer or a vendor (res.partner), with its address, VAT number and payment terms. No money
 * moves, so no approval (audited, and previewed under DRY_RUN, by the tool).
 *
 * An obvious duplicate is refused with `PARTNER_EXISTS`, naming the partner to use instead: a partner with the same
 * VAT number (spaces and dots aside, case aside) or the same email (case aside). This is also what makes a retried
 * call create nothing twice. Without either, a retry is recognised by Odoo's own columns: a top-level partner with
 * the same name (case aside) that this Odoo user created in the last `RETRY_MINUTES` minutes is the first call's;
 * an older one, or another user's, of the same name is only a warning (two customers may share a name). Calls
 * running at the same moment are checked one after the other within this process (one-at-a-time.ts).
 *
 * Odoo checks the VAT number only when its `base_vat` module is installed; its refusal is Odoo's message under
 * `VALIDATION_ERROR` (error-map.ts). Without `base_vat` any text is stored: the lab's Odoo 19 has no `base_vat`.
 */
import { z } from "zod";
import type { RequestDocument } from "../../shared/document.js";
import { documentText } from "../../shared/document-text.js";
import { ToolError } from "../errors.js";
import { likeLiteral } from "../odoo/like.js";
import type { Domain, Odoo } from "../odoo/types.js";
import { type AcrossProcesses, oneAtATime } from "./one-at-a-time.js";
import type { DryRunnable } from "./operation.js";
import { type AccountingSession, companyFact, getSession, recordUrl, withCompany } from "./session.js";
import { m2oId, m2oName, type OdooRecord, sameEmail, str } from "./values.js";

export const PARTNER_KINDS = ["customer", "vendor", "both"] as const;
export type PartnerKind = (typeof PARTNER_KINDS)[number];

export interface CreatePartnerInput {
  name: string;
  kind: PartnerKind;
  is_company?: boolean;
  email?: string;
  phone?: string;
  street?: string;
  city?: string;
  zip?: string;
  /** ISO 3166 two-letter code. */
  country?: string;
  vat?: string;
  /** An account.payment.term, by name or id. */
  payment_terms?: string | number;
}

/** What `create_partner` answers: the one definition (the tool's output schema extends it). */
export const createPartnerResult = z.object({
  id: z.number().int(),
  name: z.string(),
  /** The input's `kind` (a plain string in tools/list: its values are listed once, in the input). */
  kind: z.string(),
  status: z.literal("created"),
  odoo_url: z.string(),
  warnings: z.array(z.string()),
});
export type CreatePartnerOutput = z.infer<typeof createPartnerResult>;

/** How long after its create a partner of the same name, by the same Odoo user, is taken for a retried call. */
export const RETRY_MINUTES = 10;

/**
 * A VAT number as compared and stored: letters and digits only, upper case ("de 123.456.789" → "DE123456789",
 * "BE-0477.472.701" → "BE0477472701"), the compact form Odoo's own VAT check (base_vat, python-stdnum) accepts.
 */
export const normalVat = (vat: string) => vat.replace(/[^\p{L}\p{N}]/gu, "").toUpperCase();

const DUPLICATE_FIELDS = ["name", "email", "vat", "parent_id", "create_uid", "create_date"];

interface PartnerPlan {
  session: AccountingSession;
  vals: Record<string, unknown>;
  country: string | null;
  terms: string | null;
  warnings: string[];
}

async function findCountry(odoo: Odoo, code: string): Promise<{ id: number; name: string }> {
  const iso = code.trim().toUpperCase();
  const [row] = await odoo.searchRead("res.country", [["code", "=", iso]], ["name", "code"], { limit: 1 });
  if (!row) {
    throw new ToolError(
      "VALIDATION_ERROR",
      `No country in Odoo has the ISO code "${iso}"; give its two-letter code (DE, BE, US...).`,
    );
  }
  return { id: row.id as number, name: str(row.name) ?? iso };
}

async function findTerms(odoo: Odoo, terms: string | number): Promise<{ id: number; name: string }> {
  const byId = typeof terms === "number";
  const rows = await odoo.searchRead(
    "account.payment.term",
    byId ? [["id", "=", terms]] : [["name", "=ilike", likeLiteral(terms.trim())]],
    ["name"],
    byId ? { limit: 1 } : {},
  );
  const matches = byId
    ? rows
    : rows.filter((row) => (str(row.name) ?? "").toLowerCase() === String(terms).trim().toLowerCase());
  const [match] = matches;
  if (match && matches.length === 1) return { id: match.id as number, name: str(match.name) ?? "" };
  throw new ToolError(
    "VALIDATION_ERROR",
    matches.length > 1
      ? `Several payment terms are named "${terms}" (ids ${matches.map((m) => m.id).join(", ")}); give the id.`
      : `No payment terms ${byId ? `with id ${terms}` : `named "${terms}"`} in Odoo (Odoo's are named like "30 Days").`,
  );
}

/**
 * One read for every duplicate rule: partners with a VAT of the same characters in order (a wildcard between them,
 * so that "DE 123.456.789" is found for "DE123456789"; compared exactly here), with the email, or top-level with
 * the name, with who created each and when.
 */
async function readLookalikes(odoo: Odoo, input: CreatePartnerInput, name: string): Promise<OdooRecord[]> {
  const clauses: Domain[] = [];
  const vat = input.vat ? normalVat(input.vat) : "";
  if (vat) clauses.push([["vat", "=ilike", Array.from(vat, likeLiteral).join("%")]]);
  if (input.email) clauses.push([["email", "=ilike", likeLiteral(input.email.trim())]]);
  clauses.push(["&", ["name", "=ilike", likeLiteral(name)], ["parent_id", "=", false]]);
  const domain: Domain = [...Array(clauses.length - 1).fill("|"), ...clauses.flat()];
  return odoo.searchRead("res.partner", domain, DUPLICATE_FIELDS, { order: "id" });
}

const who = (row: OdooRecord) => {
  const parent = m2oName(row.parent_id);
  return `${str(row.name) ?? "?"}${parent ? ` (a contact of ${parent})` : ""}, id ${row.id}`;
};

function refuse(row: OdooRecord, why: string): never {
  throw new ToolError(
    "PARTNER_EXISTS",
    `A partner ${why} already exists in Odoo: ${who(row)}. Use it (its id) instead of creating another; nothing was created.`,
    { partner: { id: row.id, name: str(row.name) ?? "" } },
  );
}

/** Refuses a duplicate (`PARTNER_EXISTS`); answers warnings about partners that only share the name. */
function judgeLookalikes(
  rows: OdooRecord[],
  input: CreatePartnerInput,
  name: string,
  session: AccountingSession,
  now: Date,
): string[] {
  const vat = input.vat ? normalVat(input.vat) : "";
  const sameVat = vat ? rows.find((row) => normalVat(str(row.vat) ?? "") === vat) : undefined;
  if (sameVat) refuse(sameVat, `with the VAT number ${vat}`);
  const sameMail = input.email ? rows.find((row) => sameEmail(row.email, input.email)) : undefined;
  if (sameMail) refuse(sameMail, `with the email ${input.email?.trim()}`);
  const named = rows.filter(
    (row) => m2oId(row.parent_id) === null && (str(row.name) ?? "").toLowerCase() === name.toLowerCase(),
  );
  if (!vat && !input.email) {
    const since = now.getTime() - RETRY_MINUTES * 60_000;
    const retried = named.find((row) => {
      const created = Date.parse(`${String(row.create_date).replace(" ", "T")}Z`);
      return m2oId(row.create_uid) === session.uid && created >= since;
    });
    if (retried)
      refuse(retried, `named "${name}", created by this Odoo user in the last ${RETRY_MINUTES} minutes,`);
  }
  return named.map(
    (row) =>
      `Another partner is already named "${str(row.name) ?? name}" (id ${row.id}${str(row.email) ? `, ${row.email}` : ""}): make sure it is not the same one.`,
  );
}

/** All checks of `create_partner`, read-only; shared by the tool and its dry run. */
async function planPartner(odoo: Odoo, input: CreatePartnerInput, now = new Date()): Promise<PartnerPlan> {
  const session = await getSession(odoo);
  const name = input.name.trim();
  const country = input.country ? await findCountry(odoo, input.country) : null;
  const terms = input.payment_terms === undefined ? null : await findTerms(odoo, input.payment_terms);
  const warnings = judgeLookalikes(await readLookalikes(odoo, input, name), input, name, session, now);
  const customer = input.kind !== "vendor";
  const vendor = input.kind !== "customer";
  const text = (value: string | undefined) => (value?.trim() ? { value: value.trim() } : null);
  const optional: Record<string, unknown> = {};
  for (const key of ["email", "phone", "street", "city", "zip"] as const) {
    const value = text(input[key]);
    if (value) optional[key] = value.value;
  }
  return {
    session,
    vals: {
      name,
      is_company: input.is_company ?? true,
      ...(customer ? { customer_rank: 1 } : {}),
      ...(vendor ? { supplier_rank: 1 } : {}),
      ...optional,
      ...(country ? { country_id: country.id } : {}),
      ...(input.vat && normalVat(input.vat) ? { vat: normalVat(input.vat) } : {}),
      ...(terms && customer ? { property_payment_term_id: terms.id } : {}),
      ...(terms && vendor ? { property_supplier_payment_term_id: terms.id } : {}),
    },
    country: country?.name ?? null,
    terms: terms?.name ?? null,
    warnings,
  };
}

const ROLE: Record<PartnerKind, string> = {
  customer: "customer",
  vendor: "vendor",
  both: "customer and vendor",
};

function partnerDocument(plan: PartnerPlan, input: CreatePartnerInput): RequestDocument {
  const vals = plan.vals;
  const address = [vals.street, vals.zip, vals.city, plan.country].filter(Boolean).join(", ");
  const row = (label: string, value: unknown) => (value ? [{ label, value: String(value) }] : []);
  return {
    name: `New ${ROLE[input.kind]}: ${String(vals.name)}`,
    effect: `Creates the ${ROLE[input.kind]} in Odoo (${vals.is_company ? "a company" : "an individual"}). No money moves.`,
    party: { role: input.kind === "vendor" ? "Vendor" : "Customer", name: String(vals.name) },
    amounts: [],
    rows: [
      ...row("Email", vals.email),
      ...row("Phone", vals.phone),
      ...row("Address", address),
      ...row("VAT", vals.vat),
      ...row("Payment terms", plan.terms),
    ],
  };
}

/** Creates the partner once the checks pass. */
export async function createPartner(
  odoo: Odoo,
  input: CreatePartnerInput,
  across?: AcrossProcesses,
): Promise<CreatePartnerOutput> {
  // The duplicate rules' search and the create, one call at a time per name, VAT and email (one-at-a-time.ts).
  const keys = [
    `partner|name|${input.name.trim().toLowerCase()}`,
    ...(input.vat && normalVat(input.vat) ? [`partner|vat|${normalVat(input.vat)}`] : []),
    ...(input.email?.trim() ? [`partner|email|${input.email.trim().toLowerCase()}`] : []),
  ];
  const { plan, id } = await oneAtATime(
    keys,
    async () => {
      const plan = await planPartner(odoo, input);
      return { plan, id: await odoo.create("res.partner", plan.vals) };
    },
    across,
  );
  return {
    id,
    name: String(plan.vals.name),
    kind: input.kind,
    status: "created",
    odoo_url: recordUrl(plan.session, "res.partner", id),
    warnings: plan.warnings,
  };
}

/** `create_partner` under DRY_RUN: the same checks, read-only, and the partner it would create. */
export const partnerPreview: DryRunnable<CreatePartnerInput, CreatePartnerOutput> = {
  tool: "create_partner",
  result: createPartnerResult,

  async prepare(odoo, input) {
    const plan = await planPartner(odoo, input);
    const document = partnerDocument(plan, input);
    return {
      summary: withCompany(plan.session, documentText(document)),
      document,
      target: document.name,
      direction: "none",
      facts: { ...companyFact(plan.session), vals: plan.vals, warnings: plan.warnings },
      // Never stored: create_partner needs no approval (this is its dry run).
      binding: {},
    };
  },

  async dryRun(_odoo, prepared, input) {
    const facts = prepared.facts as { vals: { name: string }; warnings: string[] };
    return {
      fields: { id: null, name: facts.vals.name, kind: input.kind, odoo_url: null, warnings: facts.warnings },
      would: { odoo_calls: ["res.partner create"], ...prepared.facts },
    };
  },
};
