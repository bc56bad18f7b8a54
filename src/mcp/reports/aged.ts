/**
 * Aged receivables and aged payables at `end_date`: the open amounts of posted receivable (payable) items dated on
 * or before `end_date`, per customer (vendor), in buckets by days past due at `end_date` (due date = the item's `date_maturity`, else its date):
 * not due, 1-30, 31-60, 61-90, over 90. Each amount is what was open at `end_date`: Odoo's `amount_residual`
 * (company currency) plus the reconciliations made after `end_date` (`account.partial.reconcile` whose latest
 * line is dated after it); credits (credit notes, unapplied payments) count negative, as in Odoo's aged balance: payables are shown as
 * what is owed (the credit balance positive). The open items are read one per invoice or bill (bounded by what is
 * unpaid, not by the size of the ledger).
 */
import { m2oId, m2oName, str } from "../accounting/values.js";
import { ToolError } from "../errors.js";
import { fromOdooAmount, sumMinor } from "../money.js";
import { money, num } from "./format.js";
import type { AccountType, Ledger } from "./ledger.js";
import { daysBetween } from "./periods.js";
import { profitLossFigures } from "./profit-loss.js";
import type { ComputedReport, DocRow, ReportRequest } from "./types.js";

export const BUCKETS = ["not_due", "days_1_30", "days_31_60", "days_61_90", "over_90"] as const;
export type Bucket = (typeof BUCKETS)[number];
const BUCKET_TITLES: Record<Bucket, string> = {
  not_due: "Not due",
  days_1_30: "1-30",
  days_31_60: "31-60",
  days_61_90: "61-90",
  over_90: "Over 90",
};

export function bucketOf(daysPastDue: number): Bucket {
  if (daysPastDue <= 0) return "not_due";
  if (daysPastDue <= 30) return "days_1_30";
  if (daysPastDue <= 60) return "days_31_60";
  if (daysPastDue <= 90) return "days_61_90";
  return "over_90";
}

/** One open item at the report date: an invoice or bill (its receivable or payable line), a credit, a payment. */
export interface OpenItem {
  lineId: number;
  moveId: number | null;
  number: string;
  date: string;
  dueDate: string;
  daysPastDue: number;
  bucket: Bucket;
  /** Minor units of the company currency, as open at the report date; what is owed counts positive. */
  amount: bigint;
}

/** A customer's (vendor's) open items. */
export interface OpenParty {
  id: number | null;
  name: string;
  items: OpenItem[];
}

const emptyBuckets = (): Record<Bucket, bigint> => ({
  not_due: 0n,
  days_1_30: 0n,
  days_31_60: 0n,
  days_61_90: 0n,
  over_90: 0n,
});

/** What differs between the two sides: the account type, the words, and the sign an open amount is shown with. */
interface Side {
  accountType: AccountType;
  /** "receivable" or "payable", in messages. */
  word: string;
  title: string;
  /** The details' keys: `customers`/`invoices` or `vendors`/`bills`. */
  parties: string;
  documents: string;
  party: string;
  /** 1n: a debit balance is open (receivable); -1n: a credit balance is (payable, shown as owed). */
  sign: bigint;
}

const RECEIVABLES: Side = {
  accountType: "asset_receivable",
  word: "receivable",
  title: "Aged Receivables",
  parties: "customers",
  documents: "invoices",
  party: "Customer / invoice",
  sign: 1n,
};
const PAYABLES: Side = {
  accountType: "liability_payable",
  word: "payable",
  title: "Aged Payables",
  parties: "vendors",
  documents: "bills",
  party: "Vendor / bill",
  sign: -1n,
};

const SIDES = { receivable: RECEIVABLES, payable: PAYABLES } as const;

export const agedReceivables = (request: ReportRequest) => aged(request, RECEIVABLES);
export const agedPayables = (request: ReportRequest) => aged(request, PAYABLES);

function sideDomain(ledger: Ledger, side: Side, end: string): Array<[string, string, unknown]> {
  return [
    ["account_id.account_type", "=", side.accountType],
    ["parent_state", "=", "posted"],
    ["company_id", "=", ledger.session.company.id],
    ["date", "<=", end],
  ];
}

/**
 * The open receivable (payable) items at `end` per partner, by name, with their days past due at `end`: what the
 * aged receivables (payables) show, and what `list_overdue` reads. Empty when nothing is open.
 */
