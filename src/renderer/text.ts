import { inline } from "../shared/display.js";

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

export const TOOL_LABELS: Record<string, string> = {
  create_invoice: "Create invoice",
  send_invoice: "Send invoice",
  record_payment: "Record payment",
  post_invoice: "Post invoice",
  create_expense: "File expense",
  create_vendor_bill: "Create vendor bill",
};

export const toolLabel = (tool: string) => TOOL_LABELS[tool] ?? t(tool.replace(/_/g, " "), 40);

export const money = (amount: unknown, currency: unknown) =>
  amount === undefined || amount === null ? "" : `${t(amount, 40)}${currency ? ` ${t(currency, 8)}` : ""}`;
