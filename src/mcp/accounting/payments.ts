/**
 * `record_payment`: Odoo's payment-register wizard (`account.payment.register` with context
 * `active_model`/`active_ids`, then `action_create_payments`), which creates the payment and reconciles it with
 * the invoice, on every version.
 *
 * Odoo is silent where an accountant is not (see the transcripts): it pays a draft invoice (18: a dangling
 * payment; 19: the draft reads "paid"), accepts an overpayment and a zero payment. So this checks first: the
 * invoice must be posted (`INVALID_STATUS`), the amount > 0 and ≤ the amount due in exact minor units
 * (`INVALID_AMOUNT`), the date a real date not after today in the company's time zone (`PAYMENT_DATE_INVALID`).
 *
 * Payment states differ: 17 `posted`; 18/19 `in_process` (partial) or `paid`. All are the contract's `posted`.
 */
import { z } from "zod";
import type { RequestDocument } from "../../shared/document.js";
import { dateText, documentText } from "../../shared/document-text.js";
import { assertIsoDate, isFutureDate, odooDatetimeToIso, todayIn } from "../dates.js";
import { ToolError } from "../errors.js";
import { displayMoney, formatMinor, fromOdooAmount, minorToNumber, toMinor } from "../money.js";
import type { Odoo } from "../odoo/types.js";
import { approvalsNamedOn, postApprovalNote, recordsTaggedWith } from "./approval-tag.js";
import { companyCurrencyAmounts, moveKind, SIGNED_FIELDS } from "./move-document.js";
import { highestId, tagQuietly } from "./moves.js";
import { oneAtATime } from "./one-at-a-time.js";
import {
  type ApplyRef,
  type AttemptMarker,
  assertBound,
  type Binding,
  type WriteOperation,
} from "./operation.js";
import { recentPartnerFlags } from "./recent-party.js";
import {
  currencyOf,
  invoiceRef,
  MOVE_FIELDS,
  type MoveRecord,
  moneyDirectionOf,
  moveLabel,
  resolveInvoice,
} from "./records.js";
import {
  type AccountingSession,
  companyFact,
  companyRows,
  getSession,
  type Journal,
  type PaymentMethodLine,
  withCompany,
} from "./session.js";
import { bool, ids, m2oId, m2oName, type OdooRecord, str } from "./values.js";

export const PAYMENT_METHODS = ["bank_transfer", "credit_card", "check", "cash"] as const;
export type PaymentMethod = (typeof PAYMENT_METHODS)[number];

export interface RecordPaymentInput {
  invoice_id: string;
  amount: number;
  payment_date: string;
  payment_method: PaymentMethod;
  reference?: string;
}

/** What `record_payment` answers once recorded: the one definition (the tool's output schema extends it). */
export const recordPaymentResult = z.object({
  payment_id: z.string(),
  invoice_id: z.string(),
  status: z.literal("posted"),
  reconciled: z.boolean(),
  invoice_status: z.enum(["paid", "partial"]),
  created_at: z.string(),
  record_id: z.number().int(),
  amount: z.number(),
  amount_residual: z.number(),
  currency: z.string(),
  journal: z.string(),
  odoo_state: z.string(),
});
export type RecordPaymentOutput = z.infer<typeof recordPaymentResult>;

/** Odoo payment states that mean the payment is validated (17: `posted`; 18/19: `in_process`, `paid`). */
export const VALIDATED_PAYMENT_STATES = ["posted", "in_process", "paid"];

export function journalTypeFor(method: PaymentMethod): "bank" | "cash" {
  return method === "cash" ? "cash" : "bank";
}

/** The journal and payment method line for a method and direction; `VALIDATION_ERROR` when the company has none. */
export function selectPaymentJournal(
  session: AccountingSession,
  method: PaymentMethod,
  direction: "inbound" | "outbound",
): { journal: Journal; line: PaymentMethodLine } {
  const type = journalTypeFor(method);
  const journals = session.journals.filter((journal) => journal.type === type);
  for (const journal of journals) {
    const lines = direction === "inbound" ? journal.inbound : journal.outbound;
    const line = lines.find((l) => l.code === "manual") ?? lines[0];
    if (line) return { journal, line };
  }
  const others = session.journals
    .filter((j) => j.type === "bank" || j.type === "cash")
    .map((j) => `${j.name} (${j.type})`);
  throw new ToolError(
    "VALIDATION_ERROR",
    journals.length === 0
      ? `The company has no ${type} journal in Odoo, so a ${method} payment cannot be recorded` +
          `${type === "cash" ? " (Odoo 19's generic chart of accounts has no cash journal)" : ""}. ` +
          `Use another payment_method${others.length ? ` (journals: ${others.join(", ")})` : ""}, or create a ${type} journal in Odoo. list_journals shows them.`
      : `The ${type} journal${journals.length > 1 ? "s" : ""} ${journals.map((j) => j.name).join(", ")} ha${journals.length > 1 ? "ve" : "s"} no ${direction} payment method in Odoo; add one in the journal's settings.`,
    { journal_type: type },
  );
}

