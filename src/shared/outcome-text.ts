import { inline } from "./display.js";
import { moneyText } from "./money-text.js";

/**
 * What an approved request did, as a sentence: "INV/2026/00001 posted and emailed to accounts@harbour.example",
 * from the tool's output (the terminal after `approvals approve`, `approvals show` of a completed request; a
 * banner can say the same). Every value is the tool's output, escaped and capped here. `link`: the record in
 * Odoo, when the output names one. `decimals`: the currency's (the output's amounts are JSON numbers: 600, not
 * 600.00), as the request's amount was written.
 */
export function outcomeSentence(
  tool: string,
  output: unknown,
  decimals = 0,
): { text: string; link?: string } {
  const o = (output && typeof output === "object" ? output : {}) as Record<string, unknown>;
  const s = (key: string, max = 120) => inline(o[key] === undefined || o[key] === null ? "" : o[key], max);
  const money = (key: string) =>
    inline(
      moneyText(
        typeof o[key] === "number" ? o[key] : String(o[key] ?? ""),
        String(o.currency ?? ""),
        decimals,
      ),
      60,
    );
  const link =
    typeof o.odoo_url === "string" && /^https?:\/\//.test(o.odoo_url) ? inline(o.odoo_url, 300) : undefined;
  const withLink = (text: string) => (link ? { text, link } : { text });
  switch (tool) {
    case "create_invoice":
      return withLink(
        `draft invoice for ${s("customer")}, ${money("total_amount")}, created in Odoo (record ${s("record_id", 20)}); nothing was sent`,
      );
    case "send_invoice":
      return withLink(
        `${s("invoice_id")} ${o.posted === true ? "posted and " : ""}emailed to ${s("sent_to")}`,
      );
    case "post_invoice":
      return withLink(`${s("invoice_id")} posted`);
    case "create_credit_note": {
      const refund = (o.refund && typeof o.refund === "object" ? o.refund : null) as Record<
        string,
        unknown
      > | null;
      const refunded = refund
        ? `; ${inline(moneyText(typeof refund.amount === "number" ? refund.amount : String(refund.amount ?? ""), String(o.currency ?? ""), decimals), 60)} paid back (payment ${inline(refund.id ?? "", 60)})`
        : "";
      return withLink(
        `credit note ${s("credit_note_id")} of ${money("total_amount")} posted for ${s("invoice_id")}${refunded}`,
      );
    }
    case "record_payment":
      return withLink(
        `payment ${s("payment_id")} of ${money("amount")} recorded against ${s("invoice_id")}; ${
          o.invoice_status === "paid"
            ? "the invoice is paid in full"
            : `${money("amount_residual")} left to pay`
        }`,
      );
    case "create_expense":
      // The agent's description last: before the amount, a `Lunch" of 1.00 USD filed…` would read as ours.
      return withLink(
        `expense of ${money("total_amount")} filed for ${s("employee")}; ${expenseState(o)} — "${s("description")}"`,
      );
    default:
      return withLink(`${inline(tool, 40)} done`);
  }
}

/**
 * Where the expense stands in Odoo, in its own words (`odoo_state`): Odoo 19 approves an employee's expense at once
 * when no one else approves their expenses, so "submitted" alone (the contract's status) would mislead.
 */
function expenseState(o: Record<string, unknown>): string {
  if (o.odoo_state === "approved")
    return "Odoo approved it at once (no expense approver); nothing is paid until it is paid in Odoo";
  if (o.odoo_state === "draft" || o.status === "draft") return "kept as a draft in Odoo (not submitted)";
  return "submitted for approval in Odoo";
}

/** A request as `outcomeText` reads it: its tool and status, its stored outcome and decision. */
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

/**
 * The number of decimals an amount was written with ("1719.25" → 2, a yen amount "1720" → 0); 2 when there is no
 * amount to go by.
 */
export function decimalsOf(amount: string | undefined): number {
  const match = /^-?\d+(?:\.(\d+))?$/.exec(amount ?? "");
  return match ? (match[1]?.length ?? 0) : 2;
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

/**
 * What became of a request, whatever its status, for the app's banners and history: the sentence above for one
 * that ran ("INV/2026/00001 posted and emailed to …"), else "Rejected: wrong customer", "Failed — CODE: …"...
 */
export function outcomeText(of: OutcomeOf): string {
  const failed = of.outcome as { code?: unknown; message?: unknown } | undefined;
  switch (of.status) {
    case "executed": {
      const output = outputOf(of.outcome);
      if (!output) return "Done in Odoo";
      const { text } = outcomeSentence(of.tool, output, decimalsOf(of.amount));
      return `${text.charAt(0).toUpperCase()}${text.slice(1)}`;
    }
    case "failed":
      return `Failed — ${inline(failed?.code ?? "", 40)}: ${inline(failed?.message ?? "", 300)}`;
    case "rejected":
      return `Rejected${of.reason ? `: ${inline(of.reason, 300)}` : ""}`;
    case "expired":
      return "Expired undecided";
    case "approved":
      return of.queued ? "Approved — queued until Odoo answers" : "Approved — running";
    default:
      return inline(of.status, 40);
  }
}
