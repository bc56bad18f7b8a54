/**
 * Per tool, an arbitrary of its arguments: the right shape with hostile content, built around what the sandbox
 * holds (real customer names, invoice numbers, approval ids) so that many calls pass the schema and reach Odoo.
 */
import fc from "fast-check";
import {
  args,
  awkwardAmount,
  field,
  garbage,
  NASTY_STRINGS,
  nastyDate,
  nastyNumber,
  nastyString,
  nastyText,
  toolInput,
  WRONG_IDS,
} from "./arbitraries.js";

export interface Refs {
  /** Top-level customers' names, as seeded. */
  customers: string[];
  emails: string[];
  /** Invoice refs that exist: a draft's id, posted numbers. */
  invoices: string[];
  partnerIds: number[];
  approvalIds: string[];
  receiptPath: string;
  /** Calendar dates of the last weeks (valid for "not in the future" fields). */
  recentDates: string[];
}

const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

export function recentDates(): string[] {
  return [-60, -30, -7, -1, 0, 1, 30].map(day);
}

export function toolArbitraries(refs: Refs): Record<string, fc.Arbitrary<unknown>> {
  const date = field(fc.constantFrom(...refs.recentDates), nastyDate);
  const likelyDate = field(fc.constantFrom(...refs.recentDates), nastyDate, { valid: 30 });
  const choice = <T>(values: T[], nasty: fc.Arbitrary<unknown> = nastyString) =>
    field(fc.constantFrom(...values), nasty, { valid: 30, omit: 10 });
  const invoiceId = field(
    fc.constantFrom(...refs.invoices),
    fc.oneof(
      fc.constantFrom(...WRONG_IDS),
      nastyString,
      fc.constantFrom(...refs.invoices).map((ref) => `${ref}%`),
      fc.constantFrom(...refs.invoices).map((ref) => ref.replace(/\d$/, "_")),
      fc.constantFrom(...refs.invoices).map((ref) => `\u202e${ref}`),
    ),
  );
  const amount = field(awkwardAmount, nastyNumber);
  const lineItem = args({
    description: field(fc.constantFrom("Consulting", "Travel"), nastyText(1000), { valid: 20 }),
    quantity: field(fc.constantFrom(1, 3, 0.5, 0, 3 * 33.333), nastyNumber, { valid: 40 }),
    unit_price: field(awkwardAmount, nastyNumber, { valid: 40 }),
  });
  const approvalId = field(
    fc.constantFrom(...refs.approvalIds),
    fc.oneof(
      fc.constantFrom(...WRONG_IDS),
      nastyString,
      fc.stringMatching(/^apr_[a-z2-7]{26}$/),
      fc.constantFrom(...refs.approvalIds).map((id) => id.toUpperCase()),
      fc.constantFrom(...refs.approvalIds).map((id) => `${id.slice(0, -1)}_`),
      fc.constantFrom(...refs.approvalIds).map((id) => ` ${id}\u200b`),
      fc.constantFrom(...refs.approvalIds).map((id) => `../${id}`),
    ),
  );
  const limit = (max: number) => field(fc.integer({ min: 1, max }), nastyNumber, { valid: 30, omit: 10 });

  const tools: Record<string, fc.Arbitrary<Record<string, unknown>>> = {
    create_invoice: args({
      customer_name: field(
        fc.constantFrom(...refs.customers),
        fc.oneof(
          nastyText(256),
          fc.constantFrom(...refs.customers).map((name) => name.replace(/.$/, "_")),
          fc.constantFrom(...refs.customers).map((name) => `${name.slice(0, 3)}%`),
          fc.constantFrom(...refs.customers).map((name) => name.toUpperCase()),
        ),
      ),
      customer_email: field(
        fc.constantFrom(...refs.emails, "accounts@acme.example", "a+b@example.com"),
        fc.oneof(nastyString, fc.constantFrom("%@%", "_@_._", "a@b", "a@b.c\u0000", "\u202ea@b.co")),
        { valid: 40 },
      ),
      invoice_date: likelyDate,
      due_date: likelyDate,
      line_items: field(
        fc.array(lineItem, { minLength: 1, maxLength: 3 }),
        fc.oneof(fc.constant([]), fc.array(garbage, { maxLength: 3 })),
        { nasty: 2 },
      ),
      tax_rate: field(fc.constantFrom(0, 0.15, 0.05), nastyNumber, { nasty: 3, omit: 10 }),
      notes: field(fc.constant("Thanks"), nastyText(4000), { omit: 10 }),
    }),
    send_invoice: args({
      invoice_id: invoiceId,
      email_subject: field(fc.constant("Your invoice"), nastyText(998), { omit: 10 }),
      email_body: field(fc.constant("Please pay."), nastyString, { omit: 10 }),
    }),
    record_payment: args({
      invoice_id: invoiceId,
      amount,
      payment_date: date,
      payment_method: field(
        fc.constantFrom("bank_transfer", "credit_card", "cash", "check"),
        fc.oneof(nastyString, fc.constantFrom("Bank_transfer", "cash ", "bank%")),
      ),
      reference: field(fc.constant("REF-1"), nastyText(256), { omit: 10 }),
    }),
    post_invoice: args({ invoice_id: invoiceId }),
    list_overdue: args({
      partner_id: field(fc.constantFrom(...refs.partnerIds), nastyNumber, { valid: 30, omit: 30 }),
    }),
    send_reminder: args({
      invoice_id: field(fc.constantFrom(...refs.invoices), nastyString, { valid: 30, omit: 40 }),
      partner_id: field(fc.constantFrom(...refs.partnerIds), nastyNumber, { valid: 30, omit: 40 }),
      email_subject: field(fc.constant("Reminder"), nastyText(998), { omit: 30 }),
      email_body: field(fc.constant("Please pay."), nastyString, { omit: 30 }),
      again: field(fc.boolean(), nastyString, { omit: 30 }),
    }),
    create_credit_note: args({
      invoice_id: invoiceId,
      reason: field(fc.constant("Goodwill"), nastyText(256)),
      date,
      lines: field(
        fc.constantFrom({ "0": 1 }, { Consulting: 0.5 }, { "0": 1, "1": 1 }),
        fc.oneof(
          fc.dictionary(nastyText(64), nastyNumber as fc.Arbitrary<unknown>, { maxKeys: 3 }),
          fc.constantFrom({}, { "-1": 1 }, { "0": 0 }, { "0": -1 }, { "0": 1e300 }, { "99999": 1 }),
          garbage,
        ),
        { omit: 30 },
      ),
      refund: field(fc.boolean(), garbage, { omit: 50 }),
    }),
    create_expense: args({
      description: field(fc.constant("Client lunch"), nastyText(512)),
      amount,
      expense_date: date,
      category: field(
        fc.constantFrom("meals", "travel", "FOOD", "office_supplies", "Meals", "TRANS & ACC"),
        fc.oneof(nastyText(128), fc.constantFrom("meal%", "m_als", "%", "_", "Meals|Travel", "FOOD'")),
      ),
      vendor: field(fc.constant("Chez Nous"), nastyText(256), { omit: 10 }),
      receipt_path: field(
        fc.constant(refs.receiptPath),
        fc.oneof(
          nastyString,
          fc.constantFrom(
            "/etc/passwd",
            "/dev/zero",
            "/dev/random",
            "/proc/self/environ",
            "/",
            ".",
            "~",
            `${refs.receiptPath}\u0000.pdf`,
            `${refs.receiptPath}/../receipt.png`,
            "\\\\server\\share\\r.pdf",
            "file:///etc/passwd",
          ),
        ),
        { omit: 14 },
      ),
    }),
    create_draft_invoice: args({
      description: field(fc.constant("Office rent"), nastyText(1000)),
      amount,
      partner_id: field(fc.constantFrom(...refs.partnerIds), fc.constantFrom(...WRONG_IDS, 999_999), {
        omit: 3,
      }),
    }),
    create_partner: args({
      name: field(
        fc.constantFrom("Nordwind Handel GmbH", "Kestrel Paper", ...refs.customers),
        nastyText(256),
      ),
      kind: field(fc.constantFrom("customer", "vendor", "both"), nastyString, { valid: 30 }),
      is_company: field(fc.boolean(), nastyString, { omit: 10 }),
      email: field(fc.constantFrom(...refs.emails, "new@partner.example"), nastyText(254), { omit: 5 }),
      phone: field(fc.constant("+49 40 1234567"), nastyText(64), { omit: 10 }),
      street: field(fc.constant("Speicherstadt 12"), nastyText(256), { omit: 10 }),
      city: field(fc.constant("Hamburg"), nastyText(128), { omit: 10 }),
      zip: field(fc.constant("20457"), nastyText(32), { omit: 10 }),
      country: field(fc.constantFrom("US", "us", "DE", "XQ"), nastyString, { omit: 5 }),
      vat: field(fc.constantFrom("DE 123.456.789", "BE0477472701", "%", "_"), nastyText(32), { omit: 5 }),
      payment_terms: field(fc.constantFrom("30 Days", "15 days", 2, 999), nastyString, { omit: 5 }),
    }),
    create_vendor_bill: args({
      vendor: field(
        fc.constantFrom(...refs.customers, ...refs.partnerIds),
        fc.oneof(nastyText(256), fc.constantFrom(...WRONG_IDS, 999_999), fc.constantFrom("%", "_", "Acme%")),
      ),
      bill_date: likelyDate,
      due_date: field(fc.constantFrom(...refs.recentDates), nastyDate, { omit: 20 }),
      payment_terms: field(fc.constantFrom("30 Days", "15 days", "4"), nastyText(256), { omit: 20 }),
      vendor_reference: field(
        fc.constantFrom("INV-1", "inv-1 ", " INV  1", "F/2026/001"),
        fc.oneof(nastyText(64), fc.constantFrom("%", "_", "INV%", "\\")),
        { valid: 40 },
      ),
      lines: field(
        fc.array(
          args({
            description: field(fc.constant("Toner"), nastyText(1000), { valid: 20 }),
            quantity: field(fc.constantFrom(1, 3, 0.5, 0), nastyNumber, { valid: 40 }),
            unit_price: field(awkwardAmount, nastyNumber, { valid: 40 }),
            tax_rate: field(fc.constantFrom(0.15, 0, 0.2), nastyNumber, { omit: 20 }),
            taxes: field(fc.constantFrom([1], [2], [2, 4]), fc.oneof(garbage, fc.constant(WRONG_IDS)), {
              omit: 30,
            }),
            account: field(fc.constantFrom("600000", "121000", 32), fc.oneof(nastyText(256), nastyNumber), {
              omit: 25,
            }),
            product: field(fc.constantFrom("COMM", "FOOD", 5), fc.oneof(nastyText(256), nastyNumber), {
              omit: 25,
            }),
          }),
          { minLength: 1, maxLength: 3 },
        ),
        fc.oneof(fc.constant([]), fc.array(garbage, { maxLength: 3 })),
        { nasty: 2 },
      ),
      currency: field(fc.constantFrom("USD", "EUR", "gbp", "XYZ"), nastyText(3), { omit: 20 }),
      document: field(
        fc.constantFrom(
          Buffer.from("%PDF-1.4\n%%EOF\n").toString("base64"),
          Buffer.from("<html><script>alert(1)</script>%PDF-").toString("base64"),
          "JVBERi0=",
        ),
        fc.oneof(nastyString, fc.constantFrom("%%%", "data:application/pdf;base64,JVBERi0=")),
        { omit: 20 },
      ),
    }),
    generate_report: args({
      report_type: field(
        fc.constantFrom(
          "profit_loss",
          "balance_sheet",
          "cash_flow",
          "aged_receivables",
          "aged_payables",
          "tax_summary",
          "general_ledger",
          "general_ledger",
        ),
        fc.oneof(nastyString, fc.constantFrom("profit_loss ", "PROFIT_LOSS", "profit%")),
      ),
      start_date: field(fc.constantFrom("2026-01-01", "2025-01-01", ...refs.recentDates), nastyDate),
      end_date: field(fc.constantFrom("2026-12-31", ...refs.recentDates), nastyDate),
      format: field(fc.constantFrom("json", "json", "json", "pdf"), nastyString, { omit: 10 }),
      account_code: field(
        fc.constantFrom("121000", "211000", "400000", "101401"),
        fc.oneof(nastyString, fc.constantFrom("1210%", "121000 ", "' OR 1=1", "121000\u0000", "*")),
        { omit: 40 },
      ),
      cursor: field(
        fc.constantFrom("2026-06-30/1", "2026-01-01/999999"),
        fc.oneof(nastyString, fc.constantFrom("2026-02-30/5", "2026-01-01/-1", "2026-01-01/5|1", "../../x")),
        { omit: 70 },
      ),
    }),
    find_partners: args({
      query: field(
        fc.constantFrom(...refs.customers, "acme", ""),
        fc.oneof(nastyText(256), fc.constantFrom("%", "_", "__", "%%", "\\", "\\%", "a%", "|", "&")),
      ),
      kind: choice(["customer", "vendor", "any"]),
      limit: limit(100),
    }),
    list_invoices: args({
      kind: choice(["customer", "vendor", "all"]),
      state: choice(["draft", "posted", "cancel"]),
      payment_state: choice(["not_paid", "partial", "paid"]),
      partner: field(
        fc.constantFrom(...refs.customers),
        fc.oneof(nastyText(256), fc.constantFrom("%", "_", "\\", "|", "&")),
        { omit: 10 },
      ),
      limit: limit(200),
      offset: field(fc.integer({ min: 0, max: 10 }), nastyNumber, { valid: 30, omit: 10 }),
    }),
    get_invoice: args({ invoice_id: invoiceId }),
    list_journals: args({ type: field(fc.constantFrom("sale", "purchase", "bank", "cash"), nastyString) }),
    list_taxes: args({ type: field(fc.constantFrom("sale", "purchase"), nastyString) }),
    list_expense_categories: args({}),
    import_bank_statement: args({
      journal: field(
        fc.constantFrom("Bank", "BNK1", 6, "bank", "INV", 1, 7),
        fc.oneof(nastyString, nastyNumber),
        {
          valid: 30,
        },
      ),
      content: field(
        fc.oneof(
          fc.constantFrom(...STATEMENT_SAMPLES),
          fc
            .tuple(fc.constantFrom(...recentDates()), awkwardAmount, nastyText(64))
            .map(([d, a, label]) => `Date;Amount;Label\n${d};${a};"${label.replaceAll('"', '""')}"\n`),
        ),
        nastyText(4000),
        { valid: 30 },
      ),
      base64: field(fc.constant(false), garbage, { omit: 20 }),
      format: field(fc.constantFrom("csv", "ofx", "camt053"), nastyString, { omit: 20 }),
      csv: field(
        args({
          date: field(fc.constantFrom("Date", "1"), nastyText(128), { valid: 30 }),
          amount: field(fc.constantFrom("Amount", "2"), nastyText(128), { valid: 30 }),
          label: field(fc.constantFrom("Label", "3"), nastyText(128), { valid: 30 }),
          date_format: field(fc.constantFrom("YYYY-MM-DD", "DD/MM/YYYY", "MM/DD/YY"), nastyText(10), {
            omit: 10,
          }),
          decimal: field(fc.constantFrom(".", ","), nastyString, { omit: 10 }),
          thousands: field(fc.constantFrom("", ",", ".", " ", "'"), nastyString, { omit: 10 }),
          header: field(fc.boolean(), garbage, { omit: 10 }),
          delimiter: field(fc.constantFrom(";", ",", "\t", "|"), nastyString, { omit: 10 }),
        }),
        garbage,
        { omit: 8 },
      ),
    }),
    propose_matches: args({
      journal: field(fc.constantFrom("BNK1", "Bank", 1, "bank"), fc.oneof(nastyString, nastyNumber), {
        omit: 30,
      }),
      limit: limit(100),
      date_from: field(fc.constantFrom(...recentDates()), nastyString, { omit: 50 }),
    }),
    reconcile_bank_lines: args({
      matches: field(
        fc.array(
          args({
            statement_line_id: field(fc.integer({ min: 1, max: 20 }), fc.constantFrom(...WRONG_IDS)),
            invoice_ids: field(fc.array(invoiceId, { maxLength: 3 }), garbage, { omit: 30 }),
            payment_ids: field(fc.array(fc.integer({ min: 1, max: 10 }), { maxLength: 2 }), garbage, {
              omit: 60,
            }),
          }),
          { minLength: 1, maxLength: 3 },
        ),
        fc.oneof(fc.constant([]), fc.array(garbage, { maxLength: 3 })),
      ),
    }),
    unreconcile_bank_line: args({
      statement_line_id: field(fc.integer({ min: 1, max: 20 }), fc.constantFrom(...WRONG_IDS)),
    }),
    get_bank_balances: args({}),
    get_approval: args({ approval_id: approvalId }),
    list_approvals: args({
      status: field(
        fc.constantFrom("pending", "approved", "rejected", "executed", "failed", "expired"),
        nastyString,
        { omit: 10 },
      ),
      limit: limit(200),
    }),
  };
  return Object.fromEntries(Object.entries(tools).map(([name, shaped]) => [name, toolInput(shaped)]));
}