interface PaymentPlan {
  session: AccountingSession;
  invoice: MoveRecord;
  decimals: number;
  currency: string;
  amount: bigint;
  residual: bigint;
  journal: Journal;
  line: PaymentMethodLine;
  direction: "inbound" | "outbound";
  /** A vendor bill's recipient bank account; null when none is set; undefined for other documents. */
  bank?: RecipientBank | null;
}

/** Where a bill's payment goes: its `partner_bank_id` (a `res.partner.bank`), the number and whose it is. */
interface RecipientBank {
  id: number;
  number: string;
  holder: string;
}

/**
 * A bill's recipient bank account as Odoo holds it now (see odoo-recordings/19/18-bill-bank-account-*): Odoo puts
 * the vendor's first account on a draft bill, and anyone may change it on the posted bill, which is the classic
 * invoice fraud. So the person sees it and approves exactly it.
 */
async function recipientBank(odoo: Odoo, moveId: number): Promise<RecipientBank | null> {
  const [move] = await odoo.read("account.move", [moveId], ["partner_bank_id"]);
  const id = m2oId(move?.partner_bank_id);
  if (id === null) return null;
  const [bank] = await odoo.read("res.partner.bank", [id], ["acc_number", "partner_id"]);
  return {
    id,
    number: str(bank?.acc_number) ?? m2oName(move?.partner_bank_id) ?? `id ${id}`,
    holder: m2oName(bank?.partner_id) ?? "",
  };
}

const bankText = (bank: RecipientBank) =>
  bank.holder ? `${bank.number}, held by ${bank.holder}` : bank.number;

const INVOICE_FIELDS = [...MOVE_FIELDS, "commercial_partner_id", ...SIGNED_FIELDS];

function directionOf(moveType: unknown): "inbound" | "outbound" {
  return moveType === "out_invoice" || moveType === "in_refund" ? "inbound" : "outbound";
}

/** All checks of `record_payment`, read-only; shared by prepare and apply. */
async function planPayment(
  odoo: Odoo,
  input: RecordPaymentInput,
  now: Date = new Date(),
): Promise<PaymentPlan> {
  assertIsoDate(input.payment_date, "payment_date", "PAYMENT_DATE_INVALID");
  const session = await getSession(odoo);
  if (isFutureDate(input.payment_date, session.timeZone, now)) {
    throw new ToolError(
      "PAYMENT_DATE_INVALID",
      `payment_date ${input.payment_date} is in the future (today is ${todayIn(session.timeZone, now)} in ${session.timeZone}); record a payment once it has been received.`,
    );
  }
  if (!(PAYMENT_METHODS as readonly string[]).includes(input.payment_method)) {
    throw new ToolError("VALIDATION_ERROR", `payment_method must be one of ${PAYMENT_METHODS.join(", ")}.`);
  }
  const invoice = await resolveInvoice(odoo, input.invoice_id, INVOICE_FIELDS);
  if (invoice.state !== "posted") {
    throw new ToolError(
      "INVALID_STATUS",
      invoice.state === "draft"
        ? `The ${moveLabel(invoice)} is not posted yet; a payment can only be recorded on a posted invoice. Post it first (post_invoice, or send_invoice which posts and sends it).`
        : `The ${moveLabel(invoice)} is cancelled; no payment can be recorded on it.`,
      { state: invoice.state },
    );
  }
  const { decimals, currency } = await currencyOf(odoo, session, invoice);
  const amount = toMinor(input.amount, decimals, { field: "amount", code: "INVALID_AMOUNT" });
  const residual = fromOdooAmount(invoice.amount_residual, decimals);
  if (amount <= 0n) {
    throw new ToolError("INVALID_AMOUNT", `amount must be greater than 0, got ${input.amount}.`);
  }
  if (residual <= 0n) {
    throw new ToolError(
      "INVALID_STATUS",
      `The ${moveLabel(invoice)} is already paid (nothing is due; payment state ${String(invoice.payment_state)}).`,
      { payment_state: invoice.payment_state },
    );
  }
  if (amount > residual) {
    throw new ToolError(
      "INVALID_AMOUNT",
      `amount ${formatMinor(amount, decimals)} is more than the amount due on the ${moveLabel(invoice)}: ${formatMinor(residual, decimals)} ${currency}. Record at most the amount due.`,
      { amount_due: minorToNumber(residual, decimals) },
    );
  }
  const direction = directionOf(invoice.move_type);
  const { journal, line } = selectPaymentJournal(session, input.payment_method, direction);
  const bank = invoice.move_type === "in_invoice" ? await recipientBank(odoo, invoice.id) : undefined;
  return { session, invoice, decimals, currency, amount, residual, journal, line, direction, bank };
}

