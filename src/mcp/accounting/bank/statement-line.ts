/**
 * What every bank file parser answers (csv.ts, ofx.ts, camt053.ts): the file's transactions as `StatementLine`s
 * and its balances when it has them. Amounts are exact decimal strings (`"-42.5"`), never floats; dates are
 * `YYYY-MM-DD`. A line is numbered by the line of the file where it starts, so a person can find it.
 */
import { ToolError } from "../../errors.js";
import { type Decimal, parseDecimal } from "../../money.js";

export interface StatementLine {
  /** The line of the file where the transaction starts (1 for the first). */
  line: number;
  date: string;
  /** Signed exact decimal: money in is positive. */
  amount: string;
  label: string;
  partnerName?: string;
  /** The bank's own id of the transaction (OFX FITID, CAMT AcctSvcrRef / NtryRef / EndToEndId, a CSV column). */
  reference?: string;
  /** The counterparty's account number (IBAN...). */
  accountNumber?: string;
  /** ISO code, when the file names the line's currency. */
  currency?: string;
  transactionType?: string;
}

export interface RefusedLine {
  line: number;
  reason: string;
}

export interface ParsedStatement {
  lines: StatementLine[];
  /** Lines of the file that are not imported, each with why (a pending entry, a zero amount...). */
  refused: RefusedLine[];
  /** The statement's own currency, when the file names it. */
  currency?: string;
  /** Opening and closing balances, exact decimals, when the file gives them. */
  balanceStart?: string;
  balanceEnd?: string;
  /** The bank's id of the statement. */
  name?: string;
}

/** Bounds: a statement is a month or so of one account, not a ledger export. */
export const MAX_CONTENT_CHARS = 2_000_000;
export const MAX_LINES = 5_000;
/** Longest label, partner name or reference kept (longer text is cut): Odoo's labels are one line of a list. */
const MAX_TEXT = 500;

export function invalid(message: string, details?: Record<string, unknown>): ToolError {
  return new ToolError("VALIDATION_ERROR", message, details);
}

/** Collapses white space (line breaks, tabs, runs of spaces) and cuts overlong text; control characters go. */
export function cleanText(value: string | undefined): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is removed
  const text = (value ?? "").replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\s]+/g, " ").trim();
  return text.length > MAX_TEXT ? text.slice(0, MAX_TEXT) : text;
}

/** A decimal as a plain string (`-42.5`, `0`), from an exact `Decimal`. */
export function decimalText(value: Decimal): string {
  const negative = value.digits < 0n;
  const digits = (negative ? -value.digits : value.digits).toString().padStart(value.scale + 1, "0");
  const whole = digits.slice(0, digits.length - value.scale);
  const fraction = digits.slice(digits.length - value.scale);
  return `${negative ? "-" : ""}${whole}${fraction ? `.${fraction}` : ""}`;
}

/** `text` with `.` decimals (a file's own amount, already normalised) as an exact decimal string, or null. */
export function plainDecimal(text: string): string | null {
  if (!/^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(text)) return null;
  const value = parseDecimal(text);
  return value ? decimalText(value) : null;
}

/** The negated decimal string. */
export function negate(amount: string): string {
  if (/^-?0(\.0*)?$/.test(amount)) return amount.replace(/^-/, "");
  return amount.startsWith("-") ? amount.slice(1) : `-${amount}`;
}

export const isZero = (amount: string): boolean => /^-?0*(\.0*)?$/.test(amount);

/** Whether `y`, `m`, `d` name a real calendar day; the ISO date when so. */
export function calendarDate(y: number, m: number, d: number): string | null {
  if (y < 1900 || y > 2999 || m < 1 || m > 12 || d < 1) return null;
  const days = new Date(Date.UTC(y, m, 0)).getUTCDate();
  if (d > days) return null;
  return `${String(y).padStart(4, "0")}-${String(m).padStart(2, "0")}-${String(d).padStart(2, "0")}`;
}
