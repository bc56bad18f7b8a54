/**
 * `create_vendor_bill`: a draft vendor bill (`in_invoice`) as the supplier wrote it: the vendor, the bill date, a
 * due date or payment terms, the supplier's reference (Odoo's `ref`), lines with quantities, unit prices, purchase
 * taxes and optionally an expense account or a product, a currency, and the supplier's PDF or image attached.
 * No approval: it only drafts (audited); posting is `post_invoice` and paying `record_payment`, both approved.
 *
 * The supplier's reference is what makes a retry safe: a second bill of the same vendor (its commercial partner)
 * with the same reference, compared ignoring case and runs of spaces, that is not cancelled, is refused with
 * `DUPLICATE_BILL` naming the bill that exists (as Odoo itself warns of a duplicated reference). A call that was
 * interrupted after Odoo created the bill answers that bill when it is made again, instead of a second bill. Parallel
 * calls with the same vendor and reference are checked one after the other (one-at-a-time.ts).
 *
 * Totals are Odoo's, read back after the create; in another currency, `company_total` is Odoo's own
 * conversion (`amount_total_signed`), never ours.
 */
import { z } from "zod";
import type { RequestDocument } from "../../shared/document.js";
import { dateText, documentText } from "../../shared/document-text.js";
import { amountText, moneyText } from "../../shared/money-text.js";
import { assertIsoDate, compareIsoDates } from "../dates.js";
import { ToolError } from "../errors.js";
import {
  displayMoney,
  formatMinor,
  lineSubtotalMinor,
  parseDecimal,
  roundOdooAmount,
  sumMinor,
  toMinor,
} from "../money.js";
import { attachmentContentField } from "../odoo/fields.js";
import { likeLiteral } from "../odoo/like.js";
import type { Odoo } from "../odoo/types.js";
import { type DocumentCurrency, documentCurrency } from "./currencies.js";
import { QUANTITY_DECIMALS, selectTax, untaxedMinor } from "./invoices.js";
import { type AcrossProcesses, oneAtATime } from "./one-at-a-time.js";
import type { DryRunnable } from "./operation.js";
import { findCustomer } from "./partners.js";
import { decodeDocument, formatBytes, type LoadedReceipt, RECEIPT_TYPES } from "./receipts.js";
import { invoiceRef, MOVE_FIELDS } from "./records.js";
import {
  type AccountingSession,
  companyFact,
  companyRows,
  getSession,
  moveUrl,
  type Tax,
  withCompany,
} from "./session.js";
import { m2oId, m2oName, type OdooRecord, str } from "./values.js";

export interface VendorBillLineInput {
  description: string;
  quantity: number;
  unit_price: number;
  taxes?: number[];
  tax_rate?: number;
  account?: number | string;
  product?: number | string;
}

export interface CreateVendorBillInput {
  vendor: number | string;
  bill_date: string;
  due_date?: string;
  /** A payment term's name, or its id written in digits. */
  payment_terms?: string;
  vendor_reference: string;
  lines: VendorBillLineInput[];
  currency?: string;
  /** The supplier's PDF or image, base64; attached as `<vendor_reference>.<its type>`. */
  document?: string;
}

/** What `create_vendor_bill` answers: the one definition (the tool's output schema is built from it). */
export const createVendorBillResult = z.object({
  invoice_id: z.string(),
  record_id: z.number().int(),
  status: z.literal("draft"),
  vendor: z.string(),
  vendor_reference: z.string(),
  currency: z.string(),
  amount_untaxed: z.number(),
  amount_tax: z.number(),
  total_amount: z.number(),
  company_total: z.number().nullable(),
  due_date: z.string().nullable(),
  attachment: z.object({ name: z.string(), id: z.number().int() }).nullable(),
  odoo_url: z.string(),
  warnings: z.array(z.string()),
});
export type CreateVendorBillOutput = z.infer<typeof createVendorBillResult>;

