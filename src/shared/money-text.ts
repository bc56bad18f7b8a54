/**
 * Amounts as a bookkeeper reads them, on every surface (window, history, terminal, notifications, the prompt):
 * thousands separators, the currency's decimals, the currency beside the amount. Works on decimal strings, never on
 * floats: `"1719.25"` → `"1,719.25"`. A value that is not a plain decimal is returned as it came (escape it when
 * showing it), so that nothing here can turn a strange input into a plausible amount.
 */

const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/;

/**
 * `"1719.25"` → `"1,719.25"`; `37.5, 2` → `"37.50"`; `"0.125", 2` → `"0.125"` (at least `minDecimals`, never fewer
 * than the value has: a unit price of 0.125 is not rounded for display).
 */
export function amountText(value: string | number | bigint, minDecimals = 0): string {
  const text = typeof value === "number" ? numberToPlain(value) : String(value);
  const match = DECIMAL.exec(text.trim());
  if (!match) return text;
  const [, minus = "", digits = "0", fraction = ""] = match;
  // Negative zero ("-0.00", a float's -0) is zero: a minus sign would read as a refund or a debt.
  const sign = /[1-9]/.test(digits + fraction) ? minus : "";
  const grouped = digits.replace(/^0+(?=\d)/, "").replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const decimals = fraction.padEnd(Math.max(0, minDecimals), "0");
  return `${sign}${grouped}${decimals ? `.${decimals}` : ""}`;
}

/**
 * `"1719.25", "USD", 2` → `"1,719.25 USD"`; without a currency, the amount alone. A value that is not an amount
 * ("computed by Odoo at creation") comes back as it is, without a currency.
 */
export function moneyText(value: string | number | bigint, currency?: string | null, decimals = 0): string {
  const amount = amountText(value, decimals);
  const isAmount = DECIMAL.test(typeof value === "number" ? numberToPlain(value) : String(value).trim());
  return currency && isAmount ? `${amount} ${currency}` : amount;
}

/**
 * How many decimals a currency has by ISO 4217 (JPY 0, USD 2, KWD 3), for an amount whose currency is named but
 * whose decimals are not (the reports' JSON); 2 for a code the runtime does not know.
 */
export function isoDecimals(currency: string): number {
  try {
    return (
      new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions().maximumFractionDigits ??
      2
    );
  } catch {
    return 2;
  }
}

/** A JS number without exponent notation (1e-7 → "0.0000001"); what JSON carried is shown, never re-rounded. */
function numberToPlain(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const text = String(value);
  if (!/e/i.test(text)) return text;
  // Only huge or tiny values reach here; toFixed keeps up to 20 decimals, enough for any amount Odoo stores.
  return Math.abs(value) < 1
    ? value.toFixed(20).replace(/0+$/, "").replace(/\.$/, "")
    : BigInt(Math.round(value)).toString();
}
