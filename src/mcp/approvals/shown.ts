import { type RequestDocument, requestDocument } from "../../shared/document.js";
import { documentDigest } from "./ids.js";
import type { ApprovalRecord } from "./store.js";

/**
 * The request document a person read when they decided (kept in the record, `shownDocument`), for the history to
 * show the request "as it was approved". Display only: what runs is always the verified arguments. The file is
 * within the agent's reach, so the copy is believed only while its digest matches the one inside the decision,
 * which the decision's signature covers (and, in keychain mode, the record's seal); otherwise it is shown under a
 * warning, never silently.
 */
export interface ShownDocument {
  /** Absent when the stored copy is not a document at all (then only the warning is shown). */
  document?: RequestDocument;
  /** Why this copy may not be what the person read; absent when it checks. */
  problem?: string;
}

export function shownAsDecided(
  record: ApprovalRecord,
  trust: { integrity: string[]; sealed: boolean; decisionVerifies: boolean },
): ShownDocument | null {
  if (record.shownDocument === undefined) return null;
  const parsed = requestDocument.safeParse(record.shownDocument);
  const digest = record.decision?.documentSha256;
  const problem =
    !parsed.success || digest !== documentDigest(record.shownDocument)
      ? "This copy was changed after the decision: it is not what the person read."
      : trust.integrity.length > 0
        ? "The request's file was changed outside odoo-mcp: this copy may not be what the person read."
        : !trust.sealed && !trust.decisionVerifies
          ? "Without the OS keychain this copy cannot be checked here: it may not be what the person read."
          : undefined;
  return { ...(parsed.success ? { document: parsed.data } : {}), ...(problem ? { problem } : {}) };
}
