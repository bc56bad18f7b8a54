/**
 * `generate_report`: validates the period, computes the statement from Odoo's grouped sums, and answers the
 * contract's shape (`report_type`, `period`, `data {revenue, expenses, net_income, details}`, `generated_at`)
 * for every report type; with `format: "pdf"` it also writes a printable PDF under `<dataDir>/Reports/`.
 */
import { assertIsoDate, compareIsoDates } from "../dates.js";
import { ToolError } from "../errors.js";
import type { Odoo } from "../odoo/types.js";
import { accountLedger } from "./account-ledger.js";
import { agedPayables, agedReceivables } from "./aged.js";
import { balanceSheet } from "./balance-sheet.js";
import { cashFlow } from "./cash-flow.js";
import { num } from "./format.js";
import { openLedger } from "./ledger.js";
import { writeReportPdf } from "./pdf.js";
import { profitLoss } from "./profit-loss.js";
import { taxSummary } from "./tax-summary.js";
import {
  type ComputedReport,
  REPORT_TITLES,
  REPORT_TYPES,
  type ReportRequest,
  type ReportType,
} from "./types.js";

export interface GenerateReportInput {
  report_type: string;
  start_date: string;
  end_date: string;
  format?: "json" | "pdf" | undefined;
  /** general_ledger only: the account's code, and the previous page's `next_cursor`. */
  account_code?: string | undefined;
  cursor?: string | undefined;
}

export interface GenerateReportOutput {
  report_type: ReportType;
  period: { start_date: string; end_date: string };
  data: { revenue: number; expenses: number; net_income: number; details: Record<string, unknown> };
  generated_at: string;
  currency: string;
  company: string;
  format: "json" | "pdf";
  pdf?: { path: string; uri: string; size_bytes: number };
}

export interface GenerateReportOptions {
  /** Where PDFs go: `<dataDir>/Reports/`. */
  dataDir: string;
  progress?: ((progress: number, total: number | undefined, message: string) => Promise<void>) | undefined;
  signal?: AbortSignal | undefined;
  now?: () => Date;
}

const ENGINES: Record<ReportType, (request: ReportRequest) => Promise<ComputedReport>> = {
  profit_loss: profitLoss,
  balance_sheet: balanceSheet,
  cash_flow: cashFlow,
  aged_receivables: agedReceivables,
  aged_payables: agedPayables,
  tax_summary: taxSummary,
  general_ledger: accountLedger,
};

export function isReportType(value: unknown): value is ReportType {
  return typeof value === "string" && (REPORT_TYPES as readonly string[]).includes(value);
}

export async function generateReport(
  odoo: Odoo,
  input: GenerateReportInput,
  options: GenerateReportOptions,
): Promise<GenerateReportOutput> {
  if (!isReportType(input.report_type)) {
    throw new ToolError(
      "INVALID_REPORT_TYPE",
      `Report type ${JSON.stringify(input.report_type)} is not supported; use one of ${REPORT_TYPES.join(", ")}.`,
      { allowed: [...REPORT_TYPES] },
    );
  }
  const reportType = input.report_type;
  const start = assertIsoDate(input.start_date, "start_date", "INVALID_DATE_RANGE");
  const end = assertIsoDate(input.end_date, "end_date", "INVALID_DATE_RANGE");
  if (compareIsoDates(start, end) > 0) {
    throw new ToolError("INVALID_DATE_RANGE", `start_date ${start} is after end_date ${end}.`);
  }
  for (const field of ["account_code", "cursor"] as const) {
    if (input[field] !== undefined && reportType !== "general_ledger") {
      throw new ToolError("VALIDATION_ERROR", `${field} applies to general_ledger only.`, { field });
    }
  }
  const format = input.format ?? "json";
  const total = format === "pdf" ? 5 : 4;
  let done = 0;
  const step = async (message: string) => {
    options.signal?.throwIfAborted();
    done = Math.min(done + 1, total - 1);
    await options.progress?.(done, total, message);
  };

  await options.progress?.(0, total, `${REPORT_TITLES[reportType]}: connecting to Odoo`);
  const ledger = await openLedger(odoo, options.signal);
  const computed = await ENGINES[reportType]({
    ledger,
    start,
    end,
    accountCode: input.account_code ?? null,
    cursor: input.cursor ?? null,
    step,
  });
  const d = ledger.decimals;
  const generatedAt = (options.now?.() ?? new Date()).toISOString();
  const output: GenerateReportOutput = {
    report_type: reportType,
    period: { start_date: start, end_date: end },
    data: {
      revenue: num(computed.revenue, d),
      expenses: num(computed.expenses, d),
      net_income: num(computed.netIncome, d),
      details: { currency: ledger.session.company.currency, ...computed.details },
    },
    generated_at: generatedAt,
    currency: ledger.session.company.currency,
    company: ledger.session.company.name,
    format,
  };
  if (format === "pdf") {
    await options.progress?.(total - 1, total, "Writing the PDF");
    output.pdf = await writeReportPdf({
      dataDir: options.dataDir,
      reportType,
      title: REPORT_TITLES[reportType],
      company: ledger.session.company.name,
      currency: ledger.session.company.currency,
      start,
      end,
      generatedAt,
      doc: computed.doc,
    });
  }
  await options.progress?.(total, total, `${REPORT_TITLES[reportType]} ready`);
  return output;
}
