import { mkdir } from "node:fs/promises";
import path from "node:path";
import { writeNewFile } from "../../fsutil/files.js";
import { NotRegularFileError } from "../../fsutil/regular.js";
import { computeArgsHash, newApprovalId } from "../ids.js";
import type { JournalEvent } from "../journal.js";
import type { StoreContext } from "./context.js";
import type { Refused } from "./folders.js";
import type { Records } from "./records.js";
import { type ApprovalDecision, type ApprovalRecord, type ApprovalStatus, COMPLETED } from "./schema.js";
import type { SeedItem } from "./types.js";

/**
 * The archive, `approvals/archive/YYYY-MM/<id>.json`: completed requests, by the month they were made. `write`
 * puts them there when they complete; what is here lists them, tidies up leftovers, and seeds the bench's year.
 */
export interface Archive {
  /** Completed requests of the archive, newest month first; stops after the month where `limit` are reached. */
  list(
    wanted: Set<ApprovalStatus> | null,
    limit: number | undefined,
    refused: Refused,
  ): Promise<ApprovalRecord[]>;
  /** A completed request still among the active ones (an older store, a copy put back) goes to the archive. */
  archiveLeftover(id: string): Promise<void>;
  /** `ApprovalStore.seedCompletedForBench`. */
  seedCompletedForBench(items: SeedItem[]): Promise<string[]>;
}

export function createArchive(ctx: StoreContext, records: Records): Archive {
  return {
    async list(wanted, limit, refused) {
      const out: ApprovalRecord[] = [];
      for (const month of await ctx.months(refused)) {
        for (const id of await ctx.idsIn(path.join(ctx.archiveDir, month), refused)) {
          const file = ctx.archiveFileOf(id, month);
          let record: ApprovalRecord | null = null;
          try {
            const info = await ctx.statOrNull(file);
            record = info ? await records.load(id, file, info) : null;
          } catch (error) {
            if (!(error instanceof NotRegularFileError)) throw error;
            refused(error);
          }
          if (record && (!wanted || wanted.has(record.status))) out.push(record);
        }
        if (limit !== undefined && out.length >= limit) break;
      }
      return out;
    },

    async archiveLeftover(id) {
      await records
        .mutate(id, (current) =>
          current &&
          COMPLETED.has(current.status) &&
          records.inActiveDir(id) &&
          ctx.integrity(current).length === 0
            ? { record: current, result: undefined }
            : { record: null, result: undefined },
        )
        .catch((error: unknown) =>
          ctx.logger?.debug(
            `approval ${id}: not archived yet (${error instanceof Error ? error.message : String(error)})`,
          ),
        );
    },

    async seedCompletedForBench(items) {
      const ids: string[] = [];
      const lines: { id: string; event: JournalEvent; at: string }[] = [];
      const files: { file: string; text: string }[] = [];
      for (const item of items) {
        const args = JSON.parse(JSON.stringify(item.args ?? null)) as unknown;
        const created = item.createdAt;
        const at = new Date(created.getTime() + 60_000).toISOString();
        const base: ApprovalRecord = {
          v: 2,
          id: newApprovalId(),
          tool: item.tool,
          args,
          argsHash: computeArgsHash(item.tool, args),
          meta: item.meta,
          status: item.status,
          createdAt: created.toISOString(),
          expiresAt: new Date(created.getTime() + 86_400_000).toISOString(),
          completedAt: at,
        };
        let record = base;
        if (item.status !== "expired") {
          const unsigned: Omit<ApprovalDecision, "signature"> = {
            decision: item.status === "rejected" ? "rejected" : "approved",
            channel: "cli",
            actor: "bench",
            at,
            key: ctx.decisionKey.source,
          };
          record = { ...base, decision: ctx.signDecision(base, unsigned) };
          lines.push({ id: record.id, event: "decided", at });
        }
        if (item.status === "executed" || item.status === "failed") {
          record = {
            ...record,
            execution: { state: "running", attempts: [{ at, marker: { bench: true } }], claims: 1 },
            outcome:
              item.status === "executed"
                ? { ok: true, output: { bench: true } }
                : { ok: false, code: "ODOO_ERROR", message: "bench" },
          };
          lines.push(
            { id: record.id, event: "claimed", at },
            { id: record.id, event: "attempt", at },
            { id: record.id, event: "completed", at },
          );
        }
        ids.push(record.id);
        files.push({
          file: ctx.archiveFileOf(record.id, ctx.monthOf(record.createdAt)),
          text: ctx.serialize(record).text,
        });
      }
      for (const folder of new Set(files.map((entry) => path.dirname(entry.file))))
        await mkdir(folder, { recursive: true, mode: 0o700 });
      for (let i = 0; i < files.length; i += 64)
        await Promise.all(
          files.slice(i, i + 64).map((entry) => writeNewFile(entry.file, entry.text, ctx.where)),
        );
      await ctx.journal.appendBatch(lines);
      return ids;
    },
  };
}
