/**
 * Customer invoices and vendor bills: `create_invoice` (approval), `create_draft_invoice` (a draft bill, no
 * approval) and `post_invoice` (approval). Totals and taxes are always Odoo's, read back after the write; the
 * only arithmetic done here is the exact subtotal shown to the human before approving.
 */
import { z } from "zod";
import type { RequestDocument } from "../../shared/document.js";
import { dateText, documentText } from "../../shared/document-text.js";
import { amountText, moneyText } from "../../shared/money-text.js";
import { assertIsoDate, compareIsoDates, odooDatetimeToIso, todayIn } from "../dates.js";
import { ToolError } from "../errors.js";
import {
  displayMoney,
  formatMinor,
  fromOdooAmount,
  lineSubtotalMinor,
  minorToNumber,
  multiplyDecimals,
  parseDecimal,
  rescale,
  roundOdooAmount,
  sumMinor,
  toMinor,
} from "../money.js";
import { OdooConnectionError } from "../odoo/errors.js";
import type { Odoo } from "../odoo/types.js";
import { approvalsNamedOn, postApprovalNote, recordsTaggedWith } from "./approval-tag.js";
import { type DocumentCurrency, documentCurrency } from "./currencies.js";
import { moveDocumentParts, moveKind, numberWhenPosted, SIGNED_FIELDS } from "./move-document.js";
import { assertPostable, highestId, postMove, tagQuietly } from "./moves.js";
import {
  type AttemptMarker,
  assertBound,
  type Binding,
  type DryRunnable,
  type PreparedWrite,
  type WriteOperation,
} from "./operation.js";
import {
  boundCustomer,
  describeRecipient,
  ensureRecipientPartner,
  findCustomer,
  type InvoiceRecipient,
  type Partner,
  resolveInvoiceRecipient,
} from "./partners.js";
import {
  assertMoveBound,
  currencyOf,
  invoiceRef,
  MOVE_FIELDS,
  type MoveRecord,
  moneyDirectionOf,
  moveBinding,
  moveLabel,
  resolveInvoice,
  textToHtml,
} from "./records.js";
import {
  type AccountingSession,
  companyFact,
  companyRows,
  getSession,
  moveUrl,
  type Tax,
  type TaxRounding,
  withCompany,
} from "./session.js";
import { ids, m2oName, type OdooRecord, str } from "./values.js";

export { getInvoice, listInvoices, resolveInvoice } from "./records.js";

/** Quantities are kept to Odoo's default "Product Unit of Measure" precision. */
export const QUANTITY_DECIMALS = 2;

export interface InvoiceLineInput {
  description: string;
  quantity: number;
  unit_price: number;
}

export interface CreateInvoiceInput {
  customer_name: string;
  customer_email: string;
  invoice_date: string;
  due_date: string;
  line_items: InvoiceLineInput[];
  /** 0..1: the company's sale tax of that percentage (0.15 → 15 %). Omitted or 0: no tax. */
  tax_rate?: number;
  notes?: string;
  /** ISO code of an active currency of the company; omitted: the company's (currencies.ts). */
  currency?: string;
}

/** What `create_invoice` answers once the invoice exists: the one definition (the tool's output schema extends it). */
export const createInvoiceResult = z.object({
  invoice_id: z.string(),
  status: z.literal("draft"),
  total_amount: z.number(),
  odoo_url: z.string(),
  created_at: z.string(),
  record_id: z.number().int(),
  amount_untaxed: z.number(),
  amount_tax: z.number(),
  currency: z.string(),
  customer: z.string(),
  sent_to: z.string(),
  due_date: z.string().nullable(),
  warnings: z.array(z.string()),
});
export type CreateInvoiceOutput = z.infer<typeof createInvoiceResult>;

interface InvoicePlan {
  session: AccountingSession;
  /** The invoice's currency: every amount of the plan is in it. */
  currency: DocumentCurrency;
  customer: Partner;
  recipient: InvoiceRecipient;
  tax: Tax | null;
  lines: { description: string; quantity: number; unitPrice: number; subtotal: bigint }[];
  subtotal: bigint;
}

/**
 * Meaning checks and look-ups shared by prepare, apply and findApplied. Read-only. `bound`: the stored request's
 * binding; its `partner_id` is the customer (by id, see `boundCustomer`), instead of a look-up by name.
 */
