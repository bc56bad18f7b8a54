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
    case "record_payment":
      return withLink(
        `payment ${s("payment_id")} of ${money("amount")} recorded against ${s("invoice_id")}; ${
          o.invoice_status === "paid"
            ? "the invoice is paid in full"
            : `${money("amount_residual")} left to pay`
        }`,
      );
    case "create_expense":
      return withLink(
        `expense "${s("description")}" of ${money("total_amount")} filed for ${s("employee")} (${s("status", 20)})`,
      );
    default:
      return withLink(`${inline(tool, 40)} done`);
  }
}
