/**
 * Company settings the statements depend on, read once per Odoo client and cached:
 *
 * - the fiscal year end (`res.company` `fiscalyear_last_month` / `fiscalyear_last_day`; 31 December when Odoo
 *   has none), which splits "current year earnings" from earlier, unallocated ones on the balance sheet;
 * - the outstanding receipts and payments accounts. From Odoo 17 a registered payment is booked on the journal's
 *   outstanding account (an `asset_current` account), and reaches the bank account only when it is matched with a
 *   bank statement line. The cash flow counts these accounts as cash in transit. They are the payment method
 *   lines' own `payment_account_id` and the company defaults `account_journal_payment_debit_account_id` /
 *   `account_journal_payment_credit_account_id`; when Odoo has neither, the accounts named like Odoo's generic
 *   chart ("Outstanding Receipts", "Outstanding Payments").
 *
 * Which of these fields exist depends on the Odoo version and modules, so the fields are asked for by name with
 * `fields_get` first; a missing field is never an error.
 */
import { getSession } from "../accounting/session.js";
import { m2oId } from "../accounting/values.js";
import type { Odoo } from "../odoo/types.js";

export interface ReportCompany {
  fiscalYearLastMonth: number;
  fiscalYearLastDay: number;
  /** Outstanding receipts/payments accounts (cash in transit). */
  transitAccountIds: number[];
}

const cache = new WeakMap<Odoo, Promise<ReportCompany>>();

export function getReportCompany(odoo: Odoo): Promise<ReportCompany> {
  let pending = cache.get(odoo);
  if (!pending) {
    pending = load(odoo);
    cache.set(odoo, pending);
    pending.catch(() => {
      if (cache.get(odoo) === pending) cache.delete(odoo);
    });
  }
  return pending;
}

const COMPANY_FIELDS = [
  "fiscalyear_last_month",
  "fiscalyear_last_day",
  "account_journal_payment_debit_account_id",
  "account_journal_payment_credit_account_id",
];

async function load(odoo: Odoo): Promise<ReportCompany> {
  const session = await getSession(odoo);
  const [described, methodLines] = await Promise.all([
    odoo.call<Record<string, unknown>>(
      {
        model: "res.company",
        method: "fields_get",
        args: { allfields: COMPANY_FIELDS, attributes: ["type"] },
      },
      { idempotent: true },
    ),
    odoo.searchRead(
      "account.payment.method.line",
      [["payment_account_id", "!=", false]],
      ["payment_account_id", "journal_id"],
    ),
  ]);
  const present = COMPANY_FIELDS.filter((field) => described && field in described);
  const [company] =
    present.length > 0 ? await odoo.read("res.company", [session.company.id], present) : [undefined];

  const transit = new Set<number>();
  for (const line of methodLines) {
    const id = m2oId(line.payment_account_id);
    if (id !== null) transit.add(id);
  }
  for (const field of [
    "account_journal_payment_debit_account_id",
    "account_journal_payment_credit_account_id",
  ]) {
    const id = m2oId(company?.[field]);
    if (id !== null) transit.add(id);
  }
  if (transit.size === 0) {
    const named = await odoo.searchRead(
      "account.account",
      [
        ["account_type", "=", "asset_current"],
        "|",
        ["name", "=ilike", "outstanding receipts"],
        ["name", "=ilike", "outstanding payments"],
      ],
      ["name"],
      { context: { active_test: false } },
    );
    for (const row of named) if (typeof row.id === "number") transit.add(row.id);
  }

  const month = Number(company?.fiscalyear_last_month);
  const day = Number(company?.fiscalyear_last_day);
  return {
    fiscalYearLastMonth: Number.isInteger(month) && month >= 1 && month <= 12 ? month : 12,
    fiscalYearLastDay: Number.isInteger(day) && day >= 1 && day <= 31 ? day : 31,
    transitAccountIds: [...transit].sort((a, b) => a - b),
  };
}
