import { z } from "zod";
import { ERROR_CODES, type ErrorCode } from "../../errors.js";

// A request's file, `approvals/<id>.json` or `approvals/archive/YYYY-MM/<id>.json`: its shape on disk.

export const APPROVAL_STATUSES = [
  "pending",
  "approved",
  "rejected",
  "executed",
  "failed",
  "expired",
] as const;
export type ApprovalStatus = (typeof APPROVAL_STATUSES)[number];
export const DECISION_CHANNELS = ["cli", "tray", "elicitation", "auto"] as const;
export type DecisionChannel = (typeof DECISION_CHANNELS)[number];
/** The statuses a request never leaves; a request in one of them lives in the archive. */
export const COMPLETED: ReadonlySet<ApprovalStatus> = new Set(["executed", "failed", "rejected", "expired"]);

const markerValue = z.union([z.string(), z.number(), z.boolean(), z.null()]);
const decisionSchema = z.object({
  decision: z.enum(["approved", "rejected"]),
  channel: z.enum(DECISION_CHANNELS),
  actor: z.string(),
  reason: z.string().optional(),
  at: z.string(),
  key: z.enum(["keychain", "passphrase", "process"]),
  /** sha256 of the canonical JSON of the document the person was shown (`shownDocument`); signed with the rest. */
  documentSha256: z.string().optional(),
  /**
   * The items of a batch the person approved, by index in the document's `items` (ascending); absent: all of
   * them. Signed with the rest: editing it breaks the decision (and, in keychain mode, the seal).
   */
  keep: z.array(z.number().int().nonnegative()).min(1).optional(),
  signature: z.string(),
});
const claimSchema = z.object({
  pid: z.number(),
  host: z.string(),
  at: z.string(),
  owner: z.string().optional(),
});
export const recordSchema = z.object({
  v: z.literal(2),
  id: z.string(),
  tool: z.string(),
  args: z.unknown(),
  /**
   * What the person approves about Odoo's records, by id (`PreparedWrite.binding`), as `prepare` found it when the
   * request was made. Covered by `argsHash` (so by the seal and by the decision's signature); absent on requests
   * made before bindings existed, which run unchecked.
   */
  binding: z.record(z.string(), z.union([z.string(), z.number(), z.null()])).optional(),
  argsHash: z.string(),
  requestedBy: z.string().optional(),
  /**
   * Who/what/how much as `prepare` found it when the request was made (`target` is the document's name): for audit
   * lines and one-line lists (`approvals list`, the tray), sealed with the record. What a person decides on is
   * never this: the view derives it anew from the arguments and Odoo (view.ts).
   */
  meta: z.object({
    target: z.string(),
    amount: z.string().optional(),
    currency: z.string().optional(),
    direction: z.enum(["in", "out", "none"]).optional(),
    /** Decided by a person only (a bank reconciliation or its undo): no chat, no policy. */
    personOnly: z.boolean().optional(),
  }),
  status: z.enum(APPROVAL_STATUSES),
  createdAt: z.string(),
  expiresAt: z.string(),
  decision: decisionSchema.optional(),
  execution: z
    .object({
      state: z.enum(["running", "queued"]),
      claim: claimSchema.optional(),
      attempts: z.array(z.object({ at: z.string(), marker: z.record(z.string(), markerValue) })),
      /** How many times it was claimed (the journal counts them too). */
      claims: z.number().int().optional(),
    })
    .optional(),
  outcome: z
    .union([
      z.object({ ok: z.literal(true), output: z.unknown() }),
      z.object({ ok: z.literal(false), code: z.enum(ERROR_CODES), message: z.string() }),
    ])
    .optional(),
  completedAt: z.string().optional(),
  /**
   * The request document the person read when deciding (src/shared/document.ts), kept for the history only: never
   * what runs, and believed only while its digest matches the decision's `documentSha256` (see `shownAsDecided`).
   */
  shownDocument: z.unknown().optional(),
  seal: z.string().optional(),
});

export type ApprovalRecord = z.infer<typeof recordSchema>;
export type ApprovalDecision = NonNullable<ApprovalRecord["decision"]>;
export type ApprovalOutcome = { ok: true; output: unknown } | { ok: false; code: ErrorCode; message: string };
export type DecisionKeySource = ApprovalDecision["key"];