async function planInvoice(
  odoo: Odoo,
  input: CreateInvoiceInput,
  bound?: Binding,
  options: { archived?: boolean } = {},
): Promise<InvoicePlan> {
  assertIsoDate(input.invoice_date, "invoice_date", "INVALID_DATE");
  assertIsoDate(input.due_date, "due_date", "INVALID_DATE");
  if (compareIsoDates(input.due_date, input.invoice_date) < 0) {
    throw new ToolError(
      "INVALID_DATE",
      `due_date ${input.due_date} is before invoice_date ${input.invoice_date}; the due date must be on or after the invoice date.`,
    );
  }
  if (input.line_items.length === 0) {
    throw new ToolError("VALIDATION_ERROR", "line_items is empty: an invoice needs at least one line.");
  }
  const session = await getSession(odoo);
  const currency = await documentCurrency(odoo, session, input.currency);
  const decimals = currency.decimals;
  const lines = input.line_items.map((line, index) => {
    const where = `line_items[${index}]`;
    if (line.description.trim() === "") {
      throw new ToolError("VALIDATION_ERROR", `${where}.description is empty.`);
    }
    const quantity = parseDecimal(line.quantity);
    if (!quantity || quantity.digits < 0n) {
      throw new ToolError("VALIDATION_ERROR", `${where}.quantity must be a number ≥ 0.`);
    }
    if (quantity.scale > QUANTITY_DECIMALS) {
      throw new ToolError(
        "VALIDATION_ERROR",
        `${where}.quantity ${line.quantity} has more than ${QUANTITY_DECIMALS} decimals, which Odoo would round.`,
      );
    }
    const price = toMinor(line.unit_price, decimals, { field: `${where}.unit_price` });
    if (price < 0n) throw new ToolError("VALIDATION_ERROR", `${where}.unit_price must be ≥ 0.`);
    return {
      description: line.description.trim(),
      quantity: line.quantity,
      unitPrice: line.unit_price,
      subtotal: lineSubtotalMinor(line.quantity, line.unit_price, decimals),
    };
  });
  const tax = selectTax(session, "sale", input.tax_rate);
  const customer =
    typeof bound?.partner_id === "number"
      ? await boundCustomer(odoo, bound.partner_id, options)
      : await findCustomer(odoo, { name: input.customer_name, email: input.customer_email });
  const recipient = await resolveInvoiceRecipient(odoo, customer, input.customer_email);
  const subtotal = untaxedMinor(input.line_items, decimals, session.company.taxRounding);
  return { session, currency, customer, recipient, tax, lines, subtotal };
}

/**
 * The untaxed amount Odoo stores for these lines (one tax, or none, on every line). `round_per_line`: the sum of
 * the lines' rounded subtotals. `round_globally` (Odoo 19's default): the exact sum rounded once — Odoo rounds the
 * base per tax (`account.tax._round_base_lines_tax_details`) and puts the difference on a line's balance, while
 * each line's `price_subtotal` stays rounded on its own.
 */
export function untaxedMinor(
  lines: readonly { quantity: number; unit_price: number }[],
  decimals: number,
  rounding: TaxRounding,
): bigint {
  if (rounding === "round_per_line")
    return sumMinor(lines.map((line) => lineSubtotalMinor(line.quantity, line.unit_price, decimals)));
  const scale = QUANTITY_DECIMALS + decimals;
  const exact = sumMinor(
    lines.map((line) => {
      const quantity = parseDecimal(line.quantity);
      const price = parseDecimal(line.unit_price);
      if (!quantity || !price) throw new TypeError("quantity and unit price must be finite numbers");
      return rescale(multiplyDecimals(quantity, price), scale);
    }),
  );
  return rescale({ digits: exact, scale }, decimals);
}

/**
 * The company's `use` (sale or purchase) tax of `rate × 100` percent (`percent` type; a tax excluded from the price
 * is preferred). Omitted or 0: no tax. None of that rate: `VALIDATION_ERROR` naming the rates that exist. `field`:
 * the input field named in errors.
 */
export function selectTax(
  session: AccountingSession,
  use: "sale" | "purchase",
  rate: number | undefined,
  field = "tax_rate",
): Tax | null {
  if (rate === undefined || rate === 0) return null;
  const wanted = parseDecimal(rate);
  if (!wanted || wanted.digits < 0n || rate > 1) {
    throw new ToolError("VALIDATION_ERROR", `${field} must be between 0 and 1 (0.15 for 15 %), got ${rate}.`);
  }
  const percentOf = (value: number) => {
    const parsed = parseDecimal(value);
    return parsed ? rescale(parsed, 8) : null;
  };
  const wantedPercent = rescale({ digits: wanted.digits * 100n, scale: wanted.scale }, 8);
  const usable = session.taxes.filter((tax) => tax.typeTaxUse === use && tax.amountType === "percent");
  const matches = usable.filter((tax) => percentOf(tax.amount) === wantedPercent);
  const chosen = matches.find((tax) => !tax.priceInclude) ?? matches[0];
  if (chosen) return chosen;
  const rates = [...new Set(usable.map((tax) => tax.amount))].sort((a, b) => a - b);
  throw new ToolError(
    "VALIDATION_ERROR",
    `The company has no ${formatPercent(rate)} ${use} tax. ` +
      (rates.length > 0
        ? `${use === "sale" ? "Sale" : "Purchase"} tax rates that exist: ${rates.map((r) => `${r}% (${field} ${r / 100})`).join(", ")}.`
        : `It has no percentage ${use} tax at all.`) +
      " list_taxes shows them.",
    { available_rates: rates.map((r) => r / 100) },
  );
}

