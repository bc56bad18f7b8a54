import { decidedWords } from "../../shared/channels.js";
import { inline, safeJson } from "../../shared/display.js";
import type { RequestDocument } from "../../shared/document.js";
import { documentText, localTimeText } from "../../shared/document-text.js";
import { moneyText } from "../../shared/money-text.js";
import { decimalsOf, outcomeSentence } from "../../shared/outcome-text.js";
import { toolLabel } from "../../shared/tool-labels.js";
import { bindingChanges, type PreparedWrite } from "../accounting/operation.js";
import type { ApprovalRecord } from "./store.js";

/**
 * What a person sees of a request, in the terminal, the MCP client's prompt and (later) the app. Never stored
 * text: it is derived when it is shown, from the request's verified arguments and from Odoo's own data (the
 * operation's read-only `prepare` run again), so that editing a file cannot make the person read 5.00 while 500
 * is paid. Every value that came from the agent or from Odoo is escaped and capped by `display.ts` when it is
 * rendered as text.
 */

import { type PersonView, personView } from "../../shared/views.js";

export { type PersonView, personView };

const LABELS: Record<string, string> = {
  unit_price: "unit price",
  invoice_id: "invoice",
};

/**
 * The exact arguments flattened into labelled rows, in the tool's own order: what a view shows when Odoo cannot
 * be reached (and so no document can be made).
 */
function rowsOf(value: unknown, label: string, out: { label: string; value: string }[]): void {
  if (value === null || value === undefined || value === "") return;
  if (Array.isArray(value)) {
    value.forEach((item, index) => {
      rowsOf(item, `${label} ${index + 1}`, out);
    });
    return;
  }
  if (typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>);
    const named = entries.find(([key]) => key === "name");
    // A record with a name (partner, journal, tax) reads as its name, with its id beside it.
    if (named && entries.every(([key, v]) => key === "name" || key === "id" || typeof v !== "object")) {
      const id = entries.find(([key]) => key === "id")?.[1];
      const extra = entries
        .filter(([key]) => key !== "name" && key !== "id")
        .map(([key, v]) => `${LABELS[key] ?? key.replace(/_/g, " ")} ${String(v)}`);
      out.push({
        label,
        value: [String(named[1]), ...(id !== undefined ? [`(id ${String(id)})`] : []), ...extra].join(" "),
      });
      return;
    }
    if (entries.every(([, v]) => v === null || typeof v !== "object")) {
      const parts = entries
        .filter(([, v]) => v !== null && v !== undefined && v !== "")
        .map(([key, v]) => `${LABELS[key] ?? key.replace(/_/g, " ")}: ${String(v)}`);
      out.push({ label, value: parts.join(", ") });
      return;
    }
    for (const [key, v] of entries)
      rowsOf(v, `${label ? `${label} ` : ""}${LABELS[key] ?? key.replace(/_/g, " ")}`, out);
    return;
  }
  out.push({ label, value: typeof value === "boolean" ? (value ? "yes" : "no") : String(value) });
}

/** The document as labelled rows, for a surface that lays out rows only: who, the lines, the amounts, the rest. */
function documentRows(document: RequestDocument): { label: string; value: string }[] {
  return [
    ...(document.party ? [{ label: document.party.role, value: document.party.name }] : []),
    ...(document.lines ?? []).map((line, index) => ({
      label: `Line ${index + 1}`,
      value: `${line.description}: ${line.quantity} × ${line.unit_price}${line.taxes ? ` (tax ${line.taxes})` : ""} = ${line.subtotal}`,
    })),
    ...document.amounts.map((amount) => ({ label: amount.label, value: amount.amount })),
    ...document.rows,
  ];
}

/**
 * What changed in Odoo since the agent asked (the request's stored binding against the one `prepare` found just
 * now), as problems that stop an approval: a person approves what they read, and what runs must be that. Only for
 * requests that have yet to run (a completed one is history).
 */
export function changedSinceAsked(record: ApprovalRecord, prepared: PreparedWrite | null): string[] {
  if (!prepared || !record.binding || (record.status !== "pending" && record.status !== "approved"))
    return [];
  const changes = bindingChanges(record.binding, prepared.binding);
  if (changes.length === 0) return [];
  return [
    `changed in Odoo since the agent asked: ${changes.map((c) => `${c.label} was ${c.approved}, now ${c.now}`).join("; ")}. It cannot run as asked: reject it, and let the agent ask again`,
  ];
}

/**
 * The view of a record. `prepared` is the operation's `prepare` run just now on the stored arguments (Odoo's
 * data); `null` when Odoo could not be reached, then only the arguments are shown. `refused`: prepare's error.
 * `integrity` holds `problems` and what changed in Odoo since the agent asked (`changedSinceAsked`).
 */
