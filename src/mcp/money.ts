import { moneyText } from "../shared/money-text.js";
/**
 * Exact money arithmetic: amounts are integer minor units (`bigint`) for a currency's decimal places, so that
 * nothing we add or compare goes through a binary float. A JSON number or a decimal string becomes minor units
 * with `toMinor` (which refuses more decimals than the currency has); amounts Odoo answers become minor units
 * with `fromOdooAmount` (rounded to the currency, as Odoo stores them); outputs go back with `minorToNumber`
 * (a JSON number rounded to the currency precision) or `formatMinor` (a decimal string).
 */
import { type ErrorCode, ToolError } from "./errors.js";

/** An exact decimal: `digits × 10^-scale`. */
export interface Decimal {
  digits: bigint;
  scale: number;
}

const DECIMAL_RE = /^([+-])?(\d+)?(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;
const MAX_SCALE = 30;

/**
 * Parses a finite JSON number or a decimal string exactly (`0.1` is one tenth, not the double nearest to it:
 * a JSON number is read through its shortest round-trip text, which is what the sender wrote). Returns null for
 * anything else (NaN, Infinity, empty, garbage, absurd exponents).
 */
export function parseDecimal(value: number | string): Decimal | null {
  if (typeof value === "number" && !Number.isFinite(value)) return null;
  const text = typeof value === "number" ? String(value) : value.trim();
  const match = DECIMAL_RE.exec(text);
  if (!match) return null;
  const [, sign, intPart = "", fracPart = "", expPart] = match;
  if (intPart === "" && fracPart === "") return null;
  const exponent = expPart === undefined ? 0 : Number(expPart);
  if (!Number.isSafeInteger(exponent) || Math.abs(exponent) > 400) return null;
  let digits = BigInt(`${intPart}${fracPart}` || "0");
  let scale = fracPart.length - exponent;
  if (scale < 0) {
    digits *= 10n ** BigInt(-scale);
    scale = 0;
  }
  // Drop trailing zeros so that the scale says how many decimals really matter ("1.50" has one).
  while (scale > 0 && digits % 10n === 0n) {
    digits /= 10n;
    scale -= 1;
  }
  if (scale > MAX_SCALE) return null;
  return { digits: sign === "-" ? -digits : digits, scale };
}

/** How many decimals a value really has (`1.50` → 1, `2` → 0); null when it is not a finite number. */
export function decimalPlaces(value: number | string): number | null {
  return parseDecimal(value)?.scale ?? null;
}

/** Rescales exactly when `scale` ≥ the value's; otherwise rounds half away from zero (Odoo's HALF-UP). */
export function rescale(value: Decimal, scale: number): bigint {
  if (scale >= value.scale) return value.digits * 10n ** BigInt(scale - value.scale);
  const divisor = 10n ** BigInt(value.scale - scale);
  const negative = value.digits < 0n;
  const abs = negative ? -value.digits : value.digits;
  let quotient = abs / divisor;
  if ((abs % divisor) * 2n >= divisor) quotient += 1n;
  return negative ? -quotient : quotient;
}

export function multiplyDecimals(a: Decimal, b: Decimal): Decimal {
  return { digits: a.digits * b.digits, scale: a.scale + b.scale };
}

export interface ToMinorOptions {
  /** Names the input in the error message, e.g. `amount` or `line 2 unit_price`. */
  field?: string;
  /** The contract code to throw; `VALIDATION_ERROR` unless told. */
  code?: ErrorCode;
}

/**
 * An input amount in minor units. Throws `ToolError` when it is not a finite number or has more decimals than
 * the currency (`12.345` for USD): such an amount cannot be booked as given and is never silently rounded.
 */
export function toMinor(value: number | string, decimals: number, options: ToMinorOptions = {}): bigint {
  const code = options.code ?? "VALIDATION_ERROR";
  const field = options.field ?? "amount";
  const parsed = parseDecimal(value);
  if (!parsed) {
    throw new ToolError(code, `${field} must be a finite number, got ${JSON.stringify(value)}.`);
  }
  if (parsed.scale > decimals) {
    throw new ToolError(
      code,
      `${field} ${String(value)} has more decimals than the currency allows (${decimals}); round it to ${decimals} decimal place${decimals === 1 ? "" : "s"}.`,
      { decimals },
    );
  }
  return rescale(parsed, decimals);
}

/**
 * An amount read from Odoo (a float in JSON) in minor units, rounded to the currency the way Odoo rounds stored
 * monetary values. Odoo's `false` (an empty monetary field) is zero.
 */
export function fromOdooAmount(value: unknown, decimals: number): bigint {
  if (value === false || value === null || value === undefined) return 0n;
  if (typeof value !== "number" && typeof value !== "string") {
    throw new TypeError(`Not an amount: ${JSON.stringify(value)}`);
  }
  const parsed = parseDecimal(value);
  if (!parsed) throw new TypeError(`Not an amount: ${JSON.stringify(value)}`);
  return rescale(parsed, decimals);
}

/** `146550n, 2` → `"1465.50"`; always exactly `decimals` decimals. */
export function formatMinor(minor: bigint, decimals: number): string {
  const negative = minor < 0n;
  const abs = (negative ? -minor : minor).toString().padStart(decimals + 1, "0");
  const intPart = decimals === 0 ? abs : abs.slice(0, -decimals);
  const fracPart = decimals === 0 ? "" : `.${abs.slice(-decimals)}`;
  return `${negative ? "-" : ""}${intPart}${fracPart}`;
}

/** A JSON number for outputs: the double nearest to the exact decimal (what Odoo itself answers). */
export function minorToNumber(minor: bigint, decimals: number): number {
  return Number(formatMinor(minor, decimals));
}

/** An Odoo amount rounded to the currency precision, as a JSON number for outputs. */
export function roundOdooAmount(value: unknown, decimals: number): number {
  return minorToNumber(fromOdooAmount(value, decimals), decimals);
}

export function sumMinor(values: Iterable<bigint>): bigint {
  let total = 0n;
  for (const value of values) total += value;
  return total;
}

export function compareMinor(a: bigint, b: bigint): -1 | 0 | 1 {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** `price × quantity` of one line in minor units, rounded half-up to the currency (Odoo rounds per line). */
export function lineSubtotalMinor(
  quantity: number | string,
  unitPrice: number | string,
  decimals: number,
): bigint {
  const q = parseDecimal(quantity);
  const p = parseDecimal(unitPrice);
  if (!q || !p) throw new TypeError("quantity and unit price must be finite numbers");
  return rescale(multiplyDecimals(q, p), decimals);
}

/** A decimal for humans: `1465.5, "USD", 2` → `"1,465.50 USD"`. */
export function displayMoney(minor: bigint, decimals: number, currency: string): string {
  return moneyText(formatMinor(minor, decimals), currency, decimals);
}

/** a < b → negative, equal → 0, a > b → positive, for decimal strings (never floats). */
export function compareDecimal(a: string, b: string): number {
  const x = parseDecimal(a);
  const y = parseDecimal(b);
  if (!x || !y) throw new Error(`not a decimal: ${x ? b : a}`);
  const scale = Math.max(x.scale, y.scale);
  const d = rescale(x, scale) - rescale(y, scale);
  return d < 0n ? -1 : d > 0n ? 1 : 0;
}

/** a + b, exactly, for decimal strings; the result has the larger of their scales. */
export function addDecimal(a: string, b: string): string {
  const x = parseDecimal(a);
  const y = parseDecimal(b);
  if (!x || !y) throw new Error(`not a decimal: ${x ? b : a}`);
  const scale = Math.max(x.scale, y.scale);
  const sum = rescale(x, scale) + rescale(y, scale);
  const negative = sum < 0n;
  const digits = (negative ? -sum : sum).toString().padStart(scale + 1, "0");
  const text = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return negative ? `-${text}` : text;
}