/** Expense account types (Odoo 17–19): a bill's line is booked on one of these, or on its product's. */
const EXPENSE_TYPES = new Set(["expense", "expense_direct_cost", "expense_depreciation"]);

interface Vendor {
  id: number;
  name: string;
  /** Odoo's commercial partner: the company of a contact, the partner itself otherwise (the duplicate's scope). */
  commercialId: number;
}

interface PlannedLine {
  description: string;
  quantity: number;
  unitPrice: number;
  taxes: Tax[];
  account: { id: number; code: string; name: string } | null;
  product: { id: number; name: string } | null;
  subtotal: bigint;
}

interface BillPlan {
  session: AccountingSession;
  vendor: Vendor;
  currency: DocumentCurrency;
  reference: string;
  paymentTerm: { id: number; name: string } | null;
  lines: PlannedLine[];
  subtotal: bigint;
  document: LoadedReceipt | null;
  contentField: "datas" | "raw" | null;
}

/** The reference as stored: trimmed, every run of spaces one space. Compared ignoring case (`referenceKey`). */
export function normalizeReference(reference: string): string {
  return reference.trim().replace(/\s+/g, " ");
}
const referenceKey = (reference: string) => normalizeReference(reference).toLowerCase();

async function findVendor(odoo: Odoo, vendor: number | string): Promise<Vendor> {
  if (typeof vendor === "number") {
    const [row] = await odoo.read(
      "res.partner",
      [vendor],
      ["name", "email", "is_company", "parent_id", "customer_rank", "supplier_rank", "commercial_partner_id"],
    );
    if (!row) {
      throw new ToolError(
        "CUSTOMER_NOT_FOUND",
        `No partner with id ${vendor} exists in Odoo; find_partners gives vendor ids.`,
        {
          partner_id: vendor,
        },
      );
    }
    return {
      id: vendor,
      name: str(row.name) ?? `partner ${vendor}`,
      commercialId: m2oId(row.commercial_partner_id) ?? vendor,
    };
  }
  try {
    // Top-level partners only (findCustomer): each is its own commercial partner.
    const partner = await findCustomer(odoo, { name: vendor });
    return { id: partner.id, name: partner.name, commercialId: partner.id };
  } catch (error) {
    if (error instanceof ToolError && error.code === "CUSTOMER_NOT_FOUND") {
      throw new ToolError(
        "CUSTOMER_NOT_FOUND",
        error.message.replaceAll("customer", "vendor"),
        error.details,
      );
    }
    throw error;
  }
}

/** A record named by id or by a text field (`=ilike`, compared exactly ignoring case); `what` names it in errors. */
async function recordByIdOrText(
  odoo: Odoo,
  model: string,
  wanted: number | string,
  textField: string,
  fields: string[],
  what: string,
): Promise<OdooRecord> {
  if (typeof wanted === "number") {
    const [row] = await odoo.read(model, [wanted], fields);
    if (row) return row;
    throw new ToolError("VALIDATION_ERROR", `No ${what} with id ${wanted} exists in Odoo.`, {
      [what]: wanted,
    });
  }
  const text = wanted.trim();
  const rows = (
    await odoo.searchRead(model, [[textField, "=ilike", likeLiteral(text)]], fields, { limit: 2 })
  ).filter((row) => String(row[textField]).toLowerCase() === text.toLowerCase());
  if (rows.length === 1 && rows[0]) return rows[0];
  throw new ToolError(
    "VALIDATION_ERROR",
    rows.length > 1
      ? `Several ${what}s are named ${JSON.stringify(text)} in Odoo; give its id.`
      : `No ${what} ${JSON.stringify(text)} exists in Odoo.`,
    { [what]: text },
  );
}