function formatPercent(rate: number): string {
  const parsed = parseDecimal(rate);
  return parsed
    ? `${formatMinor(rescale({ digits: parsed.digits * 100n, scale: parsed.scale }, 4), 4).replace(/\.?0+$/, "")}%`
    : `${rate}`;
}

/** What a person approves of a new invoice, by id: the customer, the currency, the tax. */
function invoiceBinding(plan: InvoicePlan): Binding {
  return {
    partner_id: plan.customer.id,
    currency: plan.currency.name,
    tax_id: plan.tax?.id ?? null,
  };
}

/** The new invoice as the person reads it: a draft, its lines, Odoo's totals (the tax as an amount), its dates. */
function invoiceDocument(
  plan: InvoicePlan,
  input: CreateInvoiceInput,
  totals: { untaxed: bigint; tax: bigint; total: bigint } | null,
): RequestDocument {
  const { decimals, name: currency } = plan.currency;
  const money = (minor: bigint) => displayMoney(minor, decimals, currency);
  const unknown = "computed by Odoo at creation";
  const tax = plan.tax;
  const contact =
    plan.recipient.kind === "new_contact"
      ? ` It also creates the invoice contact ${plan.recipient.email} under ${plan.customer.name}.`
      : "";
  return {
    name: `Draft invoice for ${plan.customer.name}, ${totals ? money(totals.total) : `total ${unknown}`}, dated ${dateText(input.invoice_date)}`,
    effect: `Creates a draft invoice in Odoo. Nothing is posted and nothing is sent: it stays a draft until send_invoice (or post_invoice) is approved.${contact}`,
    party: { role: "Customer", name: plan.customer.name },
    lines: plan.lines.map((line) => ({
      description: line.description,
      quantity: amountText(line.quantity),
      // At least the currency's decimals, never rounded: a unit price of 0.125 reads 0.125.
      unit_price: moneyText(line.unitPrice, currency, decimals),
      ...(tax ? { taxes: tax.name } : {}),
      subtotal: money(line.subtotal),
    })),
    amounts: [
      { label: "Subtotal", amount: money(totals?.untaxed ?? plan.subtotal) },
      ...(tax
        ? [
            {
              label: `Tax ${tax.name}${tax.priceInclude ? " (included in the prices)" : ""}`,
              amount: totals ? money(totals.tax) : unknown,
            },
          ]
        : []),
      { label: "Total", amount: totals ? money(totals.total) : unknown, strong: true },
    ],
    rows: [
      ...companyRows(plan.session),
      ...companyCurrencyRows(plan, totals?.total),
      { label: "Invoice date", value: dateText(input.invoice_date) },
      { label: "Due date", value: dateText(input.due_date) },
      {
        label: "Will be sent to (later, by send_invoice)",
        value: describeRecipient(plan.customer, plan.recipient),
      },
      ...(input.notes?.trim() ? [{ label: "Notes", value: input.notes.trim() }] : []),
    ],
  };
}

/**
 * An invoice in another currency: its amount in the company's currency is Odoo's, computed at its rate when the
 * invoice is created. With Odoo's rate of today and a known total, an estimate (exact decimal arithmetic, rounded
 * to the company's decimals), said to be one.
 */
function companyCurrencyRows(
  plan: InvoicePlan,
  total: bigint | undefined,
): { label: string; value: string }[] {
  const { currency, session } = plan;
  if (currency.isCompany) return [];
  const company = session.company;
  const rows = [
    {
      label: `Amount in ${company.currency}`,
      value: `computed by Odoo at its ${currency.name} rate when the invoice is created`,
    },
  ];
  const rate = currency.inverseRate === null ? null : parseDecimal(currency.inverseRate);
  if (total === undefined || rate === null) return rows;
  const exact = multiplyDecimals({ digits: total, scale: currency.decimals }, rate);
  const estimate = rescale(exact, company.decimals);
  return [
    ...rows,
    {
      label: `Estimate in ${company.currency} (Odoo's rate today)`,
      value: `about ${displayMoney(estimate, company.decimals, company.currency)}, not the booked amount`,
    },
  ];
}

