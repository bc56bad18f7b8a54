import { accountingDate } from "./accounting-date.js";
import { doCreate, hooks } from "./base-methods.js";
import {
  allowedCompanyIds,
  checkCompanyField,
  companyMismatchError,
  currentCompanyId,
  dropFailed,
  recordCompanies,
} from "./companies.js";
import { missingError, userError, valueError } from "./fault.js";
import { bool, date, define, float, html, int, m2m, m2o, money, o2m, sel, char as str } from "./fields.js";
import { itemDisplayName, labelPaymentTerms, paymentLineLabel } from "./journal-items.js";
import {
  applyX2many,
  browse,
  commercialPartnerId,
  convertVals,
  createGeneric,
  type Database,
  type Env,
  type MethodDef,
  type Model,
  type Rec,
  rawValue,
  round2,
  today,
  type Vals,
  writeGeneric,
} from "./orm.js";

export const MOVE_TYPES: Array<[string, string]> = [
  ["entry", "Journal Entry"],
  ["out_invoice", "Customer Invoice"],
  ["out_refund", "Customer Credit Note"],
  ["in_invoice", "Vendor Bill"],
  ["in_refund", "Vendor Credit Note"],
  ["out_receipt", "Sales Receipt"],
  ["in_receipt", "Purchase Receipt"],
];

export function paymentStateSelection(version: number): Array<[string, string]> {
  return [
    ["not_paid", "Not Paid"],
    ["in_payment", "In Payment"],
    ["paid", "Paid"],
    ["partial", "Partially Paid"],
    ["reversed", "Reversed"],
    ...(version >= 18 ? ([["blocked", "Blocked"]] as Array<[string, string]>) : []),
    ["invoicing_legacy", "Invoicing App Legacy"],
  ];
}

const isInvoice = (t: unknown) => typeof t === "string" && t !== "entry";
/** Sign of the product lines' balance: customer invoices credit income. */
const productSign = (t: unknown) =>
  t === "out_invoice" || t === "in_refund" || t === "out_receipt" ? -1 : 1;

export interface Partial {
  debit: number;
  credit: number;
  amount: number;
}

export interface AccountingState {
  partials: Partial[];
  sequences: Map<string, number>;
}

const states = new WeakMap<Database, AccountingState>();
export function acc(db: Database): AccountingState {
  let s = states.get(db);
  if (!s) {
    s = { partials: [], sequences: new Map() };
    states.set(db, s);
  }
  return s;
}

/** The account of a code in a company (each company's chart has the same codes); the current company by default. */
export function accountByCode(env: Env, code: string, companyId: unknown = currentCompanyId(env)): number {
  const accounts = env.db.model("account.account");
  for (const r of accounts.records.values()) {
    if (r.code === code && recordCompanies(env, accounts, r).includes(companyId as number)) return r.id;
  }
  for (const r of accounts.records.values()) if (r.code === code) return r.id;
  throw valueError(`No account ${code}`);
}

/** The company of a journal entry (the first company for an entry without one). */
export function moveCompany(move: Rec | undefined): number {
  return typeof move?.company_id === "number" ? move.company_id : 1;
}

function moveOfLine(env: Env, line: Rec): Rec | undefined {
  return env.db.model("account.move").rec(line.move_id as number);
}

function termLines(env: Env, moveId: number): Rec[] {
  return lines(env, moveId).filter((l) => l.display_type === "payment_term");
}

/** Days after the invoice date of a payment term's due date (sandbox/currencies.ts seeds the lab's terms). */
function paymentTermDays(env: Env, termId: unknown): number | null {
  if (typeof termId !== "number") return null;
  const days = env.db.model("account.payment.term").rec(termId)?.nb_days;
  return typeof days === "number" ? days : null;
}

/**
 * The instalments of a payment term with several (sandbox/currencies.ts), on an invoice dated `invoiceDate`: each
 * one's percentage of the total (null: the balance) and due date; null for a term of one instalment or none.
 */
function instalmentsOf(
  env: Env,
  termId: unknown,
  invoiceDate: unknown,
): Array<{ percent: number | null; date: string }> | null {
  if (typeof termId !== "number" || typeof invoiceDate !== "string") return null;
  const plan = env.db.model("account.payment.term").rec(termId)?.instalments;
  if (!Array.isArray(plan) || plan.length < 2) return null;
  return (plan as Array<[number | null, number]>).map(([percent, days]) => ({
    percent,
    date: addDays(invoiceDate, days),
  }));
}

