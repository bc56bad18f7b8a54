import { createArchive } from "./store/archive.js";
import { createClaims } from "./store/claims.js";
import { createStoreContext } from "./store/context.js";
import { createListing, createLiveSnapshot } from "./store/listing.js";
import { createRecords } from "./store/records.js";
import { createRequests } from "./store/requests.js";
import type { ApprovalStore, ApprovalStoreOptions } from "./store/types.js";
import { createWatch } from "./store/watch.js";

/**
 * The approval store: `<dataDir>/approvals/<id>.json`, one file per request, shared by every process of the
 * installation (MCP servers, the CLI, the desktop app). Each change is a read-modify-write under a per-request
 * lock file and lands with an atomic rename.
 *
 * The files are within the agent's reach, so nothing in them is trusted for what it says:
 * - In keychain mode every record is **sealed** (HMAC over the whole record, key in the OS keychain): an edited
 *   status, decision, outcome or argument breaks the seal. An older sealed copy put back (a rewind) is caught by
 *   the **journal** (`journal.ts`), whose head the keychain remembers; and the executor asks Odoo for the
 *   approval's own effect before every write.
 * - A decision carries its own signature, made with the key of the process that took it (keychain, the person's
 *   passphrase, or this process's ephemeral key); only a holder of that key can run it.
 * - What a person reads to decide is never stored text: `view.ts` derives it from the verified arguments and Odoo.
 *   The document they read is kept with their decision for the history only (`shown.ts`), its digest signed in it.
 *
 * Status: pending → approved | rejected | expired; approved → executed | failed.
 *
 * Layout (a year of requests): only undecided and approved-not-yet-completed requests live in `approvals/`; a
 * completed one (executed, failed, rejected, expired) is moved, still sealed, to
 * `approvals/archive/YYYY-MM/<id>.json` (the month it was made) when it completes. Listing the pending or approved
 * ones, the runner and the watch read only `approvals/`, whose size is bounded by the caps; `get` finds an
 * archived request by id (a stat per month). The directory a file lies in is never trusted for what the request
 * is: every record is read and verified as before, wherever it lies. A file moved between the two only changes
 * where it is looked for (a completed request put back among the active ones is archived again; an active copy
 * beside a sealed completed one in the archive is a leftover of a crash, or a rewind, and the completed one wins).
 *
 * Whatever is not a regular file where a request's file is (a FIFO, a socket, a folder, a symbolic link, even
 * to a genuine record elsewhere) is never opened in a way that could wait and never followed: reading that request
 * throws a `NotRegularFileError` naming it; a listing leaves it out and reports it (`ListReport`), so that every
 * other request is still listed, run and decided. A folder of the store replaced by a link or anything else is
 * left out of listings the same way.
 */

export type { KeySource } from "./keys.js";
export { ARCHIVE_DIR, JOURNAL_FILE, lockSigner, notFound } from "./store/context.js";
export {
  APPROVAL_STATUSES,
  type ApprovalDecision,
  type ApprovalOutcome,
  type ApprovalRecord,
  type ApprovalStatus,
  DECISION_CHANNELS,
  type DecisionChannel,
  type DecisionKeySource,
} from "./store/schema.js";
export {
  type ApprovalStore,
  type ApprovalStoreOptions,
  type CreateApprovalInput,
  DEFAULT_LIMITS,
  type DecideInput,
  type ListFilter,
  type ListReport,
  type SeedItem,
  type StoreLimits,
} from "./store/types.js";

/**
 * The store in parts (`store/`), each on the one shared context (`context.ts`: the request file's paths, seal and
 * parsing; the journal; the locks): `records` reads and writes one request under its lock; `listing` lists them
 * (with its live snapshot); `archive` holds the completed ones; `requests` makes and decides them; `claims` runs
 * them exactly once; `watch` tells of changes.
 */
export async function createApprovalStore(options: ApprovalStoreOptions): Promise<ApprovalStore> {
  const ctx = await createStoreContext(options);
  const live = createLiveSnapshot(ctx);
  const records = createRecords(ctx, live.mark);
  const archive = createArchive(ctx, records);
  const listing = createListing(ctx, records, archive, live);
  return {
    dir: ctx.dir,
    decisionKey: ctx.decisionKey.source,
    sealed: ctx.sealed,
    integrity: ctx.integrity,
    holdsDecisionKey: ctx.decisionVerifies,
    get: records.get,
    list: listing.list,
    ...createRequests(ctx, records, listing),
    ...createClaims(ctx, records),
    ...createWatch(ctx, records),
    reserveBudget: (id, keys, amount, allow) =>
      ctx.journal.reserve(id, keys, amount, ctx.now().toISOString(), allow),
    budgetUsage: (keys) => ctx.journal.usage(keys),
    seedCompletedForBench: archive.seedCompletedForBench,
  };
}
