/**
 * A vendor bill's accounting date on Odoo 19 (`account.move._compute_date` → `_get_accounting_date`, no lock date):
 * bills are numbered per month (BILL/2026/11/0001), so a bill whose date is in a month before today's is booked on
 * that month's last day, and one of this month (or later) on the later of its date and today. Customer documents
 * keep their invoice date. Recorded on a real Odoo 19 (odoo-recordings/19/16-payables-tax-ledger-*: bills dated
 * 2026-09-20 and 2026-11-05, recorded on 2026-12-07, booked on 2026-09-30 and 2026-11-30); 17 and 18 keep the
 * invoice date here (no recording of theirs shows a bill's accounting date).
 */
import { type Env, type Rec, today } from "./orm.js";

const PURCHASE = new Set(["in_invoice", "in_refund", "in_receipt"]);

export function accountingDate(env: Env, move: Rec, invoiceDate: string): string {
  if (env.version !== 19 || !PURCHASE.has(String(move.move_type))) return invoiceDate;
  const now = today(env);
  if (now.slice(0, 7) > invoiceDate.slice(0, 7)) {
    const [year = 0, month = 1] = invoiceDate.split("-").map(Number);
    const lastDay = new Date(Date.UTC(year, month, 0)).getUTCDate();
    return `${invoiceDate.slice(0, 8)}${String(lastDay).padStart(2, "0")}`;
  }
  return invoiceDate > now ? invoiceDate : now;
}
