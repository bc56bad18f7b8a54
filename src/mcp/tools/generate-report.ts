import { z } from "zod";
import { generateReport } from "../reports/index.js";
import { REPORT_TYPES } from "../reports/types.js";
import { audited } from "./audited.js";
import { isoDate } from "./common.js";
import { defineTool } from "./definition.js";

const output = z.object({
  report_type: z.enum(REPORT_TYPES),
  period: z.object({ start_date: z.string(), end_date: z.string() }),
  data: z.object({
    revenue: z.number().describe("Income + other income of the period, company currency"),
    expenses: z.number().describe("Cost of revenue + expenses of the period, company currency"),
    net_income: z.number().describe("revenue - expenses"),
    details: z
      .record(z.string(), z.unknown())
      .describe("The report's own breakdown by account (see the tool description)"),
  }),
  generated_at: z.string().describe("ISO 8601 timestamp"),
  currency: z.string().describe("The company currency every amount is in"),
  company: z.string(),
  format: z.enum(["json", "pdf"]),
  pdf: z
    .object({ path: z.string(), uri: z.string(), size_bytes: z.number().int() })
    .optional()
    .describe("With format pdf: the file written under the data folder's Reports/"),
});

export const generateReportTool = defineTool({
  name: "generate_report",
  description:
    "Financial statements computed from Odoo's posted journal items (summed inside Odoo), in the company " +
    "currency, to the cent. report_type: profit_loss (income and expenses of the period by account, gross profit, " +
    "net income); balance_sheet (assets, liabilities, equity at end_date by account type and account, with " +
    "unallocated earnings, and whether it balances); cash_flow (bank and cash plus cash in transit — payments " +
    "registered but not yet matched with a bank statement — opening balance, inflows and outflows by operating/" +
    "investing/financing counterpart, closing balance); aged_receivables (open customer amounts at end_date in " +
    "buckets not due, 1-30, 31-60, 61-90, over 90 days past due, with the invoices behind them). data.revenue, " +
    "expenses and net_income are the period's for every type; details holds the breakdown. format pdf also " +
    "writes a printable PDF and links it.",
  input: z.strictObject({
    report_type: z.enum(REPORT_TYPES).describe("profit_loss | balance_sheet | cash_flow | aged_receivables"),
    start_date: isoDate("Report start date"),
    end_date: isoDate("Report end date; the date of balance_sheet and aged_receivables"),
    format: z.enum(["json", "pdf"]).default("json"),
  }),
  output,
  annotations: {
    title: "Generate a financial report",
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
