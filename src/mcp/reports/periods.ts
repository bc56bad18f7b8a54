/** Date arithmetic on `YYYY-MM-DD` strings (UTC calendar days; no time zone is involved in ledger dates). */
import { daysInMonth } from "../dates.js";

function toUtc(date: string): number {
  const [y = 0, m = 1, d = 1] = date.split("-").map(Number);
  return Date.UTC(y, m - 1, d);
}

function fromUtc(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

export function addDays(date: string, days: number): string {
  return fromUtc(toUtc(date) + days * 86_400_000);
}

export { daysBetween } from "../dates.js";

function fiscalYearEnd(year: number, lastMonth: number, lastDay: number): string {
  const day = Math.min(lastDay, daysInMonth(year, lastMonth));
  return `${String(year).padStart(4, "0")}-${String(lastMonth).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
}

/** First day of the fiscal year that contains `date`. */
export function fiscalYearStart(date: string, lastMonth: number, lastDay: number): string {
  const year = Number(date.slice(0, 4));
  const endThisYear = fiscalYearEnd(year, lastMonth, lastDay);
  const previousEnd = date <= endThisYear ? fiscalYearEnd(year - 1, lastMonth, lastDay) : endThisYear;
  return addDays(previousEnd, 1);
}
