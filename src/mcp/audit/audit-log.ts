import { readFile } from "node:fs/promises";
import path from "node:path";
import { appendLineDurable, isErrno } from "../fsutil/files.js";
import { redact } from "../log.js";

/**
 * The audit log: `Logs/YYYY-MM-DD.json` (local date) under the data folder, one JSON object per line. A line is
 * on disk (fsynced) before `append` resolves; when it cannot be written `append` rejects, and the caller must
 * not go on with the operation. Every event passes through `redact`, so no registered secret reaches the file.
 */

export type AuditEventKind = "tool_call" | "approval_requested" | "approval_decided" | "execution" | "queue";
export type AuditActor = "agent" | "user" | "system";
export type AuditResult = "success" | "failed" | "queued" | "pending" | "rejected" | "expired" | "dry_run";
export type AuditChannel = "cli" | "tray" | "elicitation" | "auto" | "mcp";

export interface AuditEvent {
  /** ISO 8601; set by `append` when absent. */
  timestamp: string;
  event: AuditEventKind;
  /** The tool (or command) name. */
  action: string;
  actor?: AuditActor;
  target?: string;
  /** `pending`, `approved`, `rejected`, `executed`, `failed`, `expired`, or `not_required`. */
  approval_status?: string;
  result: AuditResult;
  odoo_record_id?: number | string;
  /** Decimal string. */
  amount?: string;
  currency?: string;
  approval_id?: string;
  channel?: AuditChannel;
  error_code?: string;
  message?: string;
}

export type AuditEventInput = Omit<AuditEvent, "timestamp"> & { timestamp?: string };

export interface AuditLog {
  /** Resolves once the line is on disk; rejects (and nothing may proceed) when it cannot be written. */
  append(event: AuditEventInput): Promise<void>;
  /** The events of one local day (`YYYY-MM-DD`), in the order written; [] when there are none. */
  read(date: string): Promise<AuditEvent[]>;
  /** The file for a local day. */
  fileFor(date: string): string;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const FIELDS: (keyof AuditEvent)[] = [
  "timestamp",
  "event",
  "action",
  "actor",
  "target",
  "approval_status",
  "result",
  "odoo_record_id",
  "amount",
  "currency",
  "approval_id",
  "channel",
  "error_code",
  "message",
];

export function createAuditLog(dataDir: string, options: { now?: () => Date } = {}): AuditLog {
  const now = options.now ?? (() => new Date());
  const logsDir = path.join(dataDir, "Logs");
  const fileFor = (date: string) => {
    if (!DATE.test(date)) throw new Error(`audit log: "${date}" is not a YYYY-MM-DD date`);
    return path.join(logsDir, `${date}.json`);
  };
  return {
    fileFor,
    async append(input) {
      const at = now();
      const event = normalise({ ...input, timestamp: input.timestamp ?? at.toISOString() });
      await appendLineDurable(fileFor(localDate(at)), JSON.stringify(redact(event)));
    },
    async read(date) {
      let text: string;
      try {
        text = await readFile(fileFor(date), "utf8");
      } catch (error) {
        if (isErrno(error, "ENOENT")) return [];
        throw error;
      }
      const events: AuditEvent[] = [];
      for (const line of text.split("\n")) {
        if (!line.trim()) continue;
        try {
          events.push(JSON.parse(line) as AuditEvent);
        } catch {
          // a torn last line after a crash: every complete line is still read
        }
      }
      return events;
    },
  };
}

/** Known fields only, in a stable order; amounts as decimal strings; absent values left out. */
function normalise(event: AuditEvent): AuditEvent {
  const out: Record<string, unknown> = {};
  for (const key of FIELDS) {
    const value = event[key];
    if (value === undefined || value === null) continue;
    out[key] = key === "amount" && typeof value === "number" ? String(value) : value;
  }
  return out as unknown as AuditEvent;
}

/** `YYYY-MM-DD` in the machine's local time zone. */
export function localDate(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}
