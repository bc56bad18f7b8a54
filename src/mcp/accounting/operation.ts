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
  /** What the dry run answers: `prepare` has run; nothing is written. */
  dryRun(prepared: PreparedWrite, input: Input): Output | Record<string, unknown>;
}

/** Which approval an `apply` runs for, and the marker persisted for this attempt. */
export interface ApplyRef {
  approvalId: string;
  marker: AttemptMarker;
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