/**
 * What a person approves of a payment, by id: the invoice, its partner and currency, the journal it goes to, and
 * for a bill the bank account the money goes to (none set is approved as none).
 */
function paymentBinding(plan: PaymentPlan): Binding {
  return {
    move_id: plan.invoice.id,
    // An invoice reset, switched into a credit note and posted again is paid the other way: money out, not in.
    move_type: String(plan.invoice.move_type),
    partner_id: m2oId(plan.invoice.partner_id),
    currency: plan.currency,
    // The bill or invoice as shown (its total, what is left after): one repriced since is not the one approved.
    amount_total: formatMinor(fromOdooAmount(plan.invoice.amount_total, plan.decimals), plan.decimals),
    journal_id: plan.journal.id,
    ...(plan.bank !== undefined ? { partner_bank_id: plan.bank?.id ?? null } : {}),
  };
}

function paymentOutput(
  plan: Pick<PaymentPlan, "decimals" | "currency">,
  invoice: OdooRecord,
  payment: OdooRecord,
  reconciled: boolean,
): RecordPaymentOutput {
  const residual = fromOdooAmount(invoice.amount_residual, plan.decimals);
  return {
    payment_id: str(payment.name) ?? String(payment.id),
    invoice_id: invoiceRef(invoice),
    status: "posted",
    reconciled,
    invoice_status: residual === 0n ? "paid" : "partial",
    created_at: odooDatetimeToIso(payment.create_date) ?? new Date().toISOString(),
    record_id: payment.id as number,
    amount: minorToNumber(fromOdooAmount(payment.amount, plan.decimals), plan.decimals),
    amount_residual: minorToNumber(residual, plan.decimals),
    currency: plan.currency,
    journal: m2oName(payment.journal_id) ?? "",
    odoo_state: str(payment.state) ?? "",
  };
}

/** The payment as the person reads it: the invoice by its number, what it comes to, this payment and what is left. */
function paymentDocument(plan: PaymentPlan, input: RecordPaymentInput): RequestDocument {
  const money = (minor: bigint) => displayMoney(minor, plan.decimals, plan.currency);
  const partner = m2oName(plan.invoice.partner_id) ?? "";
  const inbound = plan.direction === "inbound";
  const total = fromOdooAmount(plan.invoice.amount_total, plan.decimals);
  const rest = plan.residual - plan.amount;
  const number = invoiceRef(plan.invoice);
  const kind = moveKind(plan.invoice).kind;
  const Kind = `${kind.charAt(0).toUpperCase()}${kind.slice(1)}`;
  const method = input.payment_method.replace("_", " ");
  const dueDate = str(plan.invoice.invoice_date_due);
  return {
    name: `Payment ${inbound ? "from" : "to"} ${partner} for ${kind} ${number}`,
    effect:
      `Records a ${method} payment of ${money(plan.amount)} ${inbound ? "received from" : "paid to"} ${partner} on ` +
      `${dateText(input.payment_date)} and reconciles it with ${kind} ${number}: ` +
      (rest === 0n ? "it is then paid in full." : `${money(rest)} is then left to pay.`),
    party: { role: moveKind(plan.invoice).role, name: partner },
    amounts: [
      { label: `${Kind} total`, amount: money(total) },
      { label: "Paid so far", amount: money(total - plan.residual) },
      { label: "This payment", amount: money(plan.amount), strong: true },
      { label: "Left to pay", amount: money(rest) },
      // In another currency: Odoo's conversion of the total and of what is due now (the payment is converted by
      // Odoo at the payment date's rate).
      ...companyCurrencyAmounts(plan.session, plan.invoice, plan.currency),
    ],
    rows: [
      ...companyRows(plan.session),
      { label: Kind, value: `${number}, ${partner}` },
      ...(dueDate ? [{ label: "Due date", value: dateText(dueDate) }] : []),
      { label: "Payment date", value: dateText(input.payment_date) },
      { label: "Journal", value: `${plan.journal.name} (${plan.journal.code})` },
      { label: "Method", value: plan.line.name },
      ...(plan.bank !== undefined
        ? [
            {
              label: "Paid to bank account",
              value: plan.bank
                ? bankText(plan.bank)
                : "none set in Odoo: the payment carries no bank account",
            },
          ]
        : []),
      ...(input.reference ? [{ label: "Reference", value: input.reference }] : []),
    ],
  };
}