function addDays(isoDate: string, days: number): string {
  const d = new Date(`${isoDate}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

function lines(env: Env, moveId: number): Rec[] {
  return [...env.db.model("account.move.line").records.values()].filter((l) => l.move_id === moveId);
}

/**
 * Sets a line's amounts from its amount in the document currency: `amount_currency` as given, `balance` (and
 * debit/credit) in the company currency at `rate` (document currency units per company currency unit, as
 * `res.currency.rate`), or exactly `companyBalance` when given (the line that balances the entry).
 */
function setBalance(line: Rec, amountCurrency: number, rate = 1, companyBalance?: number): void {
  const b = round2(companyBalance ?? (rate === 1 ? amountCurrency : amountCurrency / rate));
  line.balance = b;
  line.debit = Math.max(b, 0);
  line.credit = b < 0 ? -b : 0;
  line.amount_currency = round2(amountCurrency);
}

/** The document currency's rate against the company currency (1 for the company currency itself). */
function rateOf(env: Env, move: Rec): number {
  if (typeof move.currency_id !== "number" || move.currency_id === 1) return 1;
  const rate = Number(env.db.model("res.currency").rec(move.currency_id)?.rate ?? 1);
  return rate > 0 ? rate : 1;
}

function nextSequence(env: Env, move: Rec): string {
  const journal = env.db.model("account.journal").rec(move.journal_id as number);
  const code = String(journal?.code ?? "MISC");
  const d = String(move.date ?? today(env));
  const [y = "", m = ""] = d.split("-");
  const payment = move.payment_id !== undefined && move.payment_id !== false;
  let prefix: string;
  let width: number;
  if (payment) {
    prefix = `P${code}/${y}/`;
    width = 5;
  } else if (
    move.move_type === "in_invoice" ||
    move.move_type === "in_refund" ||
    journal?.type === "general"
  ) {
    prefix = move.move_type === "in_refund" ? `R${code}/${y}/${m}/` : `${code}/${y}/${m}/`;
    width = 4;
  } else {
    prefix = move.move_type === "out_refund" ? `R${code}/${y}/` : `${code}/${y}/`;
    width = 5;
  }
  // Each journal numbers its own entries (two companies' INV journals both start at 00001).
  const seqs = acc(env.db).sequences;
  const key = journal && journal.company_id !== 1 ? `${journal.id}:${prefix}` : prefix;
  const n = (seqs.get(key) ?? 0) + 1;
  seqs.set(key, n);
  return `${prefix}${String(n).padStart(width, "0")}`;
}

function journalHasNumber(env: Env, journalId: unknown, moveType: unknown): boolean {
  for (const r of env.db.model("account.move").records.values()) {
    if (
      r.journal_id === journalId &&
      r.move_type === moveType &&
      typeof r.name === "string" &&
      r.name !== "/"
    ) {
      return true;
    }
  }
  return false;
}

/** Journal items carry the commercial entity of the move's partner, not a child contact. */
function linePartner(env: Env, move: Rec): number | false {
  return typeof move.partner_id === "number" ? commercialPartnerId(env, move.partner_id) : false;
}

type TaxRounding = "round_per_line" | "round_globally";

/**
 * The default of `res.company.tax_calculation_rounding_method`: `round_globally` ("Round per Tax") on Odoo 19
 * (account/models/company.py; a real Odoo 19 with the generic chart reads `round_globally`), `round_per_line` on 17.
 */
export function defaultTaxRounding(version: number): TaxRounding {
  return version === 19 ? "round_globally" : "round_per_line";
}

function taxRoundingOf(env: Env, companyId: number): TaxRounding {
  const value = env.db.model("res.company").rec(companyId)?.tax_calculation_rounding_method;
  return value === "round_globally" || value === "round_per_line" ? value : defaultTaxRounding(env.version);
}

/** One tax on one line, unrounded (`round_globally` rounds the sum per tax). */
function rawLineTaxAmount(tax: Rec, base: number, quantity: number): number {
  return tax.amount_type === "fixed" ? Number(tax.amount) * quantity : (base * Number(tax.amount)) / 100;
}

/** One tax on one line, rounded per line (`round_per_line`). */
function lineTaxAmount(tax: Rec, subtotal: number, quantity: number): number {
  return round2(rawLineTaxAmount(tax, subtotal, quantity));
}

/**
 * `account.tax.compute_all(price_unit, currency=None, quantity=1.0, product=None, partner=None, ...)`: Odoo's
 * public, read-only tax computation of one line (17, 18, 19), with the same per-line arithmetic as the invoices.
 */
export const taxMethods: Record<string, MethodDef> = {
  compute_all: {
    kind: "records",
    owner: "AccountTax.compute_all",
    params: [
      { name: "price_unit", required: true },
      { name: "currency" },
      { name: "quantity" },
      { name: "product" },
      { name: "partner" },
      { name: "is_refund" },
      { name: "handle_price_include" },
      { name: "include_caba_tags" },
    ],
    fn: ({ env, model, ids, args }) => {
      const quantity = args.quantity === undefined ? 1 : Number(args.quantity);
      const records = browse(model, ids);
      const company =
        typeof records[0]?.company_id === "number" ? records[0].company_id : currentCompanyId(env);
      const globally = taxRoundingOf(env, company) === "round_globally";
      const rawBase = Number(args.price_unit) * quantity;
      const base = round2(rawBase);
      // The raw tax of the line: unrounded with round_globally, rounded per line with round_per_line.
      const raw = records.map((tax) =>
        globally ? rawLineTaxAmount(tax, rawBase, quantity) : lineTaxAmount(tax, base, quantity),
      );
      const taxes = records.map((tax, index) => ({
        id: tax.id,
        name: tax.name,
        amount: round2(raw[index] as number),
        base: rawBase,
        sequence: tax.sequence,
        account_id: tax.account_id,
        price_include: tax.price_include === true,
      }));
      const rawTotal = rawBase + raw.reduce((sum, amount) => sum + amount, 0);
      // Odoo 19 rounds both totals unless the context says `round_base: false` (then they are raw).
      if (env.context.round_base === false)
        return {
          base_tags: [],
          taxes,
          total_excluded: rawBase,
          total_included: rawTotal,
          total_void: rawBase,
        };
      const total = round2(rawTotal);
      return { base_tags: [], taxes, total_excluded: base, total_included: total, total_void: base };
    },
  },
};

export function recomputeInvoice(env: Env, move: Rec): void {
  if (!isInvoice(move.move_type)) return;
  const lineModel = env.db.model("account.move.line");
  const taxModel = env.db.model("account.tax");
  const all = lines(env, move.id);
  const product = all.filter((l) => l.display_type === "product");
  const sign = productSign(move.move_type);
  const rate = rateOf(env, move);
  const taxTotals = new Map<number, number>();
  const globally = taxRoundingOf(env, moveCompany(move)) === "round_globally";
  let untaxed = 0;
  // round_globally: the base is rounded once per set of taxes, the difference goes on the group's first line
  // (account.tax _round_base_lines_tax_details); the tax once per tax, below.
  const groups = new Map<string, { first: Rec; raw: number; rounded: number }>();
  const rawTaxes = new Map<number, number>();
  for (const l of product) {
    const rawSubtotal = Number(l.quantity ?? 0) * Number(l.price_unit ?? 0);
    const subtotal = round2(rawSubtotal);
    let lineTax = 0;
    for (const tid of (l.tax_ids as number[] | undefined) ?? []) {
      const tax = taxModel.rec(tid);
      if (!tax) continue;
      const amount = lineTaxAmount(tax, subtotal, Number(l.quantity ?? 0));
      lineTax += amount;
      taxTotals.set(tid, round2((taxTotals.get(tid) ?? 0) + amount));
      rawTaxes.set(
        tid,
        (rawTaxes.get(tid) ?? 0) + rawLineTaxAmount(tax, rawSubtotal, Number(l.quantity ?? 0)),
      );
    }
    l.price_subtotal = subtotal;
    l.price_total = round2(subtotal + lineTax);
    setBalance(l, sign * subtotal, rate);
    l.partner_id = linePartner(env, move);
    untaxed += subtotal;
    const key = [...((l.tax_ids as number[] | undefined) ?? [])].sort((a, b) => a - b).join(",");
    const group = groups.get(key) ?? { first: l, raw: 0, rounded: 0 };
    group.raw += rawSubtotal;
    group.rounded += subtotal;
    groups.set(key, group);
  }
  if (globally) {
    untaxed = 0;
    for (const group of groups.values()) {
      const base = round2(group.raw);
      const delta = round2(base - group.rounded);
      if (delta !== 0)
        setBalance(group.first, sign * round2(Number(group.first.price_subtotal) + delta), rate);
      untaxed += base;
    }
    for (const [tid, raw] of rawTaxes) taxTotals.set(tid, round2(raw));
  }
  const existingTax = all.filter((l) => l.display_type === "tax");
  let taxSum = 0;
  for (const [tid, amount] of taxTotals) {
    const tax = taxModel.rec(tid) as Rec;
    let line = existingTax.find((l) => l.tax_line_id === tid);
    if (!line) {
      line = lineModel.insert({
        move_id: move.id,
        name: tax.name,
        display_type: "tax",
        quantity: 0,
        price_unit: 0,
        price_subtotal: 0,
        price_total: 0,
        tax_ids: [],
        tax_line_id: tid,
        account_id: tax.account_id,
        date_maturity: false,
      });
    }
    // In another currency Odoo converts the tax before rounding it (19: 38.475 EUR at 0.92 is 41.82 USD).
    const raw = globally ? rawTaxes.get(tid) : undefined;
    setBalance(
      line,
      sign * amount,
      rate,
      rate === 1 || raw === undefined ? undefined : round2((sign * raw) / rate),
    );
    line.partner_id = linePartner(env, move);
    taxSum += amount;
  }
  for (const l of existingTax) if (!taxTotals.has(l.tax_line_id as number)) lineModel.records.delete(l.id);
  const total = round2(untaxed + taxSum);
  const plan = instalmentsOf(env, move.invoice_payment_term_id, move.invoice_date);
  const wanted = product.length === 0 ? 0 : (plan?.length ?? 1);
  const terms = all.filter((l) => l.display_type === "payment_term");
  for (const extra of terms.splice(wanted)) lineModel.records.delete(extra.id);
  while (terms.length < wanted) {
    const outbound =
      move.move_type === "out_invoice" || move.move_type === "out_refund" || move.move_type === "out_receipt";
    terms.push(
      lineModel.insert({
        move_id: move.id,
        name: false,
        display_type: "payment_term",
        quantity: 0,
        price_unit: 0,
        price_subtotal: 0,
        price_total: 0,
        tax_ids: [],
        account_id: accountByCode(env, outbound ? "121000" : "211000", moveCompany(move)),
      }),
    );
  }
  if (terms.length > 0) {
    const termIds = new Set(terms.map((l) => l.id));
    const others = lines(env, move.id)
      .filter((l) => !termIds.has(l.id) && (l.display_type === "product" || l.display_type === "tax"))
      .reduce((a, l) => a + Number(l.balance ?? 0), 0);
    const termDays = paymentTermDays(env, move.invoice_payment_term_id);
    // invoice_date_due: the last instalment's (account.move _compute_invoice_date_due).
    if (plan)
      move.invoice_date_due =
        plan
          .map((i) => i.date)
          .sort()
          .at(-1) ?? false;
    else if (termDays !== null && typeof move.invoice_date === "string")
      move.invoice_date_due = addDays(move.invoice_date, termDays);
    // account.payment.term _compute_terms: each percentage rounded in both currencies, the last line the balance.
    let restCurrency = -sign * total;
    let restCompany = -others;
    terms.forEach((term, index) => {
      const share = plan?.[index]?.percent ?? null;
      const last = index === terms.length - 1;
      const inCurrency = last || share === null ? restCurrency : round2((-sign * total * share) / 100);
      const inCompany = last || share === null ? restCompany : round2((-others * share) / 100);
      restCurrency = round2(restCurrency - inCurrency);
      restCompany = round2(restCompany - inCompany);
      const old = Number(term.balance ?? 0);
      setBalance(term, inCurrency, rate, rate === 1 ? undefined : inCompany);
      term.date_maturity = plan?.[index]?.date ?? move.invoice_date_due ?? false;
      term.partner_id = linePartner(env, move);
      const paid = old - Number(term.amount_residual ?? old);
      term.amount_residual = round2(Number(term.balance) - paid);
      term.amount_residual_currency =
        rate === 1 ? term.amount_residual : round2(Number(term.amount_currency) - paid * rate);
    });
  }
  move.amount_untaxed = round2(untaxed);
  move.amount_tax = round2(taxSum);
  move.amount_total = total;
  refreshPaymentState(env, move);
}

export function refreshPaymentState(env: Env, move: Rec): void {
  if (!isInvoice(move.move_type)) return;
  const term = lines(env, move.id).filter((l) => l.display_type === "payment_term");
  // In the document's currency (the company's amount_residual_signed is the lines' amount_residual).
  const residual = round2(
    term.reduce((a, l) => a + Number(l.amount_residual_currency ?? l.amount_residual ?? 0), 0),
  );
  move.amount_residual = Math.abs(residual);
  const total = Number(move.amount_total ?? 0);
  const touched = term.some((l) =>
    acc(env.db).partials.some((p) => (p.debit === l.id || p.credit === l.id) && p.amount > 0),
  );
  if (!touched) move.payment_state = "not_paid";
  else if (Math.abs(residual) < 0.005) move.payment_state = "paid";
  else move.payment_state = Math.abs(Math.abs(residual) - total) < 0.005 ? "not_paid" : "partial";
}

function createLine(env: Env, move: Rec, vals: Vals): Rec {
  const lineModel = env.db.model("account.move.line");
  const clean = { ...vals };
  const taxCmd = clean.tax_ids;
  delete clean.tax_ids;
  const converted = convertVals(env, lineModel, clean, "create");
  let taxes: number[] = [];
  if (taxCmd !== undefined) taxes = applyX2many([], taxCmd, () => 0).filter((x) => x > 0);
  else if (typeof converted.product_id === "number") {
    const p = env.db.model("product.product").rec(converted.product_id);
    const key = productSign(move.move_type) < 0 ? "taxes_id" : "supplier_taxes_id";
    taxes = ((p?.[key] as number[] | undefined) ?? []).slice();
  }
  const journal = env.db.model("account.journal").rec(move.journal_id as number);
  let name = converted.name;
  if (name === undefined && typeof converted.product_id === "number") {
    name = env.db.model("product.product").rec(converted.product_id)?.name ?? false;
  }
  return lineModel.insert({
    display_type: "product",
    quantity: 1,
    price_unit: 0,
    account_id: journal?.default_account_id ?? false,
    date_maturity: false,
    ...converted,
    name: name ?? false,
    tax_ids: taxes,
    move_id: move.id,
  });
}

function moveDisplayName(_env: Env, rec: Rec): string {
  let name = rec.name;
  if (!name || name === "/") {
    const label: Record<string, string> = {
      out_invoice: "Invoice",
      in_invoice: "Bill",
      out_refund: "Credit Note",
      in_refund: "Refund",
      entry: "Entry",
    };
    name = rec.state === "draft" ? `Draft ${label[String(rec.move_type)] ?? "Entry"} (* ${rec.id})` : "/";
  }
  const ref = rec.ref;
  return typeof ref === "string" && ref ? `${name} (${ref})` : String(name);
}

export function reconcile(env: Env, a: Rec, b: Rec, allowZero: boolean): void {
  const debitLine = Number(a.amount_residual) > 0 || Number(a.balance) > 0 ? a : b;
  const creditLine = debitLine === a ? b : a;
  const amount = round2(
    Math.min(Number(debitLine.amount_residual ?? 0), -Number(creditLine.amount_residual ?? 0)),
  );
  if (amount <= 0 && !allowZero) return;
  const amt = Math.max(0, amount);
  debitLine.amount_residual = round2(Number(debitLine.amount_residual) - amt);
  creditLine.amount_residual = round2(Number(creditLine.amount_residual) + amt);
  const currencyOf = (l: Rec) => moveOfLine(env, l)?.currency_id ?? 1;
  if (currencyOf(debitLine) !== 1 && currencyOf(debitLine) === currencyOf(creditLine)) {
    // Both in the same other currency: matched in it; a line settled in it is settled, the company currency's
    // rounding left over going to Odoo's exchange difference entry.
    const inCurrency = round2(
      Math.min(Number(debitLine.amount_residual_currency), -Number(creditLine.amount_residual_currency)),
    );
    debitLine.amount_residual_currency = round2(Number(debitLine.amount_residual_currency) - inCurrency);
    creditLine.amount_residual_currency = round2(Number(creditLine.amount_residual_currency) + inCurrency);
    for (const l of [debitLine, creditLine]) {
      if (Math.abs(Number(l.amount_residual_currency)) >= 0.005 || Number(l.amount_residual) === 0) continue;
      exchangeDifference(env, l);
      l.amount_residual = 0;
    }
  } else {
    debitLine.amount_residual_currency = debitLine.amount_residual;
    creditLine.amount_residual_currency = creditLine.amount_residual;
  }
  acc(env.db).partials.push({ debit: debitLine.id, credit: creditLine.id, amount: amt });
  env.db.model("account.partial.reconcile").insert({
    debit_move_id: debitLine.id,
    credit_move_id: creditLine.id,
    amount: amt,
    debit_amount_currency: amt,
    credit_amount_currency: amt,
    company_id: moveCompany(env.db.model("account.move").rec(debitLine.move_id as number)),
  });
}

/**
 * Odoo's exchange difference entry (`_create_exchange_difference_moves`): a line settled in its currency keeps a
 * company-currency remainder from rounding, which Odoo books on the exchange gain or loss account in a posted
 * entry of its own (on the lab: 0.01 USD when a EUR bill is paid in two payments).
 */
function exchangeDifference(env: Env, line: Rec): void {
  const move = moveOfLine(env, line);
  const companyId = moveCompany(move);
  const rest = round2(Number(line.amount_residual));
  const journal = [...env.db.model("account.journal").records.values()].find(
    (j) => j.type === "general" && j.company_id === companyId,
  );
  const entry = env.db.model("account.move").insert({
    name: false,
    state: "posted",
    move_type: "entry",
    journal_id: journal?.id ?? false,
    date: move?.date ?? today(env),
    ref: false,
    partner_id: line.partner_id ?? false,
    company_id: companyId,
    currency_id: move?.currency_id ?? 1,
    payment_state: "not_paid",
    amount_total: Math.abs(rest),
    amount_untaxed: 0,
    amount_tax: 0,
    amount_residual: 0,
    is_move_sent: false,
  });
  const lineModel = env.db.model("account.move.line");
  for (const [account, balance] of [
    [line.account_id, -rest],
    [accountByCode(env, rest > 0 ? "641000" : "441000", companyId), rest],
  ] as const) {
    const l = lineModel.insert({
      move_id: entry.id,
      name: "Currency exchange rate difference",
      display_type: "product",
      account_id: account,
      partner_id: line.partner_id ?? false,
      quantity: 0,
      price_unit: 0,
      tax_ids: [],
    });
    setBalance(l, 0, 1, balance);
    l.amount_currency = 0;
    l.amount_residual = 0;
    l.amount_residual_currency = 0;
  }
}

function reconciledLineIds(env: Env, line: Rec): number[] {
  return acc(env.db)
    .partials.filter((p) => p.debit === line.id || p.credit === line.id)
    .map((p) => (p.debit === line.id ? p.credit : p.debit));
}

export function postMove(env: Env, move: Rec): void {
  const v = env.version;
  if (move.state !== "draft") {
    throw userError(
      `The entry ${moveDisplayName(env, { ...move, ref: false })} (id ${move.id}) must be in draft.`,
    );
  }
  const isOut = move.move_type === "out_invoice" || move.move_type === "out_refund";
  const isIn = move.move_type === "in_invoice" || move.move_type === "in_refund";
  if (isInvoice(move.move_type) && !move.partner_id) {
    if (isOut) {
      throw userError(
        v === 19
          ? "The 'Customer' field is required to validate the invoice.\nYou probably don't want to explain to your auditor that you invoiced an invisible man :)"
          : "The field 'Customer' is required, please complete it to validate the Customer Invoice.",
      );
    }
    throw userError("The field 'Vendor' is required, please complete it to validate the Vendor Bill.");
  }
  if (lines(env, move.id).length === 0) {
    throw userError(
      v === 19 ? "Even magicians can't post nothing!" : "You need to add a line before posting.",
    );
  }
  if (isIn && !move.invoice_date) {
    if (v !== 19) throw userError("The Bill/Refund date is required to validate this document.");
    move.invoice_date = today(env);
    move.date = today(env);
  }
  if (!move.name || move.name === "/") move.name = nextSequence(env, move);
  // _compute_payment_reference: a customer invoice's only, not a credit note's.
  if (!move.payment_reference && move.move_type === "out_invoice") move.payment_reference = move.name;
  if (v === 19 && isInvoice(move.move_type)) labelPaymentTerms(lines(env, move.id), move);
  move.state = "posted";
  if (typeof move.partner_id === "number") {
    const followers = (move.message_partner_ids as number[] | undefined) ?? [];
    if (!followers.includes(move.partner_id)) move.message_partner_ids = [...followers, move.partner_id];
  }
}

const PROTECTED_POSTED = [
  "invoice_line_ids",
  "line_ids",
  "invoice_date",
  "date",
  "partner_id",
  "journal_id",
  "currency_id",
  "move_type",
];

function writeMove(env: Env, model: Model, recs: Rec[], vals: Vals): void {
  for (const move of recs) {
    if (move.state === "posted" && env.version !== 17) {
      const bad = Object.keys(vals).filter((k) => PROTECTED_POSTED.includes(k));
      if (bad.length)
        throw userError(
          `You cannot modify the following readonly fields on a posted move: ${bad.join(", ")}`,
        );
    }
    const rest: Vals = { ...vals };
    if (typeof rest.journal_id === "number" && !("company_id" in rest)) {
      // The entry's company follows its journal; _check_company then names the company only when it is allowed.
      const journal = env.db.model("account.journal").rec(rest.journal_id);
      const companyId = typeof journal?.company_id === "number" ? journal.company_id : moveCompany(move);
      const allowed = allowedCompanyIds(env);
      if (journal && !allowed.includes(companyId)) {
        throw companyMismatchError(env, [
          {
            model,
            rec: move,
            company: undefined,
            field: "journal_id",
            corecord: { model: env.db.model("account.journal"), rec: journal },
          },
        ]);
      }
      rest.company_id = companyId;
    }
    const lineCmds = rest.invoice_line_ids ?? rest.line_ids;
    delete rest.invoice_line_ids;
    delete rest.line_ids;
    writeGeneric(env, model, [move], rest);
    if (lineCmds !== undefined) applyLineCommands(env, move, lineCmds);
    const recompute = lineCmds !== undefined || "invoice_date_due" in vals || "partner_id" in vals;
    if ("invoice_date" in vals && move.invoice_date)
      move.date = accountingDate(env, move, String(move.invoice_date));
    if (recompute) recomputeInvoice(env, move);
  }
}

function applyLineCommands(env: Env, move: Rec, cmds: unknown): void {
  const lineModel = env.db.model("account.move.line");
  if (!Array.isArray(cmds)) return;
  for (const cmd of cmds) {
    if (!Array.isArray(cmd)) continue;
    const [code, id, vals] = cmd as [number, number, Vals];
    if (code === 0) createLine(env, move, vals ?? {});
    else if (code === 1) {
      const line = lineModel.rec(id);
      if (!line) throw missingError("account.move.line", [id]);
      const v = { ...(vals ?? {}) };
      if (v.tax_ids !== undefined) {
        line.tax_ids = applyX2many((line.tax_ids as number[]) ?? [], v.tax_ids, () => 0);
        delete v.tax_ids;
      }
      Object.assign(line, convertVals(env, lineModel, v, "write"));
    } else if (code === 2 || code === 3) lineModel.records.delete(id);
    else if (code === 5 || code === 6) {
      for (const l of lines(env, move.id)) if (l.display_type === "product") lineModel.records.delete(l.id);
    }
  }
}

function createMove(env: Env, model: Model, vals: Vals): Rec {
  const v = { ...vals };
  const lineCmds = v.invoice_line_ids ?? v.line_ids;
  delete v.invoice_line_ids;
  delete v.line_ids;
  const moveType =
    (v.move_type as string | undefined) ?? (env.context.default_move_type as string | undefined) ?? "entry";
  const converted = convertVals(env, model, { ...v, move_type: moveType }, "create");
  const journals = [...env.db.model("account.journal").records.values()];
  const jType = moveType.startsWith("out_") ? "sale" : moveType.startsWith("in_") ? "purchase" : "general";
  // The company: the one given, else the given journal's, else the current one (first of allowed_company_ids).
  const given = journals.find((j) => j.id === converted.journal_id);
  const companyId =
    typeof converted.company_id === "number"
      ? converted.company_id
      : typeof given?.company_id === "number"
        ? given.company_id
        : currentCompanyId(env);
  const journal = given ?? journals.find((j) => j.type === jType && j.company_id === companyId);
  const todayStr = today(env);
  const invoice = isInvoice(moveType);
  const move = model.insert({
    name: env.version === 17 ? "/" : false,
    state: "draft",
    payment_state: "not_paid",
    move_type: moveType,
    journal_id: journal?.id ?? false,
    currency_id: 1,
    partner_id: false,
    ref: false,
    narration: false,
    invoice_date: false,
    invoice_date_due: invoice ? todayStr : false,
    invoice_payment_term_id: false,
    is_move_sent: false,
    payment_reference: false,
    amount_untaxed: 0,
    amount_tax: 0,
    amount_total: 0,
    amount_residual: 0,
    invoice_user_id: 2,
    ...converted,
    company_id: companyId,
  });
  move.date =
    (converted.date as string | undefined) ??
    (move.invoice_date ? accountingDate(env, move, String(move.invoice_date)) : todayStr);
  if (lineCmds !== undefined) applyLineCommands(env, move, lineCmds);
  // _check_company at the end of BaseModel.create: the ids of the entry and its lines stay consumed.
  const mismatch = checkCompanyField(env, model, move, "journal_id", companyId);
  if (mismatch) {
    for (const l of lines(env, move.id)) env.db.model("account.move.line").records.delete(l.id);
    dropFailed(model, move);
    throw companyMismatchError(env, [mismatch]);
  }
  if (env.version === 17 && invoice && !journalHasNumber(env, move.journal_id, moveType)) {
    move.name = nextSequence(env, move);
  }
  recomputeInvoice(env, move);
  return move;
}

export function defineAccounting(db: Database): void {
  const v = db.version;
  // One record per (partial) reconciliation, as Odoo keeps them; amounts in the company currency.
  define(
    db,
    "account.partial.reconcile",
    {
      debit_move_id: m2o("account.move.line", "Debit line"),
      credit_move_id: m2o("account.move.line", "Credit line"),
      amount: money("Amount"),
      debit_amount_currency: money("Debit amount in currency"),
      credit_amount_currency: money("Credit amount in currency"),
      company_id: m2o("res.company", "Company"),
      max_date: date("Max Date of Matched Lines", {
        compute: (r, env) => {
          const lineModel = env.db.model("account.move.line");
          const moves = env.db.model("account.move");
          const dateOf = (id: unknown) => {
            const line = lineModel.rec(id as number);
            const d = line ? moves.rec(line.move_id as number)?.date : undefined;
            return typeof d === "string" ? d : "";
          };
          const latest = [dateOf(r.debit_move_id), dateOf(r.credit_move_id)].sort().pop();
          return latest || false;
        },
      }),
    },
    { order: "id" },
  );
  // Seeded without any term: a move accepts `invoice_payment_term_id: false` or a term a client created.
  const paymentTerm = define(
    db,
    "account.payment.term",
    {
      name: str("Payment Terms", { required: true }),
      active: bool("Active"),
      note: html("Description on the Invoice"),
      sequence: int("Sequence"),
      company_id: m2o("res.company", "Company"),
    },
    { order: "sequence, id" },
  );
  hooks.set(paymentTerm, {
    create: (env, model, vals) =>
      createGeneric(env, model, vals, { active: true, sequence: 10, note: false, company_id: false }),
  });
  const move = define(
    db,
    "account.move",
    {
      name: str("Number"),
      state: sel(
        "Status",
        [
          ["draft", "Draft"],
          ["posted", "Posted"],
          ["cancel", "Cancelled"],
        ],
        { readonly: true, required: true },
      ),
      move_type: sel("Type", MOVE_TYPES, { readonly: true, required: true }),
      payment_state: sel("Payment Status", paymentStateSelection(v), { readonly: true }),
      partner_id: m2o("res.partner", "Partner"),
      commercial_partner_id: m2o("res.partner", "Commercial Entity", {
        compute: (r, env) =>
          typeof r.partner_id === "number" ? commercialPartnerId(env, r.partner_id) : false,
      }),
      invoice_date: date("Invoice/Bill Date"),
      invoice_date_due: date("Due Date"),
      invoice_payment_term_id: m2o("account.payment.term", "Payment Terms"),
      date: date("Date"),
      ref: str("Reference"),
      narration: html("Terms and Conditions"),
      journal_id: m2o("account.journal", "Journal"),
      company_id: m2o("res.company", "Company"),
      currency_id: m2o("res.currency", "Currency"),
      company_currency_id: m2o("res.currency", "Company Currency", { stored: true, compute: () => 1 }),
      line_ids: o2m("account.move.line", "move_id", "Journal Items"),
      invoice_line_ids: {
        type: "one2many",
        relation: "account.move.line",
        string: "Invoice lines",
        compute: (r, env) =>
          lines(env, r.id)
            .filter((l) => l.display_type === "product")
            .map((l) => l.id),
      },
      amount_untaxed: money("Untaxed Amount", { readonly: true }),
      amount_tax: money("Tax", { readonly: true }),
      amount_total: money("Total", { readonly: true }),
      amount_residual: money("Amount Due", { readonly: true }),
      // In the company currency: the payment term lines' balance and residual (Odoo's own conversion).
      amount_total_signed: money("Total Signed", {
        compute: (r, env) =>
          isInvoice(r.move_type)
            ? round2(termLines(env, r.id).reduce((a, l) => a + Number(l.balance ?? 0), 0))
            : (productSign(r.move_type) < 0 ? 1 : -1) * Number(r.amount_total ?? 0),
      }),
      amount_residual_signed: money("Amount Due Signed", {
        compute: (r, env) =>
          isInvoice(r.move_type)
            ? round2(termLines(env, r.id).reduce((a, l) => a + Number(l.amount_residual ?? 0), 0))
            : (productSign(r.move_type) < 0 ? 1 : -1) * Number(r.amount_residual ?? 0),
      }),
      is_move_sent: bool("Is Move Sent"),
      payment_reference: str("Payment Reference"),
      access_url: str("Portal Access URL", {
        compute: (r) => (isInvoice(r.move_type) ? `/my/invoices/${r.id}` : "#"),
      }),
      invoice_pdf_report_id: m2o("ir.attachment", "PDF Attachment"),
      message_main_attachment_id: m2o("ir.attachment", "Main Attachment"),
      message_partner_ids: m2m("res.partner", "Followers (Partners)"),
      invoice_user_id: m2o("res.users", "Salesperson"),
      payment_id: m2o("account.payment", "Payment"),
      ...(v >= 18
        ? {
            matched_payment_ids: m2m("account.payment", "Matched Payments", {
              compute: (r, env) =>
                [...env.db.model("account.payment").records.values()]
                  .filter((p) => ((p.invoice_ids as number[] | undefined) ?? []).includes(r.id))
                  .sort((a, b) =>
                    String(b.date) === String(a.date)
                      ? b.id - a.id
                      : String(b.date) < String(a.date)
                        ? -1
                        : 1,
                  )
                  .map((p) => p.id),
            }),
          }
        : {}),
    },
    { order: "date desc, name desc, id desc", displayName: (r, env) => moveDisplayName(env, r) },
    {
      action_post: {
        kind: "records",
        params: [],
        fn: ({ env, model, ids }) => {
          for (const r of browse(model, ids)) postMove(env, r);
          return false;
        },
      },
      button_draft: {
        kind: "records",
        params: [],
        fn: ({ model, ids }) => {
          for (const r of browse(model, ids)) r.state = "draft";
          return true;
        },
      },
      button_cancel: {
        kind: "records",
        params: [],
        fn: ({ model, ids }) => {
          for (const r of browse(model, ids)) r.state = "cancel";
          return true;
        },
      },
    },
  );
  hooks.set(move, { create: createMove, write: writeMove });

  const moveOf = (r: Rec, env: Env) => env.db.model("account.move").rec(r.move_id as number);
  const lineModel = define(
    db,
    "account.move.line",
    {
      move_id: m2o("account.move", "Journal Entry"),
      move_name: str("Number", { stored: true, compute: (r, env) => moveOf(r, env)?.name ?? false }),
      name: str("Label"),
      display_type: sel("Display Type", [
        ["product", "Product"],
        ["cogs", "Cost of Goods Sold"],
        ["tax", "Tax"],
        ["discount", "Discount"],
        ["rounding", "Rounding"],
        ["payment_term", "Payment Term"],
        ["line_section", "Section"],
        ["line_note", "Note"],
        ["epd", "Early Payment Discount"],
      ]),
      product_id: m2o("product.product", "Product"),
      quantity: float("Quantity"),
      price_unit: float("Unit Price"),
      price_subtotal: money("Subtotal"),
      price_total: money("Total"),
      tax_ids: m2m("account.tax", "Taxes"),
      tax_line_id: m2o("account.tax", "Originator Tax"),
      account_id: m2o("account.account", "Account"),
      partner_id: m2o("res.partner", "Partner"),
      debit: money("Debit"),
      credit: money("Credit"),
      balance: money("Balance"),
      amount_currency: money("Amount in Currency"),
      amount_residual: money("Residual Amount", {
        stored: true,
        compute: residualOf,
      }),
      amount_residual_currency: money("Residual Amount in Currency", {
        stored: true,
        compute: residualOf,
      }),
      reconciled: bool("Reconciled", {
        stored: true,
        compute: (r, env) =>
          tracksResidual(r, env) && Math.abs(Number(r.amount_residual ?? r.balance ?? 0)) < 0.005,
      }),
      date_maturity: date("Due Date"),
      date: date("Date", { stored: true, compute: (r, env) => moveOf(r, env)?.date ?? false }),
      parent_state: sel(
        "Status",
        [
          ["draft", "Draft"],
          ["posted", "Posted"],
          ["cancel", "Cancelled"],
        ],
        { stored: true, compute: (r, env) => moveOf(r, env)?.state ?? false },
      ),
      account_type: sel("Internal Type", [], {
        compute: (r, env) =>
          env.db.model("account.account").rec(r.account_id as number)?.account_type ?? false,
        extra: {},
      }),
      journal_id: m2o("account.journal", "Journal", {
        stored: true,
        compute: (r, env) => moveOf(r, env)?.journal_id ?? false,
      }),
      company_id: m2o("res.company", "Company", {
        stored: true,
        compute: (r, env) => moveCompany(moveOf(r, env)),
      }),
      currency_id: m2o("res.currency", "Currency", {
        stored: true,
        compute: (r, env) => moveOf(r, env)?.currency_id || 1,
      }),
      company_currency_id: m2o("res.currency", "Company Currency", { compute: () => 1 }),
      move_type: sel("Type", MOVE_TYPES, { compute: (r, env) => moveOf(r, env)?.move_type ?? false }),
      full_reconcile_id: m2o("account.full.reconcile", "Matching", { stored: true, compute: () => false }),
      matched_debit_ids: o2m("account.partial.reconcile", "credit_move_id", "Matched Debits"),
      matched_credit_ids: o2m("account.partial.reconcile", "debit_move_id", "Matched Credits"),
      matching_number: str("Matching #", { stored: true, compute: () => false }),
    },
    {
      order: "date desc, move_name desc, id",
      displayName: (r, env) => {
        const m = moveOf(r, env);
        if (m && env.version === 19 && m.state === "posted") return itemDisplayName(r, m);
        const mn = m ? moveDisplayName(env, { ...m, ref: false }) : "";
        return r.name ? `${mn} ${String(r.name)}` : mn;
      },
    },
  );
  // The account type selection mirrors account.account's.
  const accountTypeField = lineModel.field("account_type");
  if (accountTypeField) accountTypeField.selection = ACCOUNT_TYPES;
}

/**
 * Whether Odoo tracks what is open on a journal item (`_compute_amount_residual`): on a reconciled account, and on
 * a bank or credit card account (a bank statement line's liquidity item, 19-bank-import).
 */
function tracksResidual(r: Rec, env: Env): boolean {
  const account = env.db.model("account.account").rec(r.account_id as number);
  return (
    Boolean(account?.reconcile) ||
    ["asset_cash", "liability_credit_card"].includes(String(account?.account_type))
  );
}

/** What is still open on a journal item: its residual where Odoo tracks it, else 0 (as Odoo computes it). */
function residualOf(r: Rec, env: Env): number {
  return tracksResidual(r, env) ? round2(Number(r.amount_residual ?? r.balance ?? 0)) : 0;
}

export const ACCOUNT_TYPES: Array<[string, string]> = [
  ["asset_receivable", "Receivable"],
  ["asset_cash", "Bank and Cash"],
  ["asset_current", "Current Assets"],
  ["asset_non_current", "Non-current Assets"],
  ["asset_prepayments", "Prepayments"],
  ["asset_fixed", "Fixed Assets"],
  ["liability_payable", "Payable"],
  ["liability_credit_card", "Credit Card"],
  ["liability_current", "Current Liabilities"],
  ["liability_non_current", "Non-current Liabilities"],
  ["equity", "Equity"],
  ["equity_unaffected", "Current Year Earnings"],
  ["income", "Income"],
  ["income_other", "Other Income"],
  ["expense", "Expenses"],
  ["expense_other", "Other Expenses"],
  ["expense_depreciation", "Depreciation"],
  ["expense_direct_cost", "Cost of Revenue"],
  ["off_balance", "Off-Balance Sheet"],
];

// ---------- payments ----------

function paymentState(env: Env, p: Rec): string {
  if (env.version === 17) return "posted";
  if (Number(p.amount) === 0) return "paid";
  const invoices = reconciledInvoices(env, p);
  if (invoices.length === 0) return "in_process";
  const moves = env.db.model("account.move");
  return invoices.every((id) => {
    const inv = moves.rec(id);
    return inv?.payment_state === "paid" || inv?.payment_state === "in_payment";
  })
    ? "paid"
    : "in_process";
}

function counterpartLine(env: Env, p: Rec): Rec | undefined {
  return lines(env, p.move_id as number).find(
    (l) => l.display_type === "payment_term" || l.is_counterpart === true,
  );
}

function reconciledInvoices(env: Env, p: Rec): number[] {
  const cp = counterpartLine(env, p);
  if (!cp) return [];
  const lineModel = env.db.model("account.move.line");
  const out: number[] = [];
  for (const p2 of acc(env.db).partials) {
    if (p2.debit !== cp.id && p2.credit !== cp.id) continue;
    if (p2.amount <= 0 && env.version === 17) continue;
    const other = lineModel.rec(p2.debit === cp.id ? p2.credit : p2.debit);
    const mid = other?.move_id as number | undefined;
    // Vendor bills and refunds are the payment's reconciled_bill_ids (on the lab's Odoo 19, a bill's payment
    // answers []; not recorded on 17 and 18).
    const type = mid === undefined ? undefined : env.db.model("account.move").rec(mid)?.move_type;
    if (env.version === 19 && (type === "in_invoice" || type === "in_refund")) continue;
    if (mid !== undefined && !out.includes(mid)) out.push(mid);
  }
  return out;
}

export function registerPaymentModels(db: Database): void {
  const v = db.version;
  const stateSel: Array<[string, string]> =
    v === 17
      ? [
          ["draft", "Draft"],
          ["posted", "Posted"],
          ["cancel", "Cancelled"],
        ]
      : [
          ["draft", "Draft"],
          ["in_process", "In Process"],
          ["paid", "Paid"],
          ["canceled", "Canceled"],
          ["rejected", "Rejected"],
        ];
  const memoField = v === 17 ? "ref" : "memo";
  define(
    db,
    "account.payment",
    {
      name: str("Number"),
      state: sel(v === 17 ? "Status" : "State", stateSel, {
        compute: (r, env) => paymentState(env, r),
      }),
      amount: money("Amount"),
      [memoField]: str("Memo"),
      payment_reference: str("Payment Reference"),
      is_reconciled: bool("Is Reconciled", {
        compute: (r, env) => {
          const cp = counterpartLine(env, r);
          return cp ? Math.abs(Number(cp.amount_residual ?? 0)) < 0.005 : false;
        },
      }),
      is_matched: bool("Is Matched With a Bank Statement", { compute: () => false }),
      partner_id: m2o("res.partner", "Customer/Vendor"),
      journal_id: m2o("account.journal", "Journal"),
      date: date("Date"),
      payment_type: sel("Payment Type", [
        ["outbound", "Send"],
        ["inbound", "Receive"],
      ]),
      partner_type: sel("Partner Type", [
        ["customer", "Customer"],
        ["supplier", "Vendor"],
      ]),
      payment_method_line_id: m2o("account.payment.method.line", "Payment Method"),
      payment_method_id: m2o("account.payment.method", "Method", {
        compute: (r, env) =>
          env.db.model("account.payment.method.line").rec(r.payment_method_line_id as number)
            ?.payment_method_id ?? false,
      }),
      reconciled_invoice_ids: m2m("account.move", "Reconciled Invoices", {
        compute: (r, env) => {
          const reconciled = reconciledInvoices(env, r);
          if (env.version === 17) return reconciled;
          // 18+: the customer invoices the payment was made for count even before any reconciliation.
          const moves = env.db.model("account.move");
          const linked = ((r.invoice_ids as number[] | undefined) ?? []).filter((id) =>
            ["out_invoice", "out_refund", "out_receipt"].includes(String(moves.rec(id)?.move_type)),
          );
          return [...linked, ...reconciled.filter((id) => !linked.includes(id))];
        },
      }),
      ...(v >= 18 ? { invoice_ids: m2m("account.move", "Invoices") } : {}),
      move_id: m2o("account.move", "Journal Entry"),
      currency_id: m2o("res.currency", "Currency"),
      company_id: m2o("res.company", "Company"),
    },
    { order: "date desc, name desc, id desc" },
  );

  const registerFields = {
    amount: money("Amount"),
    payment_date: date("Payment Date"),
    journal_id: m2o("account.journal", "Journal"),
    payment_method_line_id: m2o("account.payment.method.line", "Payment Method"),
    communication: str("Memo"),
    currency_id: m2o("res.currency", "Currency"),
    partner_id: m2o("res.partner", "Customer/Vendor"),
    payment_type: sel("Payment Type", [
      ["outbound", "Send"],
      ["inbound", "Receive"],
    ]),
    partner_type: sel("Partner Type", [
      ["customer", "Customer"],
      ["supplier", "Vendor"],
    ]),
    source_amount: money("Amount to Pay (company currency)"),
    source_amount_currency: money("Amount to Pay (foreign currency)"),
    source_currency_id: m2o("res.currency", "Source Currency"),
    payment_difference: money("Payment Difference", {
      compute: (r: Rec) => round2(Number(r.source_amount_currency ?? 0) - Number(r.amount ?? 0)),
    }),
    payment_difference_handling: sel("Payment Difference Handling", [
      ["open", "Keep open"],
      ["reconcile", "Mark as fully paid"],
    ]),
    writeoff_account_id: m2o("account.account", "Difference Account"),
    line_ids: m2m("account.move.line", "Journal items"),
    can_edit_wizard: bool("Can Edit Wizard", { compute: () => true }),
    group_payment: bool("Group Payments", { compute: () => true }),
    company_id: m2o("res.company", "Company"),
    ...(v >= 18
      ? {
          installments_mode: sel("Installments Mode", [
            ["next", "Next Installment"],
            ["overdue", "Overdue Amount"],
            ["before_date", "Before Next Payment Date"],
            ["full", "Full Amount"],
          ]),
        }
      : {}),
  };
  const wizard = define(
    db,
    "account.payment.register",
    registerFields,
    { transient: true },
    {
      action_create_payments: {
        kind: "records",
        params: [],
        fn: ({ env, model, ids }) => {
          let last = 0;
          for (const w of browse(model, ids)) last = createPaymentFromWizard(env, w).id;
          return {
            name: "Payments",
            type: "ir.actions.act_window",
            res_model: "account.payment",
            context: { create: false },
            view_mode: "form",
            res_id: last,
          };
        },
      },
    },
  );
  hooks.set(wizard, { create: createRegisterWizard });
}

function createRegisterWizard(env: Env, model: Model, vals: Vals): Rec {
  const ctx = env.context;
  const activeModel = ctx.active_model;
  const activeIds = Array.isArray(ctx.active_ids) ? (ctx.active_ids as number[]) : [];
  if ((activeModel !== "account.move" && activeModel !== "account.move.line") || activeIds.length === 0) {
    throw userError(
      "The register payment wizard should only be called on account.move or account.move.line records.",
    );
  }
  const lineModel = env.db.model("account.move.line");
  const moves = env.db.model("account.move");
  let payLines: Rec[];
  if (activeModel === "account.move") {
    const invs = browse(moves, activeIds);
    if (env.version === 17 && invs.some((m) => m.state !== "posted")) {
      throw userError("You can only register payment for posted journal entries.");
    }
    // An invoice's instalments earliest first: the lab's payment reconciles with the earliest (24-reminder-installments).
    payLines = invs.flatMap((m) =>
      lines(env, m.id)
        .filter((l) => {
          const a = env.db.model("account.account").rec(l.account_id as number);
          return a?.account_type === "asset_receivable" || a?.account_type === "liability_payable";
        })
        .sort((a, b) => String(a.date_maturity).localeCompare(String(b.date_maturity)) || a.id - b.id),
    );
  } else {
    // Only the receivable/payable items are paid (an expense report's action passes all its entry's items).
    payLines = browse(lineModel, activeIds).filter((l) => {
      const a = env.db.model("account.account").rec(l.account_id as number);
      return a?.account_type === "asset_receivable" || a?.account_type === "liability_payable";
    });
  }
  const first = payLines[0];
  const firstMove = first ? moves.rec(first.move_id as number) : undefined;
  const residual = round2(payLines.reduce((a, l) => a + Number(l.amount_residual ?? l.balance ?? 0), 0));
  // In the paid documents' currency: what the wizard proposes and pays (its company amount is source_amount).
  const residualCurrency = round2(
    payLines.reduce(
      (a, l) => a + Number(l.amount_residual_currency ?? l.amount_residual ?? l.balance ?? 0),
      0,
    ),
  );
  const currencyId = typeof firstMove?.currency_id === "number" ? firstMove.currency_id : 1;
  const inbound = residual > 0;
  const journals = [...env.db.model("account.journal").records.values()];
  // A bank journal of the paid entries' company.
  const companyId = firstMove ? moveCompany(firstMove) : currentCompanyId(env);
  const journalId =
    (vals.journal_id as number | undefined) ??
    journals.find((j) => j.type === "bank" && j.company_id === companyId)?.id ??
    false;
  const paymentType = inbound ? "inbound" : "outbound";
  const methodLine = [...env.db.model("account.payment.method.line").records.values()]
    .filter((l) => l.journal_id === journalId && l.payment_type === paymentType)
    .sort((a, b) => Number(a.sequence) - Number(b.sequence) || a.id - b.id)[0];
  // account.payment.register._get_communication: a credit note's is its ref ("Reversal of: ..."), recorded.
  const communication = firstMove?.payment_reference || firstMove?.ref || firstMove?.name || false;
  const defaults: Vals = {
    amount: Math.abs(residualCurrency),
    source_amount: Math.abs(residual),
    source_amount_currency: Math.abs(residualCurrency),
    source_currency_id: currencyId,
    payment_date: today(env),
    journal_id: journalId,
    payment_method_line_id: methodLine?.id ?? false,
    communication: communication === "/" ? false : communication,
    currency_id: currencyId,
    company_id: companyId,
    partner_id: first?.partner_id ?? firstMove?.partner_id ?? false,
    payment_type: paymentType,
    partner_type: firstMove?.move_type?.toString().startsWith("out_") ? "customer" : "supplier",
    payment_difference_handling: "open",
    writeoff_account_id: false,
    line_ids: payLines.map((l) => l.id),
    ...(env.version >= 18 ? { installments_mode: "full" } : {}),
  };
  const converted = convertVals(env, model, vals, "create");
  return model.insert({ ...defaults, ...converted, source_amount: Math.abs(residual) });
}

export function createPaymentFromWizard(env: Env, w: Rec): Rec {
  const payments = env.db.model("account.payment");
  const moves = env.db.model("account.move");
  const lineModel = env.db.model("account.move.line");
  const amount = round2(Number(w.amount ?? 0));
  const currencyId = typeof w.currency_id === "number" ? w.currency_id : 1;
  const rate = currencyId === 1 ? 1 : Number(env.db.model("res.currency").rec(currencyId)?.rate ?? 1) || 1;
  const inbound = w.payment_type === "inbound";
  const memoKey = env.version === 17 ? "ref" : "memo";
  const invLines = ((w.line_ids as number[] | undefined) ?? [])
    .map((id) => lineModel.rec(id))
    .filter((l): l is Rec => !!l);
  const invoiceIds = [...new Set(invLines.map((l) => l.move_id as number))];
  const journalCompany = env.db.model("account.journal").rec(w.journal_id as number)?.company_id;
  const companyId = typeof journalCompany === "number" ? journalCompany : 1;
  const payment = payments.insert({
    amount,
    [memoKey]: w.communication ?? false,
    payment_reference: false,
    partner_id: w.partner_id ?? false,
    journal_id: w.journal_id,
    date: w.payment_date,
    payment_type: w.payment_type,
    partner_type: w.partner_type,
    payment_method_line_id: w.payment_method_line_id,
    currency_id: currencyId,
    company_id: companyId,
    ...(env.version >= 18 ? { invoice_ids: invoiceIds } : {}),
  });
  const move = moves.insert({
    name: false,
    state: "draft",
    move_type: "entry",
    journal_id: w.journal_id,
    date: w.payment_date,
    ref: w.communication ?? false,
    partner_id: w.partner_id ?? false,
    company_id: companyId,
    currency_id: currencyId,
    payment_id: payment.id,
    payment_state: "not_paid",
    amount_total: amount,
    amount_untaxed: 0,
    amount_tax: 0,
    amount_residual: 0,
    is_move_sent: false,
  });
  const journal = env.db.model("account.journal").rec(w.journal_id as number);
  const outstanding = accountByCode(env, inbound ? "101403" : "101404", companyId);
  void journal;
  const counterAccount =
    invLines[0]?.account_id ?? accountByCode(env, inbound ? "121000" : "211000", companyId);
  const label = paymentLineLabel(env, w);
  const liquidity = lineModel.insert({
    move_id: move.id,
    name: label || false,
    display_type: "product",
    account_id: outstanding,
    partner_id: w.partner_id ?? false,
    date_maturity: w.payment_date,
    quantity: 0,
    price_unit: 0,
    tax_ids: [],
  });
  setBalance(liquidity, inbound ? amount : -amount, rate);
  liquidity.amount_residual = liquidity.balance;
  liquidity.amount_residual_currency = liquidity.amount_currency;
  const counterpart = lineModel.insert({
    move_id: move.id,
    name: label || false,
    display_type: "payment_term",
    account_id: counterAccount,
    partner_id: w.partner_id ?? false,
    date_maturity: w.payment_date,
    quantity: 0,
    price_unit: 0,
    tax_ids: [],
  });
  setBalance(counterpart, inbound ? -amount : amount, rate);
  counterpart.amount_residual = counterpart.balance;
  counterpart.amount_residual_currency = counterpart.amount_currency;
  payment.move_id = move.id;
  postMove(env, move);
  payment.name = move.name;
  for (const l of invLines) {
    const inv = moves.rec(l.move_id as number);
    if (!inv) continue;
    if (env.version === 18 && inv.state !== "posted") continue;
    reconcile(env, l, counterpart, env.version !== 17);
    refreshPaymentState(env, inv);
  }
  return payment;
}

export { doCreate, int, rawValue, reconciledLineIds };
