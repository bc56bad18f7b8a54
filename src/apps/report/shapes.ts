import { z } from "zod";
import { REPORT_TYPES } from "../../shared/report-types.js";

/**
 * The parts of generate_report's answer the view reads (src/mcp/reports: each type's `details`). Amounts come as
 * JSON numbers Odoo's sums were written to exactly; the view writes them with moneyText, never adds them up.
 */
const account = z.object({ code: z.string(), name: z.string(), amount: z.number() });
const section = z.object({ accounts: z.array(account), total: z.number() });
const group = z.object({ label: z.string(), accounts: z.array(account), total: z.number() });
const side = z.object({ groups: z.array(group), total: z.number() });
const activity = z.object({
  accounts: z.array(
    z.object({ code: z.string(), name: z.string(), inflow: z.number(), outflow: z.number() }),
  ),
  inflows: z.number(),
  outflows: z.number(),
  net: z.number(),
});
export const BUCKETS = ["not_due", "days_1_30", "days_31_60", "days_61_90", "over_90"] as const;
const buckets = z.object(
  Object.fromEntries(BUCKETS.map((key) => [key, z.number()])) as Record<
    (typeof BUCKETS)[number],
    z.ZodNumber
  >,
);

export const profitLossDetails = z.object({
  income: section,
  cost_of_revenue: section,
  other_income: section,
  operating_expenses: section,
  gross_profit: z.number(),
  net_income: z.number(),
});
export const balanceSheetDetails = z.object({
  as_of: z.string(),
  assets: side,
  liabilities: side,
  equity: side.extend({
    previous_years_unallocated_earnings: z.number(),
    current_year_unallocated_earnings: z.number(),
  }),
  total_liabilities_and_equity: z.number(),
  balanced: z.boolean(),
});
const agedParties = z.array(buckets.extend({ name: z.string(), total: z.number() }));
/** aged_receivables answers `customers`, aged_payables `vendors`. */
export const agedDetails = z.object({
  as_of: z.string(),
  customers: agedParties.optional(),
  vendors: agedParties.optional(),
  totals: buckets.extend({ total: z.number() }),
});
const taxSection = z.object({
  taxes: z.array(z.object({ name: z.string(), base: z.number(), tax: z.number() })),
  base: z.number(),
  tax: z.number(),
});
export const taxSummaryDetails = z.object({
  sales: taxSection,
  purchases: taxSection,
  other: taxSection.optional(),
  tax_collected: z.number(),
  tax_paid: z.number(),
  net_due: z.number(),
});
export const generalLedgerDetails = z.object({
  account: z.object({ code: z.string(), name: z.string() }),
  opening_balance: z.number(),
  closing_balance: z.number(),
  item_count: z.number(),
  page: z.object({
    first_item: z.number().nullable(),
    balance_brought_forward: z.number(),
    balance_carried_forward: z.number(),
    has_more: z.boolean(),
  }),
  items: z.array(
    z.object({
      date: z.string(),
      move: z.string(),
      journal: z.string(),
      partner: z.string().nullable(),
      label: z.string(),
      debit: z.number(),
      credit: z.number(),
      balance: z.number(),
    }),
  ),
});
export const cashFlowDetails = z.object({
  opening_balance: z.number(),
  inflows: z.number(),
  outflows: z.number(),
  net_change: z.number(),
  closing_balance: z.number(),
  operating: activity,
  investing: activity,
  financing: activity,
  reconciles: z.boolean(),
  closing_cash: z.number(),
  closing_cash_in_transit: z.number(),
  /** Cash at bank split by what the bank has confirmed (absent from answers before issue 18). */
  closing_cash_reconciled: z.number().optional(),
  closing_cash_unreconciled: z.number().optional(),
  unreconciled_statement_lines: z.number().optional(),
});

export const report = z.object({
  report_type: z.enum(REPORT_TYPES),
  period: z.object({ start_date: z.string(), end_date: z.string() }),
  data: z.object({
    revenue: z.number(),
    expenses: z.number(),
    net_income: z.number(),
    details: z.record(z.string(), z.unknown()),
  }),
  currency: z.string(),
  company: z.string(),
  generated_at: z.string(),
});
export type Report = z.infer<typeof report>;

/** Revenue and expenses of one calendar month of the period (a profit_loss report of that month). */
export interface MonthFigures {
  label: string;
  revenue: number;
  expenses: number;
}
