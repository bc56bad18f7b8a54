import { inline } from "../shared/display.js";
import { moneyText } from "../shared/money-text.js";

/** Every value the agent or Odoo wrote goes through here before it is shown (controls, bidi overrides escaped). */
export const t = (value: unknown, max = 200): string => inline(value, max);

/** A stored ISO time, in the person's local format. */
export function when(iso: string | undefined): string {
  if (!iso) return "";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return t(iso, 40);
  return date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

/** "in 3 h", "in 2 days", "expired". */
export function until(iso: string, now = Date.now()): string {
  const ms = new Date(iso).getTime() - now;
  if (Number.isNaN(ms)) return t(iso, 40);
  if (ms <= 0) return "expired";
  const hours = Math.round(ms / 3_600_000);
  if (hours < 1) return `in ${Math.max(1, Math.round(ms / 60_000))} min`;
  if (hours < 48) return `in ${hours} h`;
  return `in ${Math.round(hours / 24)} days`;
}

export { TOOL_LABELS, toolLabel } from "../shared/tool-labels.js";

/**
 * An amount as a bookkeeper reads it ("1,719.25 USD", money-text.ts), escaped. `decimals`: the currency's, when the
 * value may have fewer (a unit price of 37.5 reads 37.50).
 */
export const money = (amount: unknown, currency: unknown, decimals = 0) =>
  amount === undefined || amount === null || amount === ""
    ? ""
    : t(
        moneyText(
          typeof amount === "number" || typeof amount === "string" ? amount : String(amount),
          typeof currency === "string" ? currency : undefined,
          decimals,
        ),
        60,
      );
