import type { z } from "zod";
import type { RequestDocument } from "../../shared/document.js";
import { ToolError } from "../errors.js";
import { displayMoney, parseDecimal, rescale } from "../money.js";
import type { Odoo } from "../odoo/types.js";
import type { AcrossProcesses } from "./one-at-a-time.js";

/**
 * A write that changes the books, split so that the approval machinery and the offline queue can run it
 * safely: validated and described before anyone approves it, then applied at most once.
 *
 * Exactly-once rests on Odoo, not on local files: every record `apply` creates carries the approval id where a
 * person can see it in Odoo (a field, or an internal chatter note: see each operation), and `findApplied` looks
 * for that id in Odoo. The executor asks `findApplied` before EVERY `apply`, also when its own record of
 * attempts is empty (the data folder may have been rewound or erased), so an approval whose effect Odoo already
 * holds answers that effect instead of writing again. The `marker` (persisted before `apply` starts) is only a
 * fallback for the short window in which a step cannot carry the id atomically (a record created, its note not
 * yet posted); each operation says where it uses it.
 */
export interface WriteOperation<Input, Output> {
  readonly tool: string;
  /** The output's one definition (zod); `Output` is inferred from it and the tool's output schema extends it. */
  readonly result: z.ZodObject;
  /**
   * Approved without a person when the approval policy allows it: `below-expense-threshold` (expenses under the
   * threshold, within the daily budget). Absent: a person always decides.
   */
  readonly autoApproval?: "below-expense-threshold";
  /**
   * Schema checks have passed; this does the read-only look-ups in Odoo (customer exists, invoice is posted,
   * amount within the residual...) and throws `ToolError` with the contract code when the input cannot work.
   * Answers what the human is asked to approve, with its `binding`. `bound`: the binding stored with the request
   * (the person's view of a stored request): what it fixes by id is looked up by id (create_invoice: the customer
   * the request named, not whoever bears that name now).
   */
  prepare(odoo: Odoo, input: Input, bound?: Binding): Promise<PreparedWrite>;
  /**
   * Read-only: records what the watermark fallback of `findApplied` needs, e.g. the highest `account.payment`
   * id before the payment is created. Called, and persisted, before `apply`.
   */
  mark(odoo: Odoo, input: Input): Promise<AttemptMarker>;
  /**
   * The operation's output if THIS approval's effect is already in Odoo, found by the approval id the records
   * carry (and, with a `marker`, by the watermark for the window before the id is attached). Otherwise null.
   * May finish the missing steps of an effect found half-done (each checked against Odoo first).
   */
  findApplied(
    odoo: Odoo,
    input: Input,
    ref: { approvalId: string; marker?: AttemptMarker; bound?: Binding; keep?: readonly number[] },
  ): Promise<Output | null>;
  /**
   * Performs the write through Odoo's own business flow, tagging what it creates with `ref.approvalId`.
   * Re-validates what may have changed since `prepare`, and checks `ref.bound` (what the person approved, by id)
   * against what it reads anyway, with `assertBound`, before its first write: a request whose records changed
   * fails with `APPROVAL_INVALID` and writes nothing.
   */
  apply(odoo: Odoo, input: Input, ref: ApplyRef): Promise<Output>;
  /**
   * DRY_RUN: `prepare` has run and Odoo answers. Read-only: the output fields as far as they can be known
   * without writing (ids of records not yet created are null; totals computed by Odoo read-only where it can),
   * and `would`, what the operation would do.
   */
  dryRun(odoo: Odoo, prepared: PreparedWrite, input: Input): Promise<DryRunPreview<Output>>;
}

/** What a dry run needs of an operation: its output's definition, its read-only checks and its preview. */
export type DryRunnable<Input, Output> = Pick<
  WriteOperation<Input, Output>,
  "tool" | "result" | "prepare" | "dryRun"
>;

/** A dry run's answer before the tool adds its status: every output field, null when it cannot be known. */
export interface DryRunPreview<Output> {
  fields: { [K in keyof Output]?: Output[K] | null };
  would: Record<string, unknown>;
}

/**
 * Which approval an `apply` runs for, the marker persisted for this attempt, and the binding stored with the
 * request (absent for requests made before bindings existed: they run unchecked, as they always did).
 */
export interface ApplyRef {
  approvalId: string;
  marker: AttemptMarker;
  bound?: Binding;
  /**
   * A batch (its document has `items`) approved in part by a person: the indices of the items approved, in the
   * order of the input, ascending; absent when the whole batch was approved. From the signed decision: apply only
   * these, and `findApplied` looks for only these.
   */
  keep?: readonly number[];
  /**
   * Holds keys among the server processes sharing the data folder while apply runs (one-at-a-time.ts): two approved
   * payments of one invoice run by two processes go one after the other. Absent: this process only.
   */
  across?: AcrossProcesses;
}

/**
 * Which way money moves when an approved operation runs: `in` (a customer invoice, a customer's payment), `out`
 * (a vendor bill posted, a bill paid, any refund or credit note) or `none` (nothing is owed or paid yet: an
 * expense filed for Odoo's own expense approval). Money going out is never approved in the chat or by the policy
 * alone (`approvals/policy.ts`). Each operation's `prepare` declares it from the document, with `moneyDirectionOf` (accounting/records.ts).
 */
export type MoneyDirection = "in" | "out" | "none";

