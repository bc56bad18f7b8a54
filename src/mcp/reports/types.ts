import type { ReportType } from "../../shared/report-types.js";
import type { Ledger } from "./ledger.js";

export { REPORT_TYPES, type ReportType } from "../../shared/report-types.js";

export const REPORT_TITLES: Record<ReportType, string> = {
  profit_loss: "Profit and Loss",
  balance_sheet: "Balance Sheet",
  cash_flow: "Cash Flow Statement",
  aged_receivables: "Aged Receivables",
  aged_payables: "Aged Payables",
  tax_summary: "Tax Summary",
  general_ledger: "General Ledger",
};

/** A printable table: the PDF renders these; amounts are already formatted text. */
export interface DocRow {
  cells: string[];
  /** Totals and subtotals. */
  bold?: boolean;
  /** Indentation level of the first cell. */
  indent?: number;
}

export interface DocTable {
  title: string;
  columns: string[];
  /** Relative column widths; the first column takes what is left. */
  widths: number[];
  /** How many leading columns are text, aligned left (1 when absent); the others are amounts. */
  textColumns?: number;
  rows: DocRow[];
}

export interface StatementDoc {
  tables: DocTable[];
  /** Short lines under the tables: the rules the figures follow, checks (balanced, reconciled). */
  notes: string[];
}

export interface ReportRequest {
  ledger: Ledger;
  start: string;
  end: string;
  /** general_ledger's account (its code) and where its page starts (the previous page's `next_cursor`). */
  accountCode: string | null;
  cursor: string | null;
  step: (message: string) => Promise<void>;
}

export interface ComputedReport {
  revenue: bigint;
  expenses: bigint;
  netIncome: bigint;
  details: Record<string, unknown>;
  doc: StatementDoc;
}