/** The accounts the lines name (codes in one search, ids in one read), each an expense account. */
async function lineAccounts(
  odoo: Odoo,
  lines: VendorBillLineInput[],
): Promise<Map<number | string, { id: number; code: string; name: string }>> {
  const wanted = lines.map((line) => line.account).filter((a): a is number | string => a !== undefined);
  const found = new Map<number | string, { id: number; code: string; name: string }>();
  if (wanted.length === 0) return found;
  const fields = ["code", "name", "account_type", "active"];
  const codes = [...new Set(wanted.filter((a): a is string => typeof a === "string").map((a) => a.trim()))];
  const numbers = [...new Set(wanted.filter((a): a is number => typeof a === "number"))];
  const rows = [
    ...(codes.length > 0 ? await odoo.searchRead("account.account", [["code", "in", codes]], fields) : []),
    ...(numbers.length > 0 ? await odoo.read("account.account", numbers, fields) : []),
  ];
  for (const key of [...codes, ...numbers]) {
    const row = rows.find((r) => (typeof key === "number" ? r.id === key : r.code === key));
    if (!row || typeof row.id !== "number") {
      throw new ToolError(
        "VALIDATION_ERROR",
        `No account ${typeof key === "number" ? `with id ${key}` : `with code ${key}`} exists in Odoo.`,
        {
          account: key,
        },
      );
    }
    if (!EXPENSE_TYPES.has(String(row.account_type))) {
      throw new ToolError(
        "VALIDATION_ERROR",
        `Account ${str(row.code) ?? row.id} ${str(row.name) ?? ""} is not an expense account (its type is ${String(row.account_type)}); a bill's line goes to an expense account.`,
        { account: key, account_type: row.account_type },
      );
    }
    found.set(key, { id: row.id, code: str(row.code) ?? "", name: str(row.name) ?? "" });
  }
  return found;
}

/** The products the lines name (internal references in one search, ids in one read). */
async function lineProducts(
  odoo: Odoo,
  lines: VendorBillLineInput[],
): Promise<Map<number | string, { id: number; name: string }>> {
  const wanted = lines.map((line) => line.product).filter((p): p is number | string => p !== undefined);
  const found = new Map<number | string, { id: number; name: string }>();
  if (wanted.length === 0) return found;
  const fields = ["name", "default_code", "purchase_ok"];
  const refs = [...new Set(wanted.filter((p): p is string => typeof p === "string").map((p) => p.trim()))];
  const numbers = [...new Set(wanted.filter((p): p is number => typeof p === "number"))];
  const rows = [
    ...(refs.length > 0
      ? await odoo.searchRead("product.product", [["default_code", "in", refs]], fields)
      : []),
    ...(numbers.length > 0 ? await odoo.read("product.product", numbers, fields) : []),
  ];
  for (const key of [...refs, ...numbers]) {
    const matches = rows.filter((r) => (typeof key === "number" ? r.id === key : r.default_code === key));
    const row = matches[0];
    if (matches.length !== 1 || !row || typeof row.id !== "number") {
      throw new ToolError(
        "VALIDATION_ERROR",
        matches.length > 1
          ? `Several products have the internal reference ${key}; give the product's id.`
          : `No product ${typeof key === "number" ? `with id ${key}` : `with internal reference ${key}`} exists in Odoo.`,
        { product: key },
      );
    }
    found.set(key, { id: row.id, name: str(row.name) ?? "" });
  }
  return found;
}

/** The line's taxes: the purchase taxes of these ids, or the one purchase tax of `tax_rate`, or none. */
function lineTaxes(session: AccountingSession, line: VendorBillLineInput, where: string): Tax[] {
  if (line.taxes !== undefined && line.tax_rate !== undefined) {
    throw new ToolError("VALIDATION_ERROR", `${where}: give taxes (ids) or tax_rate, not both.`);
  }
  if (line.taxes === undefined) {
    const tax = selectTax(session, "purchase", line.tax_rate, `${where}.tax_rate`);
    return tax ? [tax] : [];
  }
  const purchase = session.taxes.filter((tax) => tax.typeTaxUse === "purchase");
  return [...new Set(line.taxes)].map((id) => {
    const tax = purchase.find((t) => t.id === id);
    if (tax) return tax;
    throw new ToolError(
      "VALIDATION_ERROR",
      `${where}.taxes: tax id ${id} is not one of the company's purchase taxes (${purchase.map((t) => `${t.id} ${t.name}`).join(", ") || "none"}). list_taxes shows them.`,
      { tax_id: id, purchase_taxes: purchase.map((t) => t.id) },
    );
  });
}