const RECORDED = "Recorded";

const PAYMENT_FIELDS = [
  "name",
  "state",
  "amount",
  "date",
  "partner_id",
  "journal_id",
  "is_reconciled",
  "reconciled_invoice_ids",
  "create_date",
];

export const recordPaymentOperation: WriteOperation<RecordPaymentInput, RecordPaymentOutput> = {
  tool: "record_payment",
  result: recordPaymentResult,

  async prepare(odoo, input) {
    const plan = await planPayment(odoo, input);
    const flags =
      plan.direction === "outbound"
        ? await recentPartnerFlags(
            odoo,
            plan.session,
            [m2oId(plan.invoice.partner_id), m2oId(plan.invoice.commercial_partner_id)],
            moveKind(plan.invoice).role,
          )
        : {};
    const document = { ...paymentDocument(plan, input), ...flags };
    const partner = m2oName(plan.invoice.partner_id) ?? "";
    const rest = plan.residual - plan.amount;
    return {
      summary: withCompany(plan.session, documentText(document)),
      document,
      target: document.name,
      direction: moneyDirectionOf(plan.invoice.move_type),
      amount: formatMinor(plan.amount, plan.decimals),
      currency: plan.currency,
      facts: {
        ...companyFact(plan.session),
        invoice: { record_id: plan.invoice.id, invoice_id: invoiceRef(plan.invoice), partner },
        amount: formatMinor(plan.amount, plan.decimals),
        amount_due: formatMinor(plan.residual, plan.decimals),
        remaining_after: formatMinor(rest, plan.decimals),
        payment_date: input.payment_date,
        journal: { id: plan.journal.id, name: plan.journal.name, code: plan.journal.code },
        payment_method_line: { id: plan.line.id, name: plan.line.name },
        ...(plan.bank !== undefined
          ? {
              bank_account: plan.bank
                ? { id: plan.bank.id, acc_number: plan.bank.number, holder: plan.bank.holder }
                : null,
            }
          : {}),
        reference: input.reference ?? null,
      },
      binding: paymentBinding(plan),
    };
  },

  async mark(odoo): Promise<AttemptMarker> {
    return { max_payment_id: await highestId(odoo, "account.payment") };
  },

  /**
   * By the approval id: the payment whose chatter holds this approval's "Recorded" note. The id is not in the
   * wizard's `communication` (→ the payment's `ref` on 17, `memo` on 18/19): that is printed on the payment
   * receipt and becomes the label of the journal items (see approval-tag.ts). The watermark
   * (`max_payment_id`) covers only the window between `action_create_payments` and the note: a payment above it
   * with the same date and amount, for this invoice or its partner, tagged by no other approval, is this one's;
   * it gets its note now.
   */
  async findApplied(odoo, input, ref) {
    const session = await getSession(odoo);
    const invoice = await resolveInvoice(odoo, input.invoice_id, INVOICE_FIELDS);
    const { decimals, currency } = await currencyOf(odoo, session, invoice);
    const output = (payment: OdooRecord) =>
      paymentOutput(
        { decimals, currency },
        invoice,
        payment,
        bool(payment.is_reconciled) && ids(payment.reconciled_invoice_ids).includes(invoice.id),
      );
    const tagged = await recordsTaggedWith(odoo, "account.payment", ref.approvalId, RECORDED);
    if (tagged.length > 0) {
      const rows = await odoo.read("account.payment", tagged, PAYMENT_FIELDS);
      const payment = rows.find((row) => row.id === tagged[0]) ?? rows[0];
      if (payment) return output(payment);
    }
    if (!ref.marker) return null;
    const after = typeof ref.marker.max_payment_id === "number" ? ref.marker.max_payment_id : 0;
    const amount = toMinor(input.amount, decimals, { code: "INVALID_AMOUNT" });
    const partners = new Set([m2oId(invoice.partner_id), m2oId(invoice.commercial_partner_id)]);
    const rows = await odoo.searchRead(
      "account.payment",
      [
        ["id", ">", after],
        ["date", "=", input.payment_date],
      ],
      PAYMENT_FIELDS,
      { order: "id" },
    );
    for (const row of rows) {
      if (fromOdooAmount(row.amount, decimals) !== amount) continue;
      if (!(ids(row.reconciled_invoice_ids).includes(invoice.id) || partners.has(m2oId(row.partner_id))))
        continue;
      if ((await approvalsNamedOn(odoo, "account.payment", row.id as number)).length > 0) continue;
      await postApprovalNote(odoo, "account.payment", row.id as number, RECORDED, ref.approvalId);
      return output(row);
    }
    return null;
  },

  async apply(odoo, input, ref) {
    // Two approved payments of one invoice at once would each see the amount due drop by both, and each check
    // below would fail: within this process, the payments of one invoice run one after the other.
    const { id } = await resolveInvoice(odoo, input.invoice_id, ["id"]);
    return oneAtATime([`payment-of-move:${id}`], () => applyPayment(odoo, input, ref), ref.across);
  },

  async dryRun(odoo, prepared, input) {
    const plan = await planPayment(odoo, input);
    const rest = plan.residual - plan.amount;
    return {
      fields: {
        payment_id: null,
        invoice_id: invoiceRef(plan.invoice),
        reconciled: null,
        invoice_status: rest === 0n ? "paid" : "partial",
        created_at: null,
        record_id: null,
        amount: minorToNumber(plan.amount, plan.decimals),
        amount_residual: minorToNumber(rest, plan.decimals),
        currency: plan.currency,
        journal: plan.journal.name,
        odoo_state: null,
      },
      would: {
        odoo_calls: [
          "account.payment.register create",
          "account.payment.register action_create_payments",
          "account.payment message_post (internal note with the approval id)",
        ],
        ...prepared.facts,
      },
    };
  },
};