export interface PreparedWrite {
  /** The request as a bookkeeper reads it; every surface (window, history, terminal, prompt) renders it. */
  document: RequestDocument;
  /** The document as text (`documentText`), for the MCP client's prompt and the agent: one definition of both. */
  summary: string;
  /** Which way money moves if it runs. */
  direction: MoneyDirection;
  /**
   * Decided only by a person, at the terminal or in the odoo-mcp app, never by the chat's prompt or the policy,
   * whatever the amount: a bank reconciliation and its undo (they say which invoices count as paid).
   */
  personOnly?: boolean;
  /** The document's name: the request's title in lists, notifications and audit lines. */
  target: string;
  /** Decimal string in the document currency, when the operation moves money. */
  amount?: string;
  currency?: string;
  /** Structured facts for machines (the dry run's `would`, get_approval); never secrets. People read `document`. */
  facts: Record<string, unknown>;
  /**
   * What the person approves about Odoo's records, by id: stored (and sealed, and covered by the arguments'
   * hash that a decision signs) with the request, compared by the view when the person looks again, and by
   * `apply` before its first write. See `Binding`.
   */
  binding: Binding;
}

/**
 * A small flat object of what a request is about in Odoo, as `prepare` found it: record ids (`partner_id`,
 * `move_id`, ...), a currency code, amounts as decimal strings with the currency's decimals (`"999.00"`), never
 * floats. Each operation builds it with one function from what it reads anyway, in `prepare` and in `apply`.
 */
export type Binding = Record<string, string | number | null>;

const BOUND_LABELS: Record<string, string> = {
  move_id: "record",
  move_type: "type",
  partner_id: "partner",
  currency: "currency",
  amount_total: "total",
  credited_total: "credited total",
  email: "recipient's email",
  journal_id: "payment journal",
  partner_bank_id: "vendor's bank account",
  tax_id: "tax",
  employee_id: "employee",
  product_id: "expense category",
};

/**
 * The decimals a binding's amount is written with (`"999.00"` → 2, `"5"` → 0): the currency's, since every
 * amount of a binding is formatted with them. Null when it is not a plain decimal.
 */
export function boundDecimals(value: string | number | null | undefined): number | null {
  if (typeof value !== "string") return null;
  const match = /^-?\d+(?:\.(\d+))?$/.exec(value);
  return match ? (match[1]?.length ?? 0) : null;
}

/** An amount of the binding for people: `"1999.00"`, `"USD"` → `"1,999.00 USD"`. */
function boundMoney(value: string | number | null, currency: string | number | null | undefined): string {
  const parsed = typeof value === "string" ? parseDecimal(value) : null;
  const decimals = boundDecimals(value);
  const code = typeof currency === "string" ? currency : "";
  if (!parsed || decimals === null) return `${String(value)} ${code}`.trim();
  return displayMoney(rescale(parsed, decimals), decimals, code).trim();
}

function boundValue(key: string, value: string | number | null | undefined, binding: Binding): string {
  if (value === null || value === undefined) return "none";
  if (key === "amount_total" || key === "credited_total") return boundMoney(value, binding.currency);
  if (key.endsWith("_id")) return `id ${String(value)}`;
  return String(value);
}

function sameBound(a: string | number | null | undefined, b: string | number | null | undefined): boolean {
  if (typeof a === "string" && typeof b === "string") {
    const x = parseDecimal(a);
    const y = parseDecimal(b);
    // Amounts: equal as decimals ("999.0" = "999.00"); other text exactly.
    if (x && y && /^-?\d+(\.\d+)?$/.test(a) && /^-?\d+(\.\d+)?$/.test(b)) {
      const scale = Math.max(x.scale, y.scale);
      return rescale(x, scale) === rescale(y, scale);
    }
  }
  return (a ?? null) === (b ?? null);
}

/**
 * What changed between the binding a person approved and the one found now, one entry per key (`{ label: "total",
 * approved: "999.00 USD", now: "1,999.00 USD" }`), in the approved binding's order. Keys the approved binding does
 * not hold are not compared; amounts compare as decimals. Empty when nothing changed.
 */
export function bindingChanges(
  approved: Binding,
  now: Binding,
  names: Partial<Record<string, string>> = {},
): { key: string; label: string; approved: string; now: string }[] {
  const changes: { key: string; label: string; approved: string; now: string }[] = [];
  for (const [key, value] of Object.entries(approved)) {
    if (sameBound(value, now[key])) continue;
    const name = names[key];
    changes.push({
      key,
      label: BOUND_LABELS[key] ?? key.replace(/_/g, " "),
      approved: boundValue(key, value, approved),
      now: `${boundValue(key, now[key], now)}${name ? ` (${name})` : ""}`,
    });
  }
  return changes;
}

/**
 * The one check of what runs against what was approved: throws `APPROVAL_INVALID` ("The draft vendor bill
 * (record id 42) changed since it was approved: its total was 999.00 USD, now 1,999.00 USD. Nothing was
 * written; ask again.") when `now` differs from `expected`. `expected` undefined: a request made before
 * bindings existed, which runs as it always did. Call it before the first write of an attempt.
 * `names`: what to show beside a changed value now (the new partner's name).
 */
export function assertBound(
  expected: Binding | undefined,
  now: Binding,
  what: string,
  names: Partial<Record<string, string>> = {},
): void {
  if (!expected) return;
  const changes = bindingChanges(expected, now, names);
  if (changes.length === 0) return;
  throw new ToolError(
    "APPROVAL_INVALID",
    `The ${what} changed since it was approved: ${changes
      .map((c) => `its ${c.label} was ${c.approved} when approved, ${c.now} now`)
      .join("; ")}. Nothing was written; ask again.`,
    { changed: changes.map((c) => c.key) },
  );
}

/** JSON-serialisable, persisted with the attempt. */
export type AttemptMarker = Record<string, string | number | boolean | null>;