/** Odoo's untaxed amount: `untaxedMinor` per set of taxes (under round_globally Odoo rounds the base per tax). */
function billUntaxed(lines: PlannedLine[], decimals: number, session: AccountingSession): bigint {
  const groups = new Map<string, { quantity: number; unit_price: number }[]>();
  for (const line of lines) {
    const key = line.taxes
      .map((tax) => tax.id)
      .sort((a, b) => a - b)
      .join(",");
    groups.set(key, [...(groups.get(key) ?? []), { quantity: line.quantity, unit_price: line.unitPrice }]);
  }
  return sumMinor(
    [...groups.values()].map((group) => untaxedMinor(group, decimals, session.company.taxRounding)),
  );
}

/** The attachment's name before its extension: the reference, letters, digits, spaces, `.`, `_` and `-` kept. */
const documentName = (reference: string) => reference.replace(/[^\p{L}\p{N} ._-]/gu, "_");

/** A payment term by its id (digits) or its name. */
const termKey = (terms: string): number | string =>
  /^\d{1,15}$/.test(terms.trim()) ? Number(terms.trim()) : terms;

/** Every check of `create_vendor_bill`, read-only: shared by the create and its dry run. */
async function planBill(odoo: Odoo, input: CreateVendorBillInput): Promise<BillPlan> {
  assertIsoDate(input.bill_date, "bill_date", "INVALID_DATE");
  if (input.due_date !== undefined) {
    assertIsoDate(input.due_date, "due_date", "INVALID_DATE");
    if (input.payment_terms !== undefined) {
      throw new ToolError(
        "VALIDATION_ERROR",
        "Give due_date or payment_terms, not both: Odoo computes the due date from the terms.",
      );
    }
    if (compareIsoDates(input.due_date, input.bill_date) < 0) {
      throw new ToolError(
        "INVALID_DATE",
        `due_date ${input.due_date} is before bill_date ${input.bill_date}.`,
      );
    }
  }
  const reference = normalizeReference(input.vendor_reference);
  if (reference === "") throw new ToolError("VALIDATION_ERROR", "vendor_reference is empty.");
  if (input.lines.length === 0)
    throw new ToolError("VALIDATION_ERROR", "lines is empty: a bill needs at least one line.");
  // The attachment is judged before Odoo is asked anything.
  const document =
    input.document === undefined ? null : decodeDocument(documentName(reference), input.document, "document");
  const session = await getSession(odoo);
  const currency = await documentCurrency(odoo, session, input.currency);
  const { decimals } = currency;
  const [vendor, accounts, products, paymentTerm, contentField] = await Promise.all([
    findVendor(odoo, input.vendor),
    lineAccounts(odoo, input.lines),
    lineProducts(odoo, input.lines),
    input.payment_terms === undefined
      ? null
      : recordByIdOrText(
          odoo,
          "account.payment.term",
          termKey(input.payment_terms),
          "name",
          ["name"],
          "payment term",
        ).then((row) => ({
          id: row.id as number,
          name: str(row.name) ?? "",
        })),
    document ? attachmentContentField(odoo) : null,
  ]);
  if (document && !contentField) {
    throw new ToolError(
      "ODOO_ERROR",
      `Odoo ${session.serverVersion}'s attachments have neither datas nor raw, so odoo-mcp cannot attach the document; nothing was created. Leave document out and attach it in Odoo.`,
    );
  }
  const lines = input.lines.map((line, index): PlannedLine => {
    const where = `lines[${index}]`;
    const description = line.description.trim();
    if (description === "") throw new ToolError("VALIDATION_ERROR", `${where}.description is empty.`);
    const quantity = parseDecimal(line.quantity);
    if (!quantity || quantity.digits < 0n)
      throw new ToolError("VALIDATION_ERROR", `${where}.quantity must be a number ≥ 0.`);
    if (quantity.scale > QUANTITY_DECIMALS) {
      throw new ToolError(
        "VALIDATION_ERROR",
        `${where}.quantity ${line.quantity} has more than ${QUANTITY_DECIMALS} decimals, which Odoo would round.`,
      );
    }
    if (toMinor(line.unit_price, decimals, { field: `${where}.unit_price` }) < 0n) {
      throw new ToolError("VALIDATION_ERROR", `${where}.unit_price must be ≥ 0.`);
    }
    return {
      description,
      quantity: line.quantity,
      unitPrice: line.unit_price,
      taxes: lineTaxes(session, line, where),
      account:
        line.account === undefined
          ? null
          : (accounts.get(typeof line.account === "string" ? line.account.trim() : line.account) ?? null),
      product:
        line.product === undefined
          ? null
          : (products.get(typeof line.product === "string" ? line.product.trim() : line.product) ?? null),
      subtotal: lineSubtotalMinor(line.quantity, line.unit_price, decimals),
    };
  });
  return {
    session,
    vendor,
    currency,
    reference,
    paymentTerm,
    lines,
    subtotal: billUntaxed(lines, decimals, session),
    document,
    contentField,
  };
}