function moveValues(
  plan: InvoicePlan,
  input: CreateInvoiceInput,
  partnerId: number,
): Record<string, unknown> {
  const values: Record<string, unknown> = {
    move_type: "out_invoice",
    partner_id: partnerId,
    invoice_date: input.invoice_date,
    invoice_date_due: input.due_date,
    ...(input.currency === undefined ? {} : { currency_id: plan.currency.id }),
    invoice_line_ids: plan.lines.map((line) => [
      0,
      0,
      {
        name: line.description,
        quantity: line.quantity,
        price_unit: line.unitPrice,
        tax_ids: [[6, 0, plan.tax ? [plan.tax.id] : []]],
      },
    ]),
  };
  if (input.notes?.trim()) values.narration = textToHtml(input.notes.trim());
  return values;
}

function createdOutput(plan: InvoicePlan, move: OdooRecord, input: CreateInvoiceInput): CreateInvoiceOutput {
  const { decimals, name: currency } = plan.currency;
  const dueDate = str(move.invoice_date_due);
  const warnings =
    dueDate !== null && dueDate !== input.due_date
      ? [
          `Odoo set the due date to ${dueDate} instead of ${input.due_date} (the customer's payment terms decide it).`,
        ]
      : [];
  return {
    invoice_id: invoiceRef(move),
    status: "draft",
    total_amount: roundOdooAmount(move.amount_total, decimals),
    odoo_url: moveUrl(plan.session, move.id as number),
    created_at: odooDatetimeToIso(move.create_date) ?? new Date().toISOString(),
    record_id: move.id as number,
    amount_untaxed: roundOdooAmount(move.amount_untaxed, decimals),
    amount_tax: roundOdooAmount(move.amount_tax, decimals),
    currency: m2oName(move.currency_id) ?? currency,
    customer: plan.customer.name,
    sent_to: plan.recipient.email,
    due_date: dueDate,
    warnings,
  };
}

const CREATED = "Created";
const POSTED = "Posted";
const UNTAGGED =
  "Odoo refused the internal note that ties this record to its approval; running the approval again could repeat it.";

