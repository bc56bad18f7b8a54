import { inline } from "../../shared/display.js";
import type { ApprovalItem } from "../../shared/ipc.js";
import { type OutcomeOf, outcomeText, outputMoney, outputOf } from "../../shared/outcome-text.js";
import { recordUrl } from "../accounting/session.js";
import type { ShownDocument } from "./shown.js";
import type { ApprovalRecord } from "./store.js";

/**
 * A decided request as the approval window's history and `odoo-mcp approvals list` show it (`ApprovalItem.history`), from the stored record
 * alone (Odoo is not asked again for the history): its name as the person knows it now, its amount with its
 * currency, what became of it, links to the Odoo records it made or changed, and the document read when deciding.
 */

/** Invoice numbers by Odoo move id, as later requests found them (a draft created here, then sent, has one). */
export type Names = ReadonlyMap<number, string>;

const INVOICE_TOOLS = new Set(["create_invoice", "send_invoice", "post_invoice", "record_payment"]);
/** Where each tool's output holds the amount it booked. */
const AMOUNT_KEY: Record<string, string> = {
  create_invoice: "total_amount",
  post_invoice: "total_amount",
  record_payment: "amount",
  create_expense: "total_amount",
  create_credit_note: "total_amount",
};

/** The Odoo move (invoice) a request is about: the one it was bound to, or the one it created. */
function moveIdOf(record: ApprovalRecord): number | null {
  const bound = record.binding?.move_id;
  if (typeof bound === "number") return bound;
  const output = outputOf(record.outcome);
  return record.tool === "create_invoice" && typeof output?.record_id === "number" ? output.record_id : null;
}

/** A move's number once posted ("INV/2026/00001"); a draft's reference is its id alone. */
const numberIn = (value: unknown) =>
  typeof value === "string" && value && !/^\d+$/.test(value) ? value : null;

/**
 * The invoice numbers the history's own outcomes tell (a send, a post or a payment answers with the number). A
 * record that fails its integrity check (`store.integrity`: the agent rewrote its outcome) names no other request:
 * its own row carries the warning, theirs would not.
 */
export function invoiceNumbers(
  records: ApprovalRecord[],
  store: { integrity(record: ApprovalRecord): string[] },
): Names {
  const names = new Map<number, string>();
  // Oldest first: a later outcome tells the newer name.
  for (const record of [...records].reverse()) {
    if (store.integrity(record).length > 0) continue;
    const moveId = moveIdOf(record);
    const number = numberIn(outputOf(record.outcome)?.invoice_id);
    if (moveId !== null && number && record.tool !== "create_invoice") names.set(moveId, number);
  }
  return names;
}

export function outcomeOf(record: ApprovalRecord): OutcomeOf {
  return {
    tool: record.tool,
    status: record.status,
    outcome: record.outcome,
    ...(record.decision?.reason ? { reason: record.decision.reason } : {}),
    queued: record.execution?.state === "queued",
    ...(record.meta.amount !== undefined ? { amount: record.meta.amount } : {}),
    ...(record.meta.currency ? { currency: record.meta.currency } : {}),
  };
}

/**
 * An invoice by its number once it has one (as this or a later request's outcome told it); otherwise the name the
 * person read when deciding, or the one `prepare` gave the request when it was made (sealed with the record).
 */
export function nameOf(record: ApprovalRecord, names: Names, shown: ShownDocument | null): string {
  const output = outputOf(record.outcome) ?? {};
  // A copy that does not check may be the agent's text: its name is not the request's (the warning goes with it).
  const document = shown?.problem ? undefined : shown?.document;
  if (INVOICE_TOOLS.has(record.tool)) {
    const moveId = moveIdOf(record);
    const number = (moveId !== null ? names.get(moveId) : undefined) ?? numberIn(output.invoice_id);
    const party =
      document?.party?.name ?? output.customer ?? (record.args as { customer_name?: unknown })?.customer_name;
    if (number) {
      const invoice = `${number}${party ? `, ${inline(party, 80)}` : ""}`;
      return record.tool === "record_payment" ? `Payment on ${invoice}` : invoice;
    }
  }
  return inline(document?.name ?? record.meta.target, 160);
}

function amountOf(record: ApprovalRecord, of: OutcomeOf): string | undefined {
  const output = outputOf(record.outcome);
  const key = AMOUNT_KEY[record.tool];
  const booked = output && key ? outputMoney(of, output, key) : null;
  if (booked) return booked;
  return of.amount !== undefined
    ? (outputMoney(of, { amount: of.amount }, "amount") ?? undefined)
    : undefined;
}

function linksOf(record: ApprovalRecord, odooBase: string): { label: string; url: string }[] {
  const output = outputOf(record.outcome);
  if (!output) return [];
  const links: { label: string; url: string }[] = [];
  const what = record.tool === "create_expense" ? "Expense" : "Invoice";
  if (typeof output.odoo_url === "string") links.push({ label: `${what} in Odoo`, url: output.odoo_url });
  if (record.tool === "record_payment") {
    // A payment answers with its own id and no link: both are built as the operations build theirs.
    if (typeof output.record_id === "number")
      links.push({
        label: "Payment in Odoo",
        url: recordUrl({ baseUrl: odooBase }, "account.payment", output.record_id),
      });
    const moveId = moveIdOf(record);
    if (moveId !== null)
      links.push({ label: "Invoice in Odoo", url: recordUrl({ baseUrl: odooBase }, "account.move", moveId) });
  }
  return links;
}

export function historyOf(
  record: ApprovalRecord,
  names: Names,
  shown: ShownDocument | null,
  odooBase: string,
): NonNullable<ApprovalItem["history"]> {
  const of = outcomeOf(record);
  const amount = amountOf(record, of);
  return {
    name: nameOf(record, names, shown),
    ...(amount ? { amount } : {}),
    done: outcomeText(of),
    links: linksOf(record, odooBase),
    ...(shown ? { shown } : {}),
  };
}
