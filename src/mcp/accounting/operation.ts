import type { z } from "zod";
import type { Odoo } from "../odoo/types.js";

/**
 * A write that changes the books, split so that the approval machinery and the offline queue can run it
 * safely: validated and described before anyone approves it, then applied at most once even if the process
 * dies half-way (the `marker`, persisted before `apply` starts, lets `findApplied` tell whether Odoo already
 * has the result).
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
   * Read-only: records what `findApplied` needs to recognise this operation's own effect later, e.g. the
   * highest `account.payment` id before the payment is created. Called, and persisted, before `apply`.
   */
  mark(odoo: Odoo, input: Input): Promise<AttemptMarker>;
  /** Read-only: the operation's output if a previous attempt with this marker already took effect in Odoo. */
  findApplied(odoo: Odoo, input: Input, marker: AttemptMarker): Promise<Output | null>;
  /** Performs the write through Odoo's own business flow. Re-validates what may have changed since `prepare`. */
  apply(odoo: Odoo, input: Input, marker: AttemptMarker): Promise<Output>;
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

export interface PreparedWrite {
  /** One or more lines a person reads before saying yes: who, what, amounts and totals, side effects. */
  summary: string;
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
