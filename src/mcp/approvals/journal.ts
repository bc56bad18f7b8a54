import { appendLinesDurable } from "../fsutil/files.js";
import { withLock } from "../fsutil/lock.js";
import { createContext, type JournalContext, type JournalOptions, lastHead } from "./journal/context.js";
import { budgetsOf, lookup, trailOf } from "./journal/read.js";
import type { Journal, JournalEntry } from "./journal/types.js";

/**
 * The approval journal: one line per decision, attempt and completion, append-only, each line chained to the one
 * before it (`chain/chain.ts`). With a key (keychain mode) a link is an HMAC that only the key's holder can
 * compute, and the chain's head (sequence number and link) is kept in the OS keychain after every append:
 * removing lines, truncating the file or putting back an older copy is seen, because the head no longer matches.
 * That is what stops an executed request, rewound to "approved" in its file, from running again even when the
 * Odoo-side check could not tell (the executor also asks Odoo first). Without a key the links are plain SHA-256:
 * edits in the middle are seen, a rewritten tail is not (passphrase mode, where no process executes what it did
 * not decide itself).
 *
 * A journal that is not a regular file (a FIFO, a link, a folder) is never read as if it were empty: its state
 * has that as its problem (nothing runs, no automatic approval is given), and an append throws a
 * `NotRegularFileError` naming it. Neither waits.
 *
 * The parts, around one `JournalContext` (`journal/context.ts`): `journal/scan.ts` reads and verifies what was
 * appended, `journal/checkpoint.ts` keeps a sealed summary so that a new process need not read a year of lines,
 * `journal/read.ts` answers from them against the keychain's head, `journal/trails.ts` adds the lines up.
 */

export type {
  Journal,
  JournalAnchor,
  JournalEvent,
  JournalHead,
  JournalLine,
  JournalState,
  JournalTrail,
} from "./journal/types.js";

export function createJournal(file: string, options: JournalOptions): Journal {
  const ctx = createContext(file, options);
  const locked = <T>(run: () => Promise<T>) => withLock(`${file}.lock`, run, ctx.lockOptions);
  return {
    async appendBatch(lines) {
      if (lines.length === 0) return;
      await locked(() => appendLocked(ctx, lines));
    },
    async append(id, event, at) {
      await locked(() => appendLocked(ctx, [{ id, event, at }]));
    },
    async reserve(id, keys, amount, at, allow) {
      return locked(async () => {
        const { problems, value: used } = await lookup(ctx, budgetsOf(ctx, keys));
        if (problems.length > 0) return `the approval journal cannot be trusted (${problems.join("; ")})`;
        const refusal = allow(used);
        if (refusal) return refusal;
        await appendLocked(ctx, [{ id, event: "reserved", at, keys, amount }]);
        return null;
      });
    },
    async usage(keys) {
      const { problems, value: used } = await lookup(ctx, budgetsOf(ctx, keys));
      return { problems, used };
    },
    async state(id) {
      const { problems, value } = await lookup(ctx, trailOf(ctx, id));
      return { ...value, problems };
    },
  };
}

/**
 * Appends lines after the last one on disk, in one write and one fsync, then moves the keychain's head to the
 * last of them; the caller holds the journal's lock.
 */
async function appendLocked(ctx: JournalContext, entries: JournalEntry[]): Promise<void> {
  const { lines, head } = ctx.chain.extend(await lastHead(ctx), entries);
  await appendLinesDurable(ctx.file, lines, ctx.where);
  await ctx.anchor?.save(head);
}
