import type { Ledger } from "./ledger.js";

export const REPORT_TYPES = ["profit_loss", "balance_sheet", "cash_flow", "aged_receivables"] as const;
export type ReportType = (typeof REPORT_TYPES)[number];

export const REPORT_TITLES: Record<ReportType, string> = {
  profit_loss: "Profit and Loss",
  balance_sheet: "Balance Sheet",
  cash_flow: "Cash Flow Statement",
  aged_receivables: "Aged Receivables",
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
  step: (message: string) => Promise<void>;
}

export interface ComputedReport {
  revenue: bigint;
  expenses: bigint;
  netIncome: bigint;
  details: Record<string, unknown>;
  doc: StatementDoc;
}