const DUPLICATE_FIELDS = [
  "name",
  "ref",
  "state",
  "partner_id",
  "invoice_date",
  "amount_total",
  "currency_id",
];

/**
 * The vendor's bills (not cancelled) with this reference ignoring case and runs of spaces: Odoo is asked with
 * `=ilike` and the words joined by `%` (escaped), and only true matches are kept.
 */
async function sameReference(odoo: Odoo, vendor: Vendor, reference: string): Promise<OdooRecord[]> {
  const pattern = reference.split(" ").map(likeLiteral).join("%");
  const rows = await odoo.searchRead(
    "account.move",
    [
      ["move_type", "=", "in_invoice"],
      ["commercial_partner_id", "=", vendor.commercialId],
      ["state", "!=", "cancel"],
      ["ref", "=ilike", pattern],
    ],
    DUPLICATE_FIELDS,
    { order: "id" },
  );
  return rows.filter((row) => referenceKey(str(row.ref) ?? "") === referenceKey(reference));
}

function refuseDuplicate(plan: BillPlan, existing: OdooRecord): never {
  const id = existing.id as number;
  const ref = invoiceRef(existing);
  throw new ToolError(
    "DUPLICATE_BILL",
    `${plan.vendor.name} already has ${existing.state === "posted" ? `bill ${ref}` : `a draft bill (record ${id})`} with the reference ${str(existing.ref) ?? plan.reference}` +
      `, dated ${str(existing.invoice_date) ?? "?"}: no second bill was created. If an earlier call was interrupted, that bill is the one it created (get_invoice ${ref} shows it).`,
    {
      invoice_id: ref,
      record_id: id,
      state: existing.state,
      vendor_reference: str(existing.ref),
      odoo_url: moveUrl(plan.session, id),
    },
  );
}

function billValues(plan: BillPlan, input: CreateVendorBillInput): Record<string, unknown> {
  return {
    move_type: "in_invoice",
    partner_id: plan.vendor.id,
    invoice_date: input.bill_date,
    ref: plan.reference,
    currency_id: plan.currency.id,
    ...(plan.paymentTerm ? { invoice_payment_term_id: plan.paymentTerm.id } : {}),
    ...(input.due_date ? { invoice_date_due: input.due_date } : {}),
    invoice_line_ids: plan.lines.map((line) => [
      0,
      0,
      {
        name: line.description,
        quantity: line.quantity,
        price_unit: line.unitPrice,
        tax_ids: [[6, 0, line.taxes.map((tax) => tax.id)]],
        ...(line.account ? { account_id: line.account.id } : {}),
        ...(line.product ? { product_id: line.product.id } : {}),
      },
    ]),
  };
}

const READ_FIELDS = [...MOVE_FIELDS, "ref", "amount_total_signed", "amount_residual_signed"];

