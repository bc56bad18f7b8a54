import type { App } from "@modelcontextprotocol/ext-apps";
import { callTool, ToolCallError } from "../connect.js";
import { type MonthFigures, report } from "./shapes.js";

/** At most this many months are asked for (one generate_report call each): two years. */
export const MAX_MONTHS = 24;

const NAMES = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const pad = (n: number) => String(n).padStart(2, "0");

/** The calendar months of a period, each cut to the period: `2026-01-15..2026-03-10` → 15-31 Jan, Feb, 1-10 Mar. */
export function monthsOf(start: string, end: string): { label: string; start: string; end: string }[] {
  const months: { label: string; start: string; end: string }[] = [];
  let [year, month] = start.split("-").map(Number) as [number, number];
  for (;;) {
    const first = `${year}-${pad(month)}-01`;
    const last = `${year}-${pad(month)}-${pad(new Date(Date.UTC(year, month, 0)).getUTCDate())}`;
    if (first > end) break;
    months.push({
      label: `${NAMES[month - 1]} ${year}`,
      start: first < start ? start : first,
      end: last > end ? end : last,
    });
    month += 1;
    if (month > 12) [year, month] = [year + 1, 1];
  }
  return months;
}

/**
 * Revenue and expenses by month: the report's JSON holds the period's totals only, so each month is a profit_loss
 * report of its own, asked of the server through the host. A month without posted income or expense (NO_DATA) is
 * zero; any other error stops here and is shown.
 */
export async function monthlyFigures(app: App, start: string, end: string): Promise<MonthFigures[]> {
  const figures: MonthFigures[] = [];
  for (const month of monthsOf(start, end).slice(0, MAX_MONTHS)) {
    try {
      const answer = report.parse(
        await callTool(app, "generate_report", {
          report_type: "profit_loss",
          start_date: month.start,
          end_date: month.end,
        }),
      );
      figures.push({ label: month.label, revenue: answer.data.revenue, expenses: answer.data.expenses });
    } catch (error) {
      if (!(error instanceof ToolCallError && error.code === "NO_DATA")) throw error;
      figures.push({ label: month.label, revenue: 0, expenses: 0 });
    }
  }
  return figures;
}
