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

/**
 * A kept copy larger than this is not shown: it travels with every history row to the window, and no request
 * document `prepare` makes comes near it (a request's arguments are at most 256 KiB).
 */
const MAX_DOCUMENT_CHARS = 512 * 1024;

export function shownAsDecided(
  record: ApprovalRecord,
  trust: { integrity: string[]; sealed: boolean; decisionVerifies: boolean },
): ShownDocument | null {
  const digest = record.decision?.documentSha256;
  if (record.shownDocument === undefined)
    // The decision says a copy was kept: its removal is said, never passed over as "none was kept".
    return digest === undefined
      ? null
      : { problem: "The copy the person read was removed from the request's file after the decision." };
  if ((JSON.stringify(record.shownDocument) ?? "").length > MAX_DOCUMENT_CHARS)
    return { problem: "This copy is too large to be what the person read: it is not shown." };
  const parsed = requestDocument.safeParse(record.shownDocument);
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