export const createInvoiceOperation: WriteOperation<CreateInvoiceInput, CreateInvoiceOutput> = {
  tool: "create_invoice",
  result: createInvoiceResult,

  async prepare(odoo, input, bound): Promise<PreparedWrite> {
    const plan = await planInvoice(odoo, input, bound);
    const { decimals, name: currency } = plan.currency;
    // What the policy judges is the total with tax, as Odoo computes it (read-only); unknown → no amount, and then
    // neither the client's prompt nor any threshold can approve it.
    const totals = await previewInvoiceTotals(odoo, plan);
    const document = invoiceDocument(plan, input, totals);
    return {
      summary: withCompany(plan.session, documentText(document)),
      document,
      target: document.name,
      direction: "in",
      ...(totals ? { amount: formatMinor(totals.total, decimals) } : {}),
      currency,
      facts: {
        ...companyFact(plan.session),
        customer: { id: plan.customer.id, name: plan.customer.name },
        recipient: plan.recipient,
        invoice_date: input.invoice_date,
        due_date: input.due_date,
        lines: plan.lines.map((line) => ({
          description: line.description,
          quantity: line.quantity,
          unit_price: line.unitPrice,
          subtotal: formatMinor(line.subtotal, decimals),
        })),
        subtotal: formatMinor(plan.subtotal, decimals),
        tax: plan.tax ? { id: plan.tax.id, name: plan.tax.name, rate: plan.tax.amount } : null,
        total: totals ? formatMinor(totals.total, decimals) : "computed by Odoo at creation",
      },
      binding: invoiceBinding(plan),
    };
  },

  async mark(odoo): Promise<AttemptMarker> {
    return { max_move_id: await highestId(odoo, "account.move") };
  },

  /**
   * By the approval id: the invoice whose chatter holds this approval's "Created" note (Odoo has no unprinted
   * field on an invoice: `ref` and `invoice_origin` are on the PDF). The watermark (`max_move_id`) covers only
   * the window between the create and the note: an `out_invoice` above it for the same partner, date, untaxed
   * amount and lines, tagged by no other approval, is this one's; it gets its note now.
   */
  async findApplied(odoo, input, ref) {
    // The approved customer's invoice (by id), even if the customer was archived after it was made.
    const plan = await planInvoice(odoo, input, ref.bound, { archived: true });
    for (const id of await recordsTaggedWith(odoo, "account.move", ref.approvalId, CREATED)) {
      const [move] = await odoo.read("account.move", [id], MOVE_FIELDS);
      if (move?.move_type === "out_invoice") return createdOutput(plan, move, input);
    }
    if (!ref.marker) return null;
    if (plan.recipient.kind === "new_contact") return null; // the contact comes first; without it, no invoice
    const after = typeof ref.marker.max_move_id === "number" ? ref.marker.max_move_id : 0;
    const candidates = await odoo.searchRead(
      "account.move",
      [
        ["id", ">", after],
        ["move_type", "=", "out_invoice"],
        ["partner_id", "=", plan.recipient.partnerId],
        ["invoice_date", "=", input.invoice_date],
      ],
      MOVE_FIELDS,
      { order: "id" },
    );
    const decimals = plan.currency.decimals;
    for (const move of candidates) {
      if (fromOdooAmount(move.amount_untaxed, decimals) !== plan.subtotal) continue;
      if (!(await sameLines(odoo, move.id as number, plan))) continue;
      if ((await approvalsNamedOn(odoo, "account.move", move.id as number)).length > 0) continue;
      await postApprovalNote(odoo, "account.move", move.id as number, CREATED, ref.approvalId);
      return createdOutput(plan, move, input);
    }
    return null;
  },

  async apply(odoo, input, ref) {
    // The customer the person approved, by id; then the rest of what they approved, before the first write (the
    // recipient contact, when one is created, comes after).
    const plan = await planInvoice(odoo, input, ref.bound);
    assertBound(ref.bound, invoiceBinding(plan), `invoice for ${plan.customer.name}`);
    const partnerId = await ensureRecipientPartner(odoo, plan.customer, plan.recipient);
    const id = await odoo.create("account.move", moveValues(plan, input, partnerId));
    const tagged = await tagQuietly(odoo, "account.move", id, CREATED, ref.approvalId);
    const [move] = await odoo.read("account.move", [id], MOVE_FIELDS);
    if (!move) throw new ToolError("ODOO_ERROR", `Odoo created invoice ${id} but does not return it.`);
    const output = createdOutput(plan, move, input);
    if (!tagged) output.warnings.push(UNTAGGED);
    return output;
  },

  async dryRun(odoo, prepared, input) {
    const plan = await planInvoice(odoo, input);
    const { decimals, name: currency } = plan.currency;
    const totals = await previewInvoiceTotals(odoo, plan);
    const amount = (minor: bigint | undefined) =>
      minor === undefined ? null : minorToNumber(minor, decimals);
    return {
      fields: {
        invoice_id: null,
        total_amount: amount(totals?.total),
        odoo_url: null,
        created_at: null,
        record_id: null,
        amount_untaxed: amount(totals?.untaxed),
        amount_tax: amount(totals?.tax),
        currency,
        customer: plan.customer.name,
        sent_to: plan.recipient.email,
        due_date: input.due_date,
        warnings: totals
          ? []
          : ["Odoo did not compute the taxes read-only; the totals are known once the invoice is created."],
      },
      would: {
        odoo_calls: [
          "res.partner create (only for a new invoice contact)",
          "account.move create out_invoice",
          "account.move message_post (internal note with the approval id)",
        ],
        ...prepared.facts,
      },
    };
  },
};

/**
 * The invoice's totals as Odoo computes them, without creating anything (see `previewTotals`). Without a tax, the
 * untaxed amount of the plan.
 */
async function previewInvoiceTotals(odoo: Odoo, plan: InvoicePlan): Promise<PreviewTotals | null> {
  const tax = plan.tax;
  if (!tax) return { untaxed: plan.subtotal, tax: 0n, total: plan.subtotal };
  return previewTotals(
    odoo,
    plan.session,
    plan.currency.decimals,
    plan.lines.map((line) => ({ taxIds: [tax.id], unitPrice: line.unitPrice, quantity: line.quantity })),
  );
}

export interface PreviewTotals {
  untaxed: bigint;
  tax: bigint;
  total: bigint;
}

/**
 * Totals of lines as Odoo computes them, without creating anything: `account.tax.compute_all` per taxed line
 * (public on Odoo 17, 18 and 19, with the line's own taxes), summed at a higher precision and rounded once. With
 * `round_per_line` compute_all rounds each line already (and an untaxed line's subtotal is rounded on its own).
 * With `round_globally` (Odoo 19's default) it is asked for the raw amounts (context `round_base: false`: Odoo 19
 * otherwise rounds `total_excluded`/`total_included` of each line), and the untaxed amount and the tax are each
 * rounded once, as Odoo rounds them per tax: on a real Odoo 19, three lines of 1 × 0.05 at 15% give a tax of
 * 0.02, not 3 × 0.01. `decimals`: the document currency's. Null when Odoo refuses the computation; a connection
 * failure propagates (the dry run then skips Odoo altogether).
 */
