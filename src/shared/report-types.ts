/**
 * The statements `generate_report` makes, as the server checks them and the MCP App's report view reads them.
 * Imports nothing, so the browser rooms can name them without loading the reports.
 */
export const REPORT_TYPES = [
  "profit_loss",
  "balance_sheet",
  "cash_flow",
  "aged_receivables",
  "aged_payables",
  "tax_summary",
  "general_ledger",
] as const;
export type ReportType = (typeof REPORT_TYPES)[number];