export function buildView(
  record: ApprovalRecord,
  prepared: PreparedWrite | null,
  problems: string[],
  refused?: string,
): PersonView {
  const details: { label: string; value: string }[] = [];
  if (prepared) details.push(...documentRows(prepared.document));
  else
    for (const [key, value] of Object.entries((record.args ?? {}) as Record<string, unknown>))
      rowsOf(value, key.replace(/_/g, " "), details);
  const decision = record.decision;
  return {
    approval_id: record.id,
    tool: record.tool,
    status: record.status,
    title: prepared
      ? prepared.document.name
      : `${record.tool.replace(/_/g, " ")} (Odoo could not be reached)`,
    ...(prepared?.amount !== undefined ? { amount: prepared.amount } : {}),
    ...(prepared?.currency ? { currency: prepared.currency } : {}),
    details,
    ...(prepared ? { document: prepared.document } : {}),
    derived_from: prepared ? "odoo" : "arguments",
    integrity: [...problems, ...changedSinceAsked(record, prepared)],
    ...(refused ? { refused } : {}),
    ...(prepared ? { facts: prepared.facts } : {}),
    arguments: record.args,
    ...(record.requestedBy ? { requested_by: record.requestedBy } : {}),
    created_at: record.createdAt,
    expires_at: record.expiresAt,
    ...(decision
      ? {
          decision: {
            decision: decision.decision,
            by: decision.actor,
            channel: decision.channel,
            at: decision.at,
            ...(decision.reason ? { reason: decision.reason } : {}),
            ...(decision.keep ? { keep: decision.keep } : {}),
          },
        }
      : {}),
    ...(record.outcome ? { outcome: record.outcome } : {}),
  };
}

/** "1,719.25 USD" from a request's decimal amount and currency; empty without an amount. */
function amountOf(amount: string | undefined, currency: string | undefined): string {
  return amount === undefined ? "" : inline(moneyText(amount, currency ?? ""), 40);
}

/**
 * The view as terminal text, a short document: what it is and its amount first (nothing the agent wrote into the
 * name can push the amount off the first line), what approving does, the lines as a table, the amounts, the
 * rows; then who asked and when (local time), the decision and the outcome as sentences. Every value escaped
 * (no control character reaches the screen) and capped.
 */
export function renderView(view: PersonView, options: { arguments?: boolean; link?: string } = {}): string {
  const lines: string[] = [];
  const amount = amountOf(view.amount, view.currency);
  lines.push(`${toolLabel(view.tool)}, ${amount || "amount not known yet"}: ${inline(view.title, 160)}`);
  for (const problem of view.integrity) lines.push(`!! NOT TRUSTWORTHY: ${inline(problem, 300)}`);
  if (view.refused) lines.push(`!! Odoo would refuse it now: ${inline(view.refused, 300)}`);
  if (view.document) lines.push(documentText(view.document, { name: false }));
  else {
    lines.push("(Odoo cannot be reached: shown from the exact arguments alone, nothing looked up)");
    const width = Math.min(24, Math.max(0, ...view.details.map((d) => Math.min(24, d.label.length))));
    for (const detail of view.details.slice(0, 250))
      lines.push(`  ${inline(detail.label, 24).padEnd(width)}  ${inline(detail.value, 240)}`);
    if (view.details.length > 250) lines.push(`  … ${view.details.length - 250} more`);
  }
  lines.push("");
  lines.push(
    `Asked${view.requested_by ? ` by ${inline(view.requested_by, 60)}` : ""} on ${localTimeText(view.created_at)}; ` +
      (view.status === "pending"
        ? `it expires on ${localTimeText(view.expires_at)} if nobody decides.`
        : `it is ${inline(view.status, 20)}.`),
  );
  if (view.decision)
    lines.push(
      `${capitalised(decidedWords(view.decision, view.requested_by, view.document?.items?.length))} by ${inline(view.decision.by, 80)} on ${localTimeText(view.decision.at)}${view.decision.reason ? `: ${inline(view.decision.reason, 200)}` : ""}.`,
    );
  const outcome = outcomeText(view.tool, view.outcome, { link: options.link, amount: view.amount });
  if (outcome) lines.push(outcome);
  if (options.arguments) lines.push("", `Exact arguments: ${safeJson(view.arguments, 8000)}`);
  // Each value is escaped and capped where it is put in (display.ts), the document's by documentText: the layout's
  // own spaces (the table's columns) stay as they are.
  return lines.join("\n");
}

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * What a completed request did, as a sentence with the record's link in Odoo: "Done: INV/2026/00001 posted and
 * emailed to … — https://…"; "It failed in Odoo: CODE: message". `link`: the record's link when the output has
 * none (a payment); `amount`: the request's amount (`"600.00"`), whose decimals are the currency's. Undefined when
 * it has not run.
 */
export function outcomeText(
  tool: string,
  outcome: unknown,
  about: { link?: string | undefined; amount?: string | undefined } = {},
): string | undefined {
  if (!outcome || typeof outcome !== "object") return undefined;
  const o = outcome as { ok?: unknown; output?: unknown; code?: unknown; message?: unknown };
  if (o.ok === false) return `It failed in Odoo: ${inline(o.code, 40)}: ${inline(o.message, 1000)}`;
  const done = outcomeSentence(tool, o.output, decimalsOf(about.amount));
  const url = done.link ?? (about.link ? inline(about.link, 300) : undefined);
  return `Done: ${done.text}${url ? ` — ${url}` : ""}`;
}

/**
 * One line per request for `approvals list`: its status, what it is, its amount with its currency and its name:
 * `name` when the caller knows a newer one (history.ts: an invoice by the number a later outcome told), otherwise
 * the one `prepare` gave it when it was asked (the record's sealed `meta`). No Odoo round trip per line; `show`
 * looks in Odoo again.
 */
export function renderLine(record: ApprovalRecord, problems: string[], name = record.meta.target): string {
  const amount = amountOf(record.meta.amount, record.meta.currency);
  const mark = problems.length > 0 ? "  !! not trustworthy" : "";
  return `${record.id}  ${inline(record.status, 10).padEnd(8)}  ${toolLabel(record.tool).padEnd(15)} ${amount.padStart(16)}  ${inline(name, 100)}${mark}`;
}