async function applyPayment(
  odoo: Odoo,
  input: RecordPaymentInput,
  ref: ApplyRef,
): Promise<RecordPaymentOutput> {
  const plan = await planPayment(odoo, input);
  // The invoice's partner and currency, the journal and a bill's bank account, as the person approved them:
  // before the wizard (which takes the bill's account).
  assertBound(ref.bound, paymentBinding(plan), moveLabel(plan.invoice), {
    partner_id: m2oName(plan.invoice.partner_id) ?? undefined,
    partner_bank_id: plan.bank ? bankText(plan.bank) : undefined,
  });
  const context = { active_model: "account.move", active_ids: [plan.invoice.id] };
  const values: Record<string, unknown> = {
    amount: input.amount,
    payment_date: input.payment_date,
    journal_id: plan.journal.id,
    payment_method_line_id: plan.line.id,
  };
  if (input.reference?.trim()) values.communication = input.reference.trim();
  const wizardId = await odoo.create("account.payment.register", values, context);
  const action = await odoo.call<OdooRecord | null>({
    model: "account.payment.register",
    method: "action_create_payments",
    ids: [wizardId],
    context,
  });
  let paymentId = typeof action?.res_id === "number" ? action.res_id : null;
  if (paymentId === null) {
    const found = await recordPaymentOperation.findApplied(odoo, input, ref);
    if (!found) throw new ToolError("ODOO_ERROR", "Odoo's payment wizard answered without a payment.");
    paymentId = found.record_id;
  } else await tagQuietly(odoo, "account.payment", paymentId, RECORDED, ref.approvalId);
  const [[payment], [invoice]] = await Promise.all([
    odoo.read("account.payment", [paymentId], PAYMENT_FIELDS),
    odoo.read("account.move", [plan.invoice.id], MOVE_FIELDS),
  ]);
  if (!payment || !invoice)
    throw new ToolError("ODOO_ERROR", `Odoo created payment ${paymentId} but does not return it.`);
  const name = str(payment.name) ?? String(paymentId);
  if (!VALIDATED_PAYMENT_STATES.includes(String(payment.state))) {
    throw new ToolError(
      "RECONCILIATION_FAILED",
      `Odoo created payment ${name} but left it in state ${String(payment.state)}; check it in Odoo.`,
      { payment_id: name, record_id: paymentId },
    );
  }
  const residualAfter = fromOdooAmount(invoice.amount_residual, plan.decimals);
  if (plan.residual - residualAfter !== plan.amount) {
    throw new ToolError(
      "RECONCILIATION_FAILED",
      `Odoo created payment ${name} of ${formatMinor(plan.amount, plan.decimals)} ${plan.currency}, but the amount due on the ${moveLabel(invoice)} went from ${formatMinor(plan.residual, plan.decimals)} to ${formatMinor(residualAfter, plan.decimals)} instead of dropping by the payment. Reconcile it in Odoo; do not record it again.`,
      { payment_id: name, record_id: paymentId },
    );
  }
  return paymentOutput(plan, invoice, payment, bool(payment.is_reconciled));
}
