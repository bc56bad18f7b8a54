import path from "node:path";
import { appendLineDurable, readTextIfExists, writeFileAtomic } from "../fsutil/files.js";
import { type LockAuthority, tryAcquireLock, withLock } from "../fsutil/lock.js";

/**
 * The offline queue: `.odoo_queue.jsonl` under the data folder, JSON Lines, each line appended and fsynced.
 * It holds only approval ids of approved operations (the arguments stay, signed, in the approval store):
 *
 *   {"type":"enqueued","approvalId":"apr_…","tool":"record_payment","at":"…"}
 *   {"type":"done","approvalId":"apr_…","result":"executed","at":"…"}
 *
 * An id is pending from its first `enqueued` line after its last `done` line; pending entries keep that order.
 * One process at a time drains it (`withDrainLock`).
 */

export interface QueueEntry {
  approvalId: string;
  tool: string;
  at: string;
}

export type QueueLine =
  | { type: "enqueued"; approvalId: string; tool: string; at: string }
  | { type: "done"; approvalId: string; result: "executed" | "failed"; at: string };

export interface OfflineQueue {
  readonly file: string;
  /** Appends an entry; an id already pending keeps its place (no duplicate). */
  enqueue(approvalId: string, tool: string): Promise<void>;
  /** Pending entries, oldest first. */
  pending(): Promise<QueueEntry[]>;
  markDone(approvalId: string, result: "executed" | "failed"): Promise<void>;
  /** Rewrites the file with only the pending entries (atomic). */
  compact(): Promise<void>;
  /** Runs `fn` as the only drainer across processes; `null` (without running it) if another process is draining. */
  withDrainLock<T>(fn: () => Promise<T>): Promise<T | null>;
}

export const QUEUE_FILE = ".odoo_queue.jsonl";

export function createOfflineQueue(
  dataDir: string,
  options: { now?: () => Date; lockAuthority?: LockAuthority } = {},
): OfflineQueue {
  const now = options.now ?? (() => new Date());
  // Errors name the files relative to the data folder. A queue file that is not a file (a FIFO, a link) is
  // refused at once, never read as an empty queue: nothing runs past it.
  const where = { root: dataDir };
  // Signed locks (keychain mode): a lock file the agent plants holds up nothing.
  const signed = { ...where, ...(options.lockAuthority ? { authority: options.lockAuthority } : {}) };
  const file = path.join(dataDir, QUEUE_FILE);
  // Appends are atomic on their own; this lock only keeps `compact` from dropping a line appended meanwhile.
  const writeLock = `${file}.lock`;
  const drainLock = `${file}.drain.lock`;

  const readLines = async (): Promise<QueueLine[]> => {
    const text = await readTextIfExists(file, where);
    if (!text) return [];
    const lines: QueueLine[] = [];
    for (const raw of text.split("\n")) {
      if (!raw.trim()) continue;
      try {
        const line = JSON.parse(raw) as QueueLine;
        if (typeof line.approvalId === "string" && (line.type === "enqueued" || line.type === "done"))
          lines.push(line);
      } catch {
        // a torn last line after a crash
      }
    }
    return lines;
  };

  const pendingOf = (lines: QueueLine[]): QueueEntry[] => {
    const pending = new Map<string, QueueEntry>();
    for (const line of lines) {
      if (line.type === "done") pending.delete(line.approvalId);
      else if (!pending.has(line.approvalId))
        pending.set(line.approvalId, { approvalId: line.approvalId, tool: line.tool, at: line.at });
    }
    return [...pending.values()];
  };

  const append = (line: QueueLine) =>
    withLock(writeLock, () => appendLineDurable(file, JSON.stringify(line), where), signed);

  return {
    file,
    async enqueue(approvalId, tool) {
      await withLock(
        writeLock,
        async () => {
          if (pendingOf(await readLines()).some((entry) => entry.approvalId === approvalId)) return;
          await appendLineDurable(
            file,
            JSON.stringify({
              type: "enqueued",
              approvalId,
              tool,
              at: now().toISOString(),
            } satisfies QueueLine),
            where,
          );
        },
        signed,
      );
    },
    async pending() {
      return pendingOf(await readLines());
    },
    async markDone(approvalId, result) {
      await append({ type: "done", approvalId, result, at: now().toISOString() });
    },
    async compact() {
      await withLock(
        writeLock,
        async () => {
          const pending = pendingOf(await readLines());
          const text = pending
            .map((entry) => JSON.stringify({ type: "enqueued", ...entry } satisfies QueueLine))
            .join("\n");
          await writeFileAtomic(file, text ? `${text}\n` : "", where);
        },
        signed,
      );
    },
    async withDrainLock(fn) {
      // A drain may run for minutes (Odoo calls): its lock is never judged stale by age, only by its holder.
      const lock = await tryAcquireLock(drainLock, {
        owner: "drain",
        maxHoldMs: Number.POSITIVE_INFINITY,
        ...signed,
      });
      if (!lock) return null;
      try {
        return await fn();
      } finally {
        await lock.release();
      }
    },
  };
}