export async function previewTotals(
  odoo: Odoo,
  session: AccountingSession,
  decimals: number,
  lines: readonly { taxIds: readonly number[]; unitPrice: number; quantity: number }[],
): Promise<PreviewTotals | null> {
  const globally = session.company.taxRounding === "round_globally";
  const precise = decimals + 6;
  // An untaxed line: its exact subtotal (rounded on its own with round_per_line), at the precise scale.
  const untaxedLine = (line: { unitPrice: number; quantity: number }) => {
    const quantity = parseDecimal(line.quantity);
    const price = parseDecimal(line.unitPrice);
    if (!quantity || !price) throw new TypeError("quantity and unit price must be finite numbers");
    const exact = multiplyDecimals(quantity, price);
    const value = globally
      ? rescale(exact, precise)
      : rescale({ digits: rescale(exact, decimals), scale: decimals }, precise);
    return { excluded: value, included: value };
  };
  try {
    const results = await Promise.all(
      lines.map(async (line) => {
        if (line.taxIds.length === 0) return untaxedLine(line);
        const r = await odoo.call<OdooRecord>(
          {
            model: "account.tax",
            method: "compute_all",
            ids: [...line.taxIds],
            args: { price_unit: line.unitPrice, quantity: line.quantity },
            ...(globally ? { context: { round_base: false } } : {}),
          },
          { idempotent: true },
        );
        if (typeof r?.total_excluded !== "number" || typeof r.total_included !== "number") return null;
        return {
          excluded: fromOdooAmount(r.total_excluded, precise),
          included: fromOdooAmount(r.total_included, precise),
        };
      }),
    );
    if (results.some((r) => r === null)) return null;
    const round = (minor: bigint) => rescale({ digits: minor, scale: precise }, decimals);
    const excluded = results.map((r) => r?.excluded ?? 0n);
    const included = results.map((r) => r?.included ?? 0n);
    const untaxed = round(sumMinor(excluded));
    if (globally) {
      const taxAmount = round(sumMinor(included.map((value, index) => value - (excluded[index] as bigint))));
      return { untaxed, tax: taxAmount, total: untaxed + taxAmount };
    }
    const total = round(sumMinor(included));
    return { untaxed, tax: total - untaxed, total };
  } catch (error) {
    if (error instanceof OdooConnectionError) throw error;
    return null;
  }
}

async function sameLines(odoo: Odoo, moveId: number, plan: InvoicePlan): Promise<boolean> {
  const rows = await odoo.searchRead(
    "account.move.line",
    [
      ["move_id", "=", moveId],
      ["display_type", "=", "product"],
    ],
    ["name", "quantity", "price_unit", "tax_ids"],
    { order: "id" },
  );
  if (rows.length !== plan.lines.length) return false;
  const decimals = plan.currency.decimals;
  return plan.lines.every((line, index) => {
    const row = rows[index];
    if (!row || str(row.name) !== line.description) return false;
    if (fromOdooAmount(row.quantity, QUANTITY_DECIMALS) !== toMinor(line.quantity, QUANTITY_DECIMALS))
      return false;
    if (fromOdooAmount(row.price_unit, decimals) !== toMinor(line.unitPrice, decimals)) return false;
    const taxes = ids(row.tax_ids);
    return plan.tax ? taxes.length === 1 && taxes[0] === plan.tax.id : taxes.length === 0;
  });
}

// ---------------------------------------------------------------------------------------------------------------
// create_draft_invoice: a draft vendor bill (`in_invoice`) with one untaxed line, optionally for a partner.
// No approval: it only drafts; posting it is `post_invoice`, which waits for a person's approval.

export interface CreateDraftBillInput {
  description: string;
  amount: number;
  partner_id?: number;
}

/** What `create_draft_invoice` answers: the one definition (the tool's output schema is built from it). */
export const createDraftBillResult = z.object({
  invoice_id: z.string(),
  record_id: z.number().int(),
  status: z.literal("draft"),
  move_type: z.literal("in_invoice"),
  total_amount: z.number(),
  odoo_url: z.string(),
  created_at: z.string(),
});
export type CreateDraftBillOutput = z.infer<typeof createDraftBillResult>;

interface DraftBillPlan {
  session: AccountingSession;
  description: string;
  amount: bigint;
  partner: string | null;
}

/** The checks of `create_draft_invoice`, read-only. */
async function planDraftBill(odoo: Odoo, input: CreateDraftBillInput): Promise<DraftBillPlan> {
  const session = await getSession(odoo);
  const decimals = session.company.decimals;
  const description = input.description.trim();
  if (description === "") throw new ToolError("VALIDATION_ERROR", "description is empty.");
  const amount = toMinor(input.amount, decimals, { field: "amount" });
  if (amount <= 0n) throw new ToolError("VALIDATION_ERROR", "amount must be greater than 0.");
  let partner: string | null = null;
  if (input.partner_id !== undefined) {
    const [row] = await odoo.read("res.partner", [input.partner_id], ["name"]);
    if (!row) {
      throw new ToolError(
        "VALIDATION_ERROR",
        `No partner with id ${input.partner_id} exists in Odoo; find_partners gives vendor ids.`,
      );
    }
    partner = str(row.name) ?? `partner ${input.partner_id}`;
  }
  return { session, description, amount, partner };
}