/** Drafts the bill, attaches the document, reads Odoo's totals back. Refuses a duplicate before writing. */
export async function createVendorBill(
  odoo: Odoo,
  input: CreateVendorBillInput,
  across?: AcrossProcesses,
): Promise<CreateVendorBillOutput> {
  const plan = await planBill(odoo, input);
  // The check and the create, one call at a time per vendor and reference (parallel calls: one-at-a-time.ts).
  const id = await oneAtATime(
    [`bill|${plan.vendor.commercialId}|${referenceKey(plan.reference)}`],
    async () => {
      const [existing] = await sameReference(odoo, plan.vendor, plan.reference);
      if (existing) refuseDuplicate(plan, existing);
      return odoo.create("account.move", billValues(plan, input));
    },
    across,
  );
  let attachment: { name: string; id: number } | null = null;
  const warnings: string[] = [];
  if (plan.document && plan.contentField) {
    const attachmentId = await odoo.create("ir.attachment", {
      name: plan.document.name,
      [plan.contentField]: plan.document.bytes.toString("base64"),
      res_model: "account.move",
      res_id: id,
      mimetype: plan.document.mimetype,
    });
    // The bill's main attachment: the one Odoo shows beside the form.
    await odoo.write("account.move", [id], { message_main_attachment_id: attachmentId });
    attachment = { name: plan.document.name, id: attachmentId };
  }
  const [move] = await odoo.read("account.move", [id], READ_FIELDS);
  if (!move) throw new ToolError("ODOO_ERROR", `Odoo created bill ${id} but does not return it.`);
  const { decimals, name: currency } = plan.currency;
  const dueDate = str(move.invoice_date_due);
  if (input.due_date && dueDate !== input.due_date) {
    warnings.push(`Odoo set the due date to ${dueDate} instead of ${input.due_date}.`);
  }
  const moveCurrency = m2oName(move.currency_id) ?? currency;
  return {
    invoice_id: invoiceRef(move),
    record_id: id,
    status: "draft",
    vendor: m2oName(move.partner_id) ?? plan.vendor.name,
    vendor_reference: str(move.ref) ?? plan.reference,
    currency: moveCurrency,
    amount_untaxed: roundOdooAmount(move.amount_untaxed, decimals),
    amount_tax: roundOdooAmount(move.amount_tax, decimals),
    total_amount: roundOdooAmount(move.amount_total, decimals),
    // Odoo's own conversion at its rate; a bill's signed amounts are negative (money owed).
    company_total: plan.currency.isCompany
      ? null
      : Math.abs(roundOdooAmount(move.amount_total_signed, plan.session.company.decimals)),
    due_date: dueDate,
    attachment,
    odoo_url: moveUrl(plan.session, id),
    warnings,
  };
}

