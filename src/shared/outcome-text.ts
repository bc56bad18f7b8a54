import { inline } from "./display.js";
import { moneyText } from "./money-text.js";

/**
 * What became of a request, in the sentence a bookkeeper reads ("INV/2026/00001 posted and emailed to …",
 * "Payment of 600.00 USD recorded on INV/2026/00001; 1,119.25 USD left to pay", "Rejected: wrong customer"):
 * the one wording for the app's banners, its history and the tray's notifications. Built from the request's
 * stored outcome (what Odoo answered when it ran), every value escaped and every amount with its currency.
 */
export interface OutcomeOf {
  tool: string;
  status: string;
  /** The record's outcome: `{ ok: true, output }` or `{ ok: false, code, message }`. */
  outcome?: unknown;
  reason?: string;
  queued?: boolean;
  /** The request's currency and amount as asked (a post's output has no currency; the amount gives the decimals). */
  currency?: string;
  amount?: string;
}

type Output = Record<string, unknown>;

/** The number of decimals an amount was written with ("1719.25" → 2); 2 when there is none to go by. */
export function decimalsOf(amount: string | undefined): number {
  const match = /\.(\d+)$/.exec(amount ?? "");
  return match ? match[1]!.length : 2;
}

/** `output[key]` as money with the output's currency (or the request's), or null when it holds no amount. */
export function outputMoney(of: OutcomeOf, output: Output, key: string): string | null {
  const value = output[key];
  if (typeof value !== "number" && typeof value !== "string") return null;
  const currency = typeof output.currency === "string" ? output.currency : of.currency;
  return inline(moneyText(value, currency, decimalsOf(of.amount)), 60);
}

/** The output of a request that ran, or null. */
export function outputOf(outcome: unknown): Output | null {
  const done = outcome as { ok?: unknown; output?: unknown } | undefined;
  return done?.ok === true && done.output && typeof done.output === "object" ? (done.output as Output) : null;
}

const text = (value: unknown, max = 120) => inline(value ?? "", max);

/** What a request that ran did, by its tool; null for a tool this does not know (said generically). */
function doneBy(of: OutcomeOf, output: Output): string | null {
  const money = (key: string) => outputMoney(of, output, key);
  switch (of.tool) {
    case "create_invoice":
      return `Draft invoice for ${text(output.customer)}, ${money("total_amount")} created in Odoo; not posted, nothing sent`;
    case "send_invoice":
      return `${text(output.invoice_id, 60)} ${output.posted === true ? "posted and emailed" : "emailed"} to ${text(output.sent_to)}`;
    case "post_invoice":
      return `${text(output.invoice_id, 60)} posted, ${money("total_amount")}`;
    case "record_payment": {
      const left =
        output.invoice_status === "paid" ? "paid in full" : `${money("amount_residual")} left to pay`;
      return `Payment of ${money("amount")} recorded on ${text(output.invoice_id, 60)}; ${left}`;
    }
    case "create_expense":
      return `Expense “${text(output.description)}” of ${money("total_amount")} filed for ${text(output.employee, 80)}${output.status === "draft" ? " (left in draft: Odoo refused to submit it)" : ""}`;
    default:
      return null;
  }
}

export function outcomeText(of: OutcomeOf): string {
  const failed = of.outcome as { code?: unknown; message?: unknown } | undefined;
  switch (of.status) {
    case "executed": {
      const output = outputOf(of.outcome);
      return (output && doneBy(of, output)) ?? "Done in Odoo";
    }
    case "failed":
      return `Failed — ${text(failed?.code, 40)}: ${text(failed?.message, 300)}`;
    case "rejected":
      return `Rejected${of.reason ? `: ${text(of.reason, 300)}` : ""}`;
    case "expired":
      return "Expired undecided";
    case "approved":
      return of.queued ? "Approved — queued until Odoo answers" : "Approved — running";
    default:
      return text(of.status, 40);
  }
}
