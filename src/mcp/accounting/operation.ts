import type { z } from "zod";
import type { Odoo } from "../odoo/types.js";

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
   * Answers what the human is asked to approve.
   */
  prepare(odoo: Odoo, input: Input): Promise<PreparedWrite>;
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
    ref: { approvalId: string; marker?: AttemptMarker },
  ): Promise<Output | null>;
  /**
   * Performs the write through Odoo's own business flow, tagging what it creates with `ref.approvalId`.
   * Re-validates what may have changed since `prepare`.
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

/** Which approval an `apply` runs for, and the marker persisted for this attempt. */
export interface ApplyRef {
  approvalId: string;
  marker: AttemptMarker;
}

/**
 * Which way money moves when an approved operation runs: `in` (a customer invoice, a customer's payment), `out`
 * (a vendor bill posted, a bill paid, any refund or credit note) or `none` (nothing is owed or paid yet: an
 * expense filed for Odoo's own expense approval). Money going out is never approved in the chat or by the policy
 * alone (`approvals/policy.ts`). Each operation's `prepare` declares it from the document, with `moneyDirectionOf` (accounting/records.ts).
 */
export type MoneyDirection = "in" | "out" | "none";

export interface PreparedWrite {
  /** One or more lines a person reads before saying yes: who, what, amounts and totals, side effects. */
  summary: string;
  /** Which way money moves if it runs. */
  direction: MoneyDirection;
  /** Audit fields. */
  target: string;
  /** Decimal string in the document currency, when the operation moves money. */
  amount?: string;
  currency?: string;
  /** Structured facts for the approval window (partner, lines, totals); never secrets. */
  facts: Record<string, unknown>;
}

/** JSON-serialisable, persisted with the attempt. */
export type AttemptMarker = Record<string, string | number | boolean | null>;
