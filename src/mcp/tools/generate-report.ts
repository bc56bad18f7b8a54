import { z } from "zod";
import { generateReport } from "../reports/index.js";
import { REPORT_TYPES } from "../reports/types.js";
import { audited } from "./audited.js";
import { isoDate } from "./common.js";
import { defineTool } from "./definition.js";

/** An echo of the input: listed as a string (the input lists the values), checked as one of them. */
const echoed = <T extends readonly string[]>(values: T) =>
  z.string().refine((value) => values.includes(value), `must be one of ${values.join(", ")}`);

const output = z.object({
  report_type: echoed(REPORT_TYPES),
  period: z.object({ start_date: z.string(), end_date: z.string() }),
  data: z.object({
    revenue: z.number(),
    expenses: z.number(),
    net_income: z.number(),
    details: z.record(z.string(), z.unknown()),
  }),
  generated_at: z.string(),
  currency: z.string(),
  company: z.string(),
  format: echoed(["json", "pdf"]),
  pdf: z.object({ path: z.string(), uri: z.string(), size_bytes: z.number().int() }).optional(),
});

export const generateReportTool = defineTool({
  name: "generate_report",
  toolsets: ["reports"],
  description:
    "Statements from posted entries: profit_loss by account; balance_sheet, aged_receivables/payables (not " +
    "due…90+ days) at end_date; cash_flow; tax_summary per tax; general_ledger of account_code (next page: " +
    "cursor=next_cursor). pdf: also a PDF.",
  input: z.strictObject({
    report_type: z.enum(REPORT_TYPES),
    start_date: isoDate(),
    end_date: isoDate(),
    format: z.enum(["json", "pdf"]).default("json"),
    account_code: z.string().max(64).optional(),
    cursor: z.string().max(40).optional(),
  }),
  output,
  annotations: {
    title: "Financial report",
    readOnlyHint: true,
    destructiveHint: false,
    idempotentHint: true,
    openWorldHint: true,
  },
  fieldCodes: {
    report_type: "INVALID_REPORT_TYPE",
    start_date: "INVALID_DATE_RANGE",
    end_date: "INVALID_DATE_RANGE",
  },
  run: (input, ctx) =>
    audited(
      ctx,
      "generate_report",
      "read",
      { target: `${input.report_type} ${input.start_date}..${input.end_date}` },
      () =>
        generateReport(ctx.odoo, input, {
          dataDir: ctx.dataDir,
          progress: ctx.progress,
          signal: ctx.signal,
        }),
    ),
  resultContent: (result) =>
    result.pdf
      ? [
          {
            type: "resource_link",
            uri: result.pdf.uri,
            name: result.pdf.path.split(/[\\/]/).pop() ?? "report.pdf",
            title: `${result.report_type} ${result.period.start_date} to ${result.period.end_date} (PDF)`,
            mimeType: "application/pdf",
          },
        ]
      : [],
});
