/**
 * Calendar dates as the contract writes them (`YYYY-MM-DD`), validated as real dates, and "today" in a time
 * zone so that "in the future" is judged where the company is, not where this process runs.
 */
import { type ErrorCode, ToolError } from "./errors.js";

const ISO_DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

export function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** True for a real calendar date written `YYYY-MM-DD` (2026-02-28 yes, 2026-02-30 and 2026-2-3 no). */
export function isValidIsoDate(value: unknown): value is string {
  if (typeof value !== "string") return false;
  const match = ISO_DATE_RE.exec(value);
  if (!match) return false;
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  if (year < 1) return false;
  if (month < 1 || month > 12) return false;
  return day >= 1 && day <= daysInMonth(year, month);
}

/** Throws `ToolError(code)` naming the field unless `value` is a real `YYYY-MM-DD` date. */
export function assertIsoDate(value: unknown, field: string, code: ErrorCode = "VALIDATION_ERROR"): string {
  if (!isValidIsoDate(value)) {
    throw new ToolError(
      code,
      `${field} ${JSON.stringify(value)} is not a real calendar date; write it as YYYY-MM-DD (e.g. 2026-01-31).`,
    );
  }
  return value;
}

/** Whether `timeZone` is an IANA zone this runtime knows. */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone });
    return true;
  } catch {
    return false;
  }
}

/** The zone to judge dates in: the given IANA zone when it is one, else UTC (Odoo's `tz` is often `false`). */
export function effectiveTimeZone(timeZone: unknown): string {
  return typeof timeZone === "string" && timeZone !== "" && isValidTimeZone(timeZone) ? timeZone : "UTC";
}

/** Today's date (`YYYY-MM-DD`) in `timeZone` at the instant `now`. */
export function todayIn(timeZone: string, now: Date = new Date()): string {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone: effectiveTimeZone(timeZone),
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
  }).formatToParts(now);
  const get = (type: string) => parts.find((part) => part.type === type)?.value ?? "";
  return `${get("year").padStart(4, "0")}-${get("month")}-${get("day")}`;
}

/** `YYYY-MM-DD` strings compare like the dates they name. */
export function compareIsoDates(a: string, b: string): -1 | 0 | 1 {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Whether `date` is after today in `timeZone`. */
export function isFutureDate(date: string, timeZone: string, now: Date = new Date()): boolean {
  return compareIsoDates(date, todayIn(timeZone, now)) > 0;
}

/** Odoo's UTC datetime text (`2026-11-22 12:32:36`) as ISO 8601; null when it is not one. */
export function odooDatetimeToIso(value: unknown): string | null {
  if (typeof value !== "string") return null;
  const match = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(\.\d+)?$/.exec(value);
  if (!match) return null;
  const date = new Date(`${match[1]}T${match[2]}${match[3] ?? ""}Z`);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

/** `YYYY-MM-DD` in the machine's local time zone. */
export function localDate(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** Whole calendar days from `from` to `to` (`YYYY-MM-DD`; positive when `to` is later). */
export function daysBetween(from: string, to: string): number {
  const utc = (date: string) => {
    const [y = 0, m = 1, d = 1] = date.split("-").map(Number);
    return Date.UTC(y, m - 1, d);
  };
  return Math.round((utc(to) - utc(from)) / 86_400_000);
}

/**
 * Overdue on `today`: an open receivable item (one instalment of an invoice, `date_maturity`) due before it. The one
 * definition `list_overdue` and `send_reminder` share.
 */
export function isOverdue(dueDate: string, today: string): boolean {
  return daysBetween(dueDate, today) > 0;
}