/**
 * Creates an `in_invoice` draft with one untaxed line of `amount`, dated today in the company's time zone (Odoo
 * 17 and 18 refuse to post a bill without a date; 19 would use today as well). Posting is `post_invoice`.
 */
export async function createDraftBill(
  odoo: Odoo,
  input: CreateDraftBillInput,
): Promise<CreateDraftBillOutput> {
  const { session, description } = await planDraftBill(odoo, input);
  const decimals = session.company.decimals;
  const values: Record<string, unknown> = {
    move_type: "in_invoice",
    invoice_date: todayIn(session.timeZone),
    invoice_line_ids: [
      [0, 0, { name: description, quantity: 1, price_unit: input.amount, tax_ids: [[6, 0, []]] }],
    ],
  };
  if (input.partner_id !== undefined) values.partner_id = input.partner_id;
  const id = await odoo.create("account.move", values);
  const [move] = await odoo.read("account.move", [id], MOVE_FIELDS);
  if (!move) throw new ToolError("ODOO_ERROR", `Odoo created bill ${id} but does not return it.`);
  return {
    invoice_id: invoiceRef(move),
    record_id: id,
    status: "draft",
    move_type: "in_invoice",
    total_amount: roundOdooAmount(move.amount_total, decimals),
    odoo_url: moveUrl(session, id),
    created_at: odooDatetimeToIso(move.create_date) ?? new Date().toISOString(),
  };
}

/** `create_draft_invoice` under DRY_RUN: the same checks, read-only, and the bill it would draft. */
export const draftBillPreview: DryRunnable<CreateDraftBillInput, CreateDraftBillOutput> = {
  tool: "create_draft_invoice",
  result: createDraftBillResult,

  async prepare(odoo, input) {
    const plan = await planDraftBill(odoo, input);
    const { decimals, currency } = plan.session.company;
    const money = displayMoney(plan.amount, decimals, currency);
    const today = todayIn(plan.session.timeZone);
    const document: RequestDocument = {
      name: `Draft vendor bill${plan.partner ? ` for ${plan.partner}` : ""}, ${money}, dated ${dateText(today)}`,
      effect: "Creates a draft vendor bill in Odoo, untaxed. Nothing is posted: post_invoice does that.",
      ...(plan.partner ? { party: { role: "Vendor", name: plan.partner } } : {}),
      lines: [{ description: plan.description, quantity: "1", unit_price: money, subtotal: money }],
      amounts: [{ label: "Total", amount: money, strong: true }],
      rows: [...companyRows(plan.session), { label: "Bill date", value: dateText(today) }],
    };
    return {
      summary: withCompany(plan.session, documentText(document)),
      document,
      target: document.name,
      direction: "none", // a draft: nothing is owed until it is posted (post_invoice, approved by a person)
      amount: formatMinor(plan.amount, decimals),
      currency,
      facts: {
        ...companyFact(plan.session),
        partner: input.partner_id === undefined ? null : { id: input.partner_id, name: plan.partner },
        description: plan.description,
        amount: formatMinor(plan.amount, decimals),
        currency,
        invoice_date: todayIn(plan.session.timeZone),
      },
      // Never stored: create_draft_invoice needs no approval (this is its dry run).
      binding: { partner_id: input.partner_id ?? null },
    };
  },

  async dryRun(odoo, prepared, input) {
    const plan = await planDraftBill(odoo, input);
    return {
      fields: {
        invoice_id: null,
        record_id: null,
        move_type: "in_invoice",
        // One untaxed line of quantity 1: Odoo's total is the amount, which has the currency's decimals.
        total_amount: minorToNumber(plan.amount, plan.session.company.decimals),
        odoo_url: null,
        created_at: null,
      },
      would: { odoo_calls: ["account.move create in_invoice"], ...prepared.facts },
    };
  },
};

// ---------------------------------------------------------------------------------------------------------------
// post_invoice

export interface PostInvoiceInput {
  invoice_id: string;
}

/** What `post_invoice` answers once posted: the one definition (the tool's output schema extends it). */
export const postInvoiceResult = z.object({
  invoice_id: z.string(),
  record_id: z.number().int(),
  status: z.literal("posted"),
  move_type: z.string(),
  total_amount: z.number(),
  odoo_url: z.string(),
  posted_at: z.string(),
});
export type PostInvoiceOutput = z.infer<typeof postInvoiceResult>;