export async function openItemsByParty(
  ledger: Ledger,
  end: string,
  which: keyof typeof SIDES,
): Promise<OpenParty[]> {
  const side = SIDES[which];
  const d = ledger.decimals;
  // What was open at end_date: what is open now, plus what was reconciled after end_date (Odoo's partial
  // reconciliations dated, by their latest line, after end_date are undone for the figures).
  const reconciledLater: Array<[string, string, unknown]> = [["max_date", ">", end]];
  const [lines, partials] = await Promise.all([
    ledger.odoo.searchRead(
      "account.move.line",
      [
        ...sideDomain(ledger, side, end),
        "|",
        ["reconciled", "=", false],
        "|",
        ["matched_debit_ids.max_date", ">", end],
        ["matched_credit_ids.max_date", ">", end],
      ],
      ["move_id", "move_name", "partner_id", "date", "date_maturity", "amount_residual"],
      { order: "date_maturity, id" },
    ),
    ledger.odoo.searchRead(
      "account.partial.reconcile",
      [
        ...reconciledLater,
        "|",
        ["debit_move_id.account_id.account_type", "=", side.accountType],
        ["credit_move_id.account_id.account_type", "=", side.accountType],
      ],
      ["debit_move_id", "credit_move_id", "amount"],
    ),
  ]);
  const undo = new Map<number, bigint>();
  for (const partial of partials) {
    const amount = fromOdooAmount(partial.amount, d);
    const debit = m2oId(partial.debit_move_id);
    const credit = m2oId(partial.credit_move_id);
    if (debit !== null) undo.set(debit, (undo.get(debit) ?? 0n) + amount);
    if (credit !== null) undo.set(credit, (undo.get(credit) ?? 0n) - amount);
  }
  const residualAtEnd = (line: Record<string, unknown>) =>
    side.sign * (fromOdooAmount(line.amount_residual, d) + (undo.get(line.id as number) ?? 0n));
  const partners = new Map<string, OpenParty>();
  for (const line of lines) {
    const amount = residualAtEnd(line);
    if (amount === 0n) continue;
    const date = str(line.date) ?? end;
    const dueDate = str(line.date_maturity) ?? date;
    const daysPastDue = daysBetween(dueDate, end);
    const partnerId = m2oId(line.partner_id);
    const key = partnerId === null ? "none" : String(partnerId);
    let partner = partners.get(key);
    if (!partner) {
      partner = { id: partnerId, name: m2oName(line.partner_id) ?? "(no partner)", items: [] };
      partners.set(key, partner);
    }
    partner.items.push({
      lineId: line.id as number,
      moveId: m2oId(line.move_id),
      number: str(line.move_name) ?? m2oName(line.move_id) ?? "",
      date,
      dueDate,
      daysPastDue,
      bucket: bucketOf(daysPastDue),
      amount,
    });
  }
  return [...partners.values()].sort((a, b) => a.name.localeCompare(b.name) || (a.id ?? 0) - (b.id ?? 0));
}

async function aged(request: ReportRequest, side: Side): Promise<ComputedReport> {
  const { ledger, start, end } = request;
  const d = ledger.decimals;
  await request.step(`Reading open ${side.word} items`);
  const [sorted, period] = await Promise.all([
    openItemsByParty(ledger, end, side === RECEIVABLES ? "receivable" : "payable"),
    profitLossFigures(ledger, start, end),
  ]);
  const openCount = sorted.reduce((n, p) => n + p.items.length, 0);
  if (openCount === 0) {
    const any = await ledger.odoo.searchCount("account.move.line", sideDomain(ledger, side, end));
    if (any === 0) {
      throw new ToolError("NO_DATA", `No posted ${side.word} journal items on or before ${end}.`);
    }
  }

  await request.step("Aging open items");
  const grand = emptyBuckets();
  const bucketNumbers = (b: Record<Bucket, bigint>) =>
    Object.fromEntries(BUCKETS.map((k) => [k, num(b[k], d)])) as Record<Bucket, number>;
  const partyDetails = sorted.map((p) => {
    const b = emptyBuckets();
    for (const item of p.items) b[item.bucket] += item.amount;
    for (const k of BUCKETS) grand[k] += b[k];
    return {
      buckets: b,
      json: {
        partner_id: p.id,
        name: p.name,
        ...bucketNumbers(b),
        total: num(sumMinor(p.items.map((i) => i.amount)), d),
        [side.documents]: p.items.map((i) => ({
          move_id: i.moveId,
          line_id: i.lineId,
          number: i.number,
          date: i.date,
          due_date: i.dueDate,
          days_past_due: Math.max(0, i.daysPastDue),
          bucket: i.bucket,
          amount_due: num(i.amount, d),
        })),
      },
      p,
    };
  });
  const total = sumMinor(BUCKETS.map((k) => grand[k]));

  const rows: DocRow[] = [];
  for (const c of partyDetails) {
    rows.push({
      cells: [
        c.p.name,
        ...BUCKETS.map((k) => money(c.buckets[k], d)),
        money(sumMinor(BUCKETS.map((k) => c.buckets[k])), d),
      ],
      bold: true,
    });
    for (const i of c.p.items) {
      rows.push({
        cells: [
          `${i.number || `line ${i.lineId}`}  due ${i.dueDate}`,
          ...BUCKETS.map((k) => (k === i.bucket ? money(i.amount, d) : "")),
          money(i.amount, d),
        ],
        indent: 1,
      });
    }
  }
  rows.push({ cells: ["Total", ...BUCKETS.map((k) => money(grand[k], d)), money(total, d)], bold: true });

  return {
    revenue: period.revenue,
    expenses: period.expenses,
    netIncome: period.netIncome,
    details: {
      as_of: end,
      buckets: [...BUCKETS],
      [side.parties]: partyDetails.map((c) => c.json),
      totals: { ...bucketNumbers(grand), total: num(total, d) },
      open_items: openCount,
      basis:
        "Amounts open at as_of (company currency: Odoo's amount_residual plus reconciliations dated after as_of) " +
        `of posted ${side.word} items dated on or before as_of, by days past due at as_of (due date, else the item's date): not due, 1-30, 31-60, 61-90, over 90. ` +
        `${side.sign < 0n ? "What is owed counts positive; debits such as vendor credit notes and unapplied payments count negative" : "Credits such as credit notes and unapplied payments count negative"}. ` +
        "revenue, expenses and net_income in data are those of the requested period.",
    },
    doc: {
      tables: [
        {
          title: `${side.title} as of ${end} (days past due)`,
          columns: [side.party, ...BUCKETS.map((k) => BUCKET_TITLES[k]), "Total"],
          widths: [2.6, 1, 1, 1, 1, 1, 1.1],
          rows,
        },
      ],
      notes: [
        `Amounts open at the report date on items dated on or before it; ${side.sign < 0n ? "what is owed is positive, debits" : "credits"} count negative.`,
      ],
    },
  };
}