/** Fixed cases that would be too slow to generate by the thousand: megabyte strings, 10,000-item arrays. */
export function bigCases(refs: Refs): [string, unknown][] {
  const mb = "x".repeat(1024 * 1024);
  const mbNasty = "\u202e%_|&'\"\u200b🧾".repeat((1024 * 1024) / 16);
  const tenK = <T>(item: T) => Array.from({ length: 10_000 }, () => item);
  const line = { description: "Consulting", quantity: 1, unit_price: 10 };
  const invoice = {
    customer_name: refs.customers[0],
    customer_email: refs.emails[0],
    invoice_date: refs.recentDates[3],
    due_date: refs.recentDates[6],
    line_items: [line],
  };
  const cases: [string, unknown][] = [
    ["create_invoice", { ...invoice, customer_name: mb }],
    ["create_invoice", { ...invoice, customer_name: mbNasty }],
    ["create_invoice", { ...invoice, notes: mb }],
    ["create_invoice", { ...invoice, line_items: tenK(line) }],
    ["create_invoice", { ...invoice, line_items: [{ ...line, description: mb }] }],
    ["create_invoice", { ...invoice, line_items: tenK(garbageLine) }],
    ["send_invoice", { invoice_id: mb }],
    ["send_invoice", { invoice_id: refs.invoices[0], email_body: mb }],
    [
      "record_payment",
      { invoice_id: refs.invoices[0], amount: 1, payment_date: "2026-01-01", payment_method: mb },
    ],
    [
      "record_payment",
      { invoice_id: tenK("1"), amount: 1, payment_date: "2026-01-01", payment_method: "cash" },
    ],
    ["post_invoice", { invoice_id: mbNasty }],
    ["create_expense", { description: mb, amount: 1, expense_date: refs.recentDates[3], category: "meals" }],
    [
      "create_expense",
      { description: "x", amount: 1, expense_date: refs.recentDates[3], category: "meals", receipt_path: mb },
    ],
    ["create_draft_invoice", { description: mb, amount: 1 }],
    ["create_draft_invoice", { description: "x", amount: tenK(1) }],
    ["create_partner", { name: mb, kind: "customer" }],
    ["create_partner", { name: "x", kind: "vendor", vat: mbNasty }],
    ["create_partner", { name: "x", kind: "both", street: tenK("x") }],
    [
      "create_vendor_bill",
      {
        vendor: refs.customers[0],
        bill_date: "2026-01-01",
        vendor_reference: "X",
        lines: [line],
        document: mb,
      },
    ],
    [
      "create_vendor_bill",
      { vendor: refs.customers[0], bill_date: "2026-01-01", vendor_reference: "X", lines: tenK(line) },
    ],
    ["generate_report", { report_type: mb, start_date: "2026-01-01", end_date: "2026-12-31" }],
    [
      "generate_report",
      { report_type: "general_ledger", start_date: "2026-01-01", end_date: "2026-12-31", account_code: mb },
    ],
    [
      "generate_report",
      {
        report_type: "general_ledger",
        start_date: "2026-01-01",
        end_date: "2026-12-31",
        account_code: "121000",
        cursor: mb,
      },
    ],
    ["find_partners", { query: mb }],
    ["find_partners", { query: mbNasty }],
    ["find_partners", { query: tenK("%") }],
    ["list_invoices", { partner: mb }],
    ["get_invoice", { invoice_id: mb }],
    ["list_journals", { type: mb }],
    ["list_taxes", { type: tenK("sale") }],
    ["list_expense_categories", Object.fromEntries(tenK(0).map((_, i) => [`k${i}`, i]))],
    [
      "import_bank_statement",
      {
        journal: "Bank",
        content: `Date;Amount;Label\n${"2026-11-16;1;x\n".repeat(6000)}`,
        csv: { date: "Date", amount: "Amount", label: "Label" },
      },
    ],
    ["import_bank_statement", { journal: mb, content: "x" }],
    ["import_bank_statement", { journal: "Bank", content: mbNasty.repeat(3), base64: true }],
    [
      "import_bank_statement",
      { journal: "Bank", content: `<Document>${"<a>".repeat(10_000)}`, format: "camt053" },
    ],
    ["list_overdue", { partner_id: mb }],
    ["send_reminder", { partner_id: refs.partnerIds[0], email_body: mbNasty }],
    ["send_reminder", { invoice_id: mb, email_subject: mb }],
    ["get_approval", { approval_id: mb }],
    ["list_approvals", { status: tenK("pending") }],
    ["propose_matches", { journal: mb }],
    ["reconcile_bank_lines", { matches: tenK({ statement_line_id: 1, invoice_ids: [refs.invoices[0]] }) }],
    ["reconcile_bank_lines", { matches: [{ statement_line_id: 1, invoice_ids: [mbNasty, ...tenK("1")] }] }],
    ["unreconcile_bank_line", { statement_line_id: mb }],
    ["get_bank_balances", Object.fromEntries(tenK(0).map((_, i) => [`k${i}`, i]))],
  ];
  return cases;
}

/** Small statement files the fuzzer sends whole or mangled: an OFX 1.x and a CAMT.053 one. */
const STATEMENT_SAMPLES = [
  "OFXHEADER:100\n\n<OFX><BANKMSGSRSV1><STMTTRNRS><STMTRS><CURDEF>USD<BANKTRANLIST><STMTTRN><TRNTYPE>CREDIT<DTPOSTED>20261116<TRNAMT>115.00<FITID>F1<NAME>Acme</STMTTRN></BANKTRANLIST><LEDGERBAL><BALAMT>115.00</LEDGERBAL></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>",
  '<?xml version="1.0"?><Document><BkToCstmrStmt><Stmt><Id>S1</Id><Ntry><Amt Ccy="USD">42.50</Amt><CdtDbtInd>DBIT</CdtDbtInd><BookgDt><Dt>2026-11-17</Dt></BookgDt><AddtlNtryInf>Fees</AddtlNtryInf></Ntry></Stmt></BkToCstmrStmt></Document>',
  '<!DOCTYPE x [<!ENTITY a "aaaa">]><Document>&a;</Document>',
];

const garbageLine = { description: NASTY_STRINGS[5], quantity: Number.NaN, unit_price: "1" };