function assertDraft(move: MoveRecord): void {
  if (move.state === "draft") return;
  const what = moveLabel(move);
  throw new ToolError(
    "INVALID_STATUS",
    move.state === "posted"
      ? `The ${what} is already posted; only a draft can be posted.`
      : `The ${what} is cancelled (state ${String(move.state)}); reset it to draft in Odoo before posting it.`,
    { state: move.state },
  );
}

function postedOutput(session: AccountingSession, move: OdooRecord): PostInvoiceOutput {
  return {
    invoice_id: invoiceRef(move),
    record_id: move.id as number,
    status: "posted",
    move_type: str(move.move_type) ?? "",
    total_amount: roundOdooAmount(move.amount_total, session.company.decimals),
    odoo_url: moveUrl(session, move.id as number),
    posted_at: new Date().toISOString(),
  };
}

export const postInvoiceOperation: WriteOperation<PostInvoiceInput, PostInvoiceOutput> = {
  tool: "post_invoice",
  result: postInvoiceResult,

  async prepare(odoo, input) {
    const session = await getSession(odoo);
    const move = await resolveInvoice(odoo, input.invoice_id, [
      ...MOVE_FIELDS,
      "journal_id",
      ...SIGNED_FIELDS,
    ]);
    assertDraft(move);
    await assertPostable(odoo, move);
    // The move's own currency: a EUR draft is shown, and judged by the policy, in EUR.
    const { decimals, currency } = await currencyOf(odoo, session, move);
    const total = fromOdooAmount(move.amount_total, decimals);
    const partner = m2oName(move.partner_id) ?? "";
    const parts = await moveDocumentParts(odoo, session, move, { decimals, currency });
    const document: RequestDocument = {
      ...parts,
      effect: `Posts the draft ${moveKind(move).kind}: ${numberWhenPosted(move)} and enters the books. Nothing is sent.`,
    };
    return {
      summary: withCompany(session, documentText(document)),
      document,
      target: document.name,
      direction: moneyDirectionOf(move.move_type),
      amount: formatMinor(total, decimals),
      currency,
      facts: {
        ...companyFact(session),
        record_id: move.id,
        move_type: move.move_type,
        partner,
        total: formatMinor(total, decimals),
      },
      binding: moveBinding(move, currency, decimals),
    };
  },

  async mark() {
    return {};
  },

  /**
   * Odoo itself refuses a second post (the move is no longer a draft): `apply` answers `INVALID_STATUS`. So this
   * answers the completed output only when the move is posted AND its chatter holds this approval's "Posted"
   * note; with a recorded attempt (a marker), a posted move without any approval's note is taken as this
   * attempt's (the window between action_post and the note) and tagged now. Otherwise null, and apply refuses.
   */
  async findApplied(odoo, input, ref) {
    const session = await getSession(odoo);
    const move = await resolveInvoice(odoo, input.invoice_id);
    if (move.state !== "posted") return null;
    const tagged = await recordsTaggedWith(odoo, "account.move", ref.approvalId, POSTED);
    if (tagged.includes(move.id)) return postedOutput(session, move);
    if (!ref.marker) return null;
    const named = await approvalsNamedOn(odoo, "account.move", move.id, POSTED);
    if (named.length > 0) return null;
    await postApprovalNote(odoo, "account.move", move.id, POSTED, ref.approvalId);
    return postedOutput(session, move);
  },

  async apply(odoo, input, ref) {
    const session = await getSession(odoo);
    const move = await resolveInvoice(odoo, input.invoice_id);
    assertDraft(move);
    // The draft the person approved (partner, currency, total), before anything is written.
    await assertMoveBound(odoo, session, move, ref.bound);
    await postMove(odoo, move);
    await tagQuietly(odoo, "account.move", move.id, POSTED, ref.approvalId);
    const [posted] = await odoo.read("account.move", [move.id], MOVE_FIELDS);
    if (posted?.state !== "posted") {
      throw new ToolError("ODOO_ERROR", `Odoo accepted posting record ${move.id} but it is not posted.`);
    }
    return postedOutput(session, posted);
  },

  async dryRun(odoo, prepared, input) {
    const session = await getSession(odoo);
    const move = await resolveInvoice(odoo, input.invoice_id);
    return {
      fields: {
        invoice_id: null,
        record_id: move.id,
        move_type: str(move.move_type) ?? "",
        total_amount: roundOdooAmount(move.amount_total, session.company.decimals),
        odoo_url: moveUrl(session, move.id),
        posted_at: null,
      },
      would: {
        odoo_calls: [
          "account.move action_post",
          "account.move message_post (internal note with the approval id)",
        ],
        number: "assigned by Odoo when posted",
        ...prepared.facts,
      },
    };
  },
};