/** The bill as a person reads it before it exists (the dry run): Odoo computes taxes and totals at creation. */
function billDocument(plan: BillPlan, input: CreateVendorBillInput): RequestDocument {
  const { decimals, name: currency } = plan.currency;
  const money = (minor: bigint) => displayMoney(minor, decimals, currency);
  const taxNames = [...new Set(plan.lines.flatMap((line) => line.taxes.map((tax) => tax.name)))];
  return {
    name: `Draft vendor bill ${plan.reference} from ${plan.vendor.name}, dated ${dateText(input.bill_date)}`,
    effect:
      "Creates a draft vendor bill in Odoo. Nothing is posted or paid: post_invoice and record_payment do that, each approved by a person.",
    party: { role: "Vendor", name: plan.vendor.name },
    lines: plan.lines.map((line) => ({
      description: line.description,
      quantity: amountText(line.quantity),
      unit_price: moneyText(line.unitPrice, currency, decimals),
      ...(line.taxes.length > 0 ? { taxes: line.taxes.map((tax) => tax.name).join(", ") } : {}),
      subtotal: money(line.subtotal),
    })),
    amounts: [
      { label: "Subtotal", amount: money(plan.subtotal) },
      ...(taxNames.length > 0
        ? [{ label: `Tax ${taxNames.join(", ")}`, amount: "computed by Odoo at creation" }]
        : []),
      {
        label: "Total",
        amount: taxNames.length > 0 ? "computed by Odoo at creation" : money(plan.subtotal),
        strong: true,
      },
    ],
    rows: [
      ...companyRows(plan.session),
      { label: "Vendor reference", value: plan.reference },
      { label: "Bill date", value: dateText(input.bill_date) },
      ...(input.due_date ? [{ label: "Due date", value: dateText(input.due_date) }] : []),
      ...(plan.paymentTerm ? [{ label: "Payment terms", value: plan.paymentTerm.name }] : []),
      ...(plan.currency.isCompany
        ? []
        : [
            {
              label: "Currency",
              value: `${currency}; the amount in ${plan.session.company.currency} is computed by Odoo at its rate`,
            },
          ]),
      ...plan.lines.flatMap((line, index) => [
        ...(line.account
          ? [{ label: `Line ${index + 1} account`, value: `${line.account.code} ${line.account.name}` }]
          : []),
        ...(line.product ? [{ label: `Line ${index + 1} product`, value: line.product.name }] : []),
      ]),
      {
        label: "Document",
        value: plan.document
          ? `${plan.document.name} (${RECEIPT_TYPES[plan.document.kind].label}, ${formatBytes(plan.document.size)})`
          : "none attached",
      },
    ],
  };
}

/** `create_vendor_bill` under DRY_RUN: the same checks, read-only (the duplicate included), and the bill it would draft. */
export const vendorBillPreview: DryRunnable<CreateVendorBillInput, CreateVendorBillOutput> = {
  tool: "create_vendor_bill",
  result: createVendorBillResult,

  async prepare(odoo, input) {
    const plan = await planBill(odoo, input);
    const [existing] = await sameReference(odoo, plan.vendor, plan.reference);
    if (existing) refuseDuplicate(plan, existing);
    const document = billDocument(plan, input);
    const { decimals, name: currency } = plan.currency;
    return {
      summary: withCompany(plan.session, documentText(document)),
      document,
      target: document.name,
      direction: "none", // a draft: nothing is owed until post_invoice, approved by a person
      amount: formatMinor(plan.subtotal, decimals),
      currency,
      facts: {
        ...companyFact(plan.session),
        vendor: { id: plan.vendor.id, name: plan.vendor.name },
        vendor_reference: plan.reference,
        bill_date: input.bill_date,
        due_date: input.due_date ?? null,
        payment_terms: plan.paymentTerm,
        currency,
        subtotal: formatMinor(plan.subtotal, decimals),
        document: plan.document
          ? { name: plan.document.name, mimetype: plan.document.mimetype, size: plan.document.size }
          : null,
      },
      binding: { partner_id: plan.vendor.id, currency }, // never stored: no approval (this is its dry run)
    };
  },

  async dryRun(odoo, prepared, input) {
    const plan = await planBill(odoo, input);
    const untaxed = plan.lines.every((line) => line.taxes.length === 0);
    const amount = (minor: bigint) =>
      roundOdooAmount(formatMinor(minor, plan.currency.decimals), plan.currency.decimals);
    return {
      fields: {
        invoice_id: null,
        record_id: null,
        vendor: plan.vendor.name,
        vendor_reference: plan.reference,
        currency: plan.currency.name,
        amount_untaxed: untaxed ? amount(plan.subtotal) : null,
        amount_tax: untaxed ? 0 : null,
        total_amount: untaxed ? amount(plan.subtotal) : null,
        company_total: null,
        due_date: input.due_date ?? null,
        attachment: null,
        odoo_url: null,
        warnings: [],
      },
      would: {
        odoo_calls: [
          "account.move create in_invoice",
          ...(plan.document ? ["ir.attachment create", "account.move write message_main_attachment_id"] : []),
        ],
        ...prepared.facts,
      },
    };
  },
};
