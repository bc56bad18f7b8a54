import { mkdir, readdir } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import type { AttemptMarker } from "../accounting/operation.js";
import type { Keychain } from "../credentials/keychain.js";
import { ERROR_CODES, type ErrorCode, ToolError } from "../errors.js";
import {
  appendLineDurable,
  CorruptFileError,
  readJsonFile,
  readTextIfExists,
  writeFileAtomic,
} from "../fsutil/files.js";
import { HOST, isHolderDead, sleep, withLock } from "../fsutil/lock.js";
import type { Logger } from "../log.js";
import { computeArgsHash, isApprovalId, newApprovalId } from "./ids.js";
import { loadSigningKey } from "./signing.js";

/**
 * The approval store: `<dataDir>/approvals/<id>.json`, one file per request, shared by every process of the
 * installation (MCP servers, the CLI, the desktop app). Each change is a read-modify-write under a per-request
 * lock file and lands with an atomic rename.
 *
 * Nothing written into this folder by someone else can make anything run: the request and the decision are
 * signed (HMAC-SHA256, key in the OS keychain), `argsHash` must match the stored arguments, and an append-only
 * journal remembers which requests were attempted or completed, so an executed request rolled back to
 * "approved" in its file is refused.
 *
 * Status: pending → approved | rejected | expired; approved → executed | failed.
 */

export type ApprovalStatus = "pending" | "approved" | "rejected" | "executed" | "failed" | "expired";
export type DecisionChannel = "cli" | "tray" | "elicitation" | "auto";

export interface ApprovalDecision {
  decision: "approved" | "rejected";
  channel: DecisionChannel;
  actor: string;
  reason?: string;
  at: string;
  signature: string;
}

export interface ExecutionClaim {
  pid: number;
  host: string;
  at: string;
  owner?: string;
}

export interface ApprovalExecution {
  state: "running" | "queued";
  claim?: ExecutionClaim;
  attempts: { at: string; marker: AttemptMarker }[];
}

export type ApprovalOutcome = { ok: true; output: unknown } | { ok: false; code: ErrorCode; message: string };

export interface ApprovalRecord {
  id: string;
  tool: string;
  args: unknown;
  argsHash: string;
  summary: string;
  facts: Record<string, unknown>;
  target: string;
  amount?: string;
  currency?: string;
  requestedBy?: string;
  status: ApprovalStatus;
  createdAt: string;
  expiresAt: string;
  /** HMAC over `{id, tool, argsHash, createdAt, expiresAt}`. */
  signature: string;
  decision?: ApprovalDecision;
  execution?: ApprovalExecution;
  outcome?: ApprovalOutcome;
  completedAt?: string;
}

export interface CreateApprovalInput {
  tool: string;
  args: unknown;
  summary: string;
  facts: Record<string, unknown>;
  target: string;
  amount?: string;
  currency?: string;
  ttlMs: number;
  requestedBy?: string;
}

export interface DecideInput {
  decision: "approved" | "rejected";
  channel: DecisionChannel;
  actor: string;
  reason?: string;
}

export interface ApprovalStore {
  create(input: CreateApprovalInput): Promise<ApprovalRecord>;
  /** A pending request past `expiresAt` is reported, and persisted, as `expired`. `null` for unknown or malformed ids. */
  get(id: string): Promise<ApprovalRecord | null>;
  /** Newest first. */
  list(filter?: { status?: ApprovalStatus | ApprovalStatus[] }): Promise<ApprovalRecord[]>;
  /** Only a pending, unexpired, validly signed request; among concurrent deciders exactly one wins. */
  decide(id: string, input: DecideInput): Promise<ApprovalRecord>;
  /**
   * Takes the right to execute, across processes. Throws when the request is not approved or fails its integrity
   * checks; `null` when another live process holds it or it is already completed.
   */
  claim(id: string, owner?: string): Promise<ApprovalRecord | null>;
  /** On disk (fsynced) before it resolves: call it before applying anything. Only the claimant may. */
  recordAttempt(id: string, marker: AttemptMarker): Promise<void>;
  /** Waiting in the offline queue; releases the claim. */
  markQueued(id: string): Promise<void>;
  /** executed or failed; releases the claim. An already completed (or rejected, expired) record is left as it is. */
  complete(id: string, outcome: ApprovalOutcome): Promise<ApprovalRecord>;
  /** An approved request left `running` by a dead process goes back to `queued`. Answers whether it did. */
  recoverAbandoned(id: string): Promise<boolean>;
  /** Resolves with the record as soon as its status or execution changes, or at the timeout (or abort) as it is. */
  waitForChange(
    id: string,
    options: { timeoutMs: number; signal?: AbortSignal },
  ): Promise<ApprovalRecord | null>;
  /**
   * The problems that stop this record from being executed: bad signatures, arguments changed after the request,
   * a decision that is not an approval. Empty when it may run.
   */
  verifyForExecution(record: ApprovalRecord): Promise<string[]>;
  signingKeySource(): "keychain" | "file";
}

export interface ApprovalStoreOptions {
  dataDir: string;
  keychain?: Keychain | null;
  now?: () => Date;
  logger?: Logger;
  /** Poll interval of `waitForChange` (ms). */
  pollMs?: number;
}

const markerValue = z.union([z.string(), z.number(), z.boolean(), z.null()]);
const RECORD = z.object({
  id: z.string(),
  tool: z.string(),
  args: z.unknown(),
  argsHash: z.string(),
  summary: z.string(),
  facts: z.record(z.string(), z.unknown()),
  target: z.string(),
  amount: z.string().optional(),
  currency: z.string().optional(),
  requestedBy: z.string().optional(),
  status: z.enum(["pending", "approved", "rejected", "executed", "failed", "expired"]),
  createdAt: z.string(),
  expiresAt: z.string(),
  signature: z.string(),
  decision: z
    .object({
      decision: z.enum(["approved", "rejected"]),
      channel: z.enum(["cli", "tray", "elicitation", "auto"]),
      actor: z.string(),
      reason: z.string().optional(),
      at: z.string(),
      signature: z.string(),
    })
    .optional(),
  execution: z
    .object({
      state: z.enum(["running", "queued"]),
      claim: z
        .object({ pid: z.number(), host: z.string(), at: z.string(), owner: z.string().optional() })
        .optional(),
      attempts: z.array(z.object({ at: z.string(), marker: z.record(z.string(), markerValue) })),
    })
    .optional(),
  outcome: z
    .union([
      z.object({ ok: z.literal(true), output: z.unknown() }),
      z.object({ ok: z.literal(false), code: z.enum(ERROR_CODES), message: z.string() }),
    ])
    .optional(),
  completedAt: z.string().optional(),
});

const COMPLETED: ReadonlySet<ApprovalStatus> = new Set(["executed", "failed", "rejected", "expired"]);
const JOURNAL = "journal.jsonl";

interface JournalLine {
  id: string;
  event: "attempt" | "completed";
  at: string;
}

export async function createApprovalStore(options: ApprovalStoreOptions): Promise<ApprovalStore> {
  const { logger } = options;
  const now = options.now ?? (() => new Date());
  const pollMs = options.pollMs ?? 100;
  const dir = path.join(options.dataDir, "approvals");
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const key = await loadSigningKey({ dataDir: options.dataDir, keychain: options.keychain, logger });
  const journalFile = path.join(dir, JOURNAL);

  const fileOf = (id: string) => {
    // The only place a path is built from an id, and only from one that passed the strict pattern.
    if (!isApprovalId(id)) throw notFound(id);
    return path.join(dir, `${id}.json`);
  };

  const requestPayload = (
    r: Pick<ApprovalRecord, "id" | "tool" | "argsHash" | "createdAt" | "expiresAt">,
  ) => ({
    kind: "request",
    id: r.id,
    tool: r.tool,
    argsHash: r.argsHash,
    createdAt: r.createdAt,
    expiresAt: r.expiresAt,
  });
  const decisionPayload = (
    r: Pick<ApprovalRecord, "id" | "tool" | "argsHash">,
    d: Omit<ApprovalDecision, "signature">,
  ) => ({
    kind: "decision",
    id: r.id,
    tool: r.tool,
    argsHash: r.argsHash,
    decision: d.decision,
    channel: d.channel,
    at: d.at,
  });

  const read = async (id: string): Promise<ApprovalRecord | null> => {
    let raw: unknown;
    try {
      raw = await readJsonFile(fileOf(id));
    } catch (error) {
      if (error instanceof CorruptFileError) {
        logger?.warn(`approval ${id}: its file is not valid JSON; ignored`);
        return null;
      }
      throw error;
    }
    if (raw === undefined) return null;
    const parsed = RECORD.safeParse(raw);
    if (!parsed.success || parsed.data.id !== id) {
      logger?.warn(`approval ${id}: its file does not hold a valid approval request; ignored`);
      return null;
    }
    return parsed.data as ApprovalRecord;
  };

  const write = (record: ApprovalRecord) =>
    writeFileAtomic(fileOf(record.id), `${JSON.stringify(record, null, 2)}\n`);

  /** Read-modify-write under the request's lock. `change` returns the new record, or null to leave it. */
  const mutate = async <T>(
    id: string,
    change: (
      record: ApprovalRecord | null,
    ) => Promise<{ record: ApprovalRecord | null; result: T }> | { record: ApprovalRecord | null; result: T },
  ): Promise<T> => {
    const file = fileOf(id);
    return withLock(`${file}.lock`, async () => {
      const current = await read(id);
      const { record, result } = await change(current);
      if (record) await write(record);
      return result;
    });
  };

  const isExpired = (record: ApprovalRecord) =>
    record.status === "pending" && Date.parse(record.expiresAt) <= now().getTime();

  const expireIfDue = async (record: ApprovalRecord): Promise<ApprovalRecord> => {
    if (!isExpired(record)) return record;
    return mutate(record.id, (current) => {
      if (!current || !isExpired(current)) return { record: null, result: current ?? record };
      const expired: ApprovalRecord = { ...current, status: "expired", completedAt: now().toISOString() };
      return { record: expired, result: expired };
    });
  };

  const readJournal = async (id: string): Promise<{ attempts: number; completed: boolean }> => {
    const text = await readTextIfExists(journalFile);
    let attempts = 0;
    let completed = false;
    for (const line of text?.split("\n") ?? []) {
      if (!line.includes(id)) continue;
      try {
        const entry = JSON.parse(line) as JournalLine;
        if (entry.id !== id) continue;
        if (entry.event === "attempt") attempts++;
        if (entry.event === "completed") completed = true;
      } catch {
        // a torn last line after a crash
      }
    }
    return { attempts, completed };
  };
  const journal = (id: string, event: JournalLine["event"]) =>
    appendLineDurable(
      journalFile,
      JSON.stringify({ id, event, at: now().toISOString() } satisfies JournalLine),
    );

  const verifyRequest = (record: ApprovalRecord): string[] => {
    const problems: string[] = [];
    if (!key.verify(requestPayload(record), record.signature))
      problems.push("the request's signature is not valid");
    if (computeArgsHash(record.tool, record.args) !== record.argsHash)
      problems.push("the stored arguments do not match the ones that were requested");
    return problems;
  };

  const verifyForExecution = async (record: ApprovalRecord): Promise<string[]> => {
    const problems = verifyRequest(record);
    const decision = record.decision;
    if (!decision) problems.push("no human decision is recorded");
    else {
      const { signature, ...rest } = decision;
      if (!key.verify(decisionPayload(record, rest), signature))
        problems.push("the decision's signature is not valid");
      if (decision.decision !== "approved") problems.push("the decision is not an approval");
      if (Date.parse(decision.at) > Date.parse(record.expiresAt))
        problems.push("the decision came after the request expired");
    }
    const seen = await readJournal(record.id);
    if (seen.completed) problems.push("it has already been executed");
    if (seen.attempts > (record.execution?.attempts.length ?? 0))
      problems.push("its record of earlier attempts was removed");
    return problems;
  };

  const heldByUs = (record: ApprovalRecord) =>
    record.execution?.claim?.pid === process.pid && record.execution.claim.host === HOST;

  const store: ApprovalStore = {
    signingKeySource: () => key.source,
    verifyForExecution,

    async create(input) {
      if (!input.tool) throw new ToolError("VALIDATION_ERROR", "An approval request needs a tool name.");
      if (!(input.ttlMs > 0))
        throw new ToolError("VALIDATION_ERROR", "An approval request needs a positive lifetime.");
      const id = newApprovalId();
      const args = input.args === undefined ? null : (JSON.parse(JSON.stringify(input.args)) as unknown);
      const created = now();
      const base = {
        id,
        tool: input.tool,
        argsHash: computeArgsHash(input.tool, args),
        createdAt: created.toISOString(),
        expiresAt: new Date(created.getTime() + input.ttlMs).toISOString(),
      };
      const record: ApprovalRecord = {
        ...base,
        args,
        summary: input.summary,
        facts: JSON.parse(JSON.stringify(input.facts ?? {})) as Record<string, unknown>,
        target: input.target,
        ...(input.amount !== undefined ? { amount: String(input.amount) } : {}),
        ...(input.currency ? { currency: input.currency } : {}),
        ...(input.requestedBy ? { requestedBy: input.requestedBy } : {}),
        status: "pending",
        signature: key.sign(requestPayload(base)),
      };
      await write(record);
      return record;
    },

    async get(id) {
      if (!isApprovalId(id)) return null;
      const record = await read(id);
      return record ? expireIfDue(record) : null;
    },

    async list(filter) {
      const wanted = filter?.status === undefined ? null : new Set([filter.status].flat());
      let names: string[];
      try {
        names = await readdir(dir);
      } catch {
        return [];
      }
      const records: ApprovalRecord[] = [];
      for (const name of names) {
        if (!name.endsWith(".json")) continue;
        const id = name.slice(0, -".json".length);
        if (!isApprovalId(id)) continue;
        const record = await store.get(id);
        if (record && (!wanted || wanted.has(record.status))) records.push(record);
      }
      return records.sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id));
    },

    async decide(id, input) {
      if (!isApprovalId(id)) throw notFound(id);
      const outcome = await mutate<ApprovalRecord | "expired">(id, (current) => {
        if (!current) throw notFound(id);
        const problems = verifyRequest(current);
        if (problems.length > 0)
          throw new ToolError(
            "VALIDATION_ERROR",
            `Approval ${id} failed its integrity check (${problems.join("; ")}); it cannot be decided.`,
          );
        if (isExpired(current)) {
          const expired: ApprovalRecord = { ...current, status: "expired", completedAt: now().toISOString() };
          return { record: expired, result: "expired" as const };
        }
        if (current.status !== "pending") {
          const by = current.decision
            ? ` by ${current.decision.actor} via ${current.decision.channel} at ${current.decision.at}`
            : "";
          if (current.status === "expired")
            throw new ToolError(
              "APPROVAL_EXPIRED",
              `Approval ${id} expired at ${current.expiresAt}; nothing was done.`,
            );
          throw new ToolError(
            "VALIDATION_ERROR",
            `Approval ${id} was already decided: it is ${current.status}${by}.`,
          );
        }
        const unsigned = {
          decision: input.decision,
          channel: input.channel,
          actor: input.actor,
          ...(input.reason ? { reason: input.reason } : {}),
          at: now().toISOString(),
        };
        const decided: ApprovalRecord = {
          ...current,
          status: input.decision,
          decision: { ...unsigned, signature: key.sign(decisionPayload(current, unsigned)) },
          ...(input.decision === "rejected" ? { completedAt: unsigned.at } : {}),
        };
        return { record: decided, result: decided };
      });
      if (outcome === "expired")
        throw new ToolError(
          "APPROVAL_EXPIRED",
          `Approval ${id} has expired; nobody decided in time. Nothing was done.`,
        );
      return outcome;
    },

    async claim(id, owner) {
      if (!isApprovalId(id)) throw notFound(id);
      return mutate(id, async (current) => {
        if (!current) throw notFound(id);
        if (current.status === "executed" || current.status === "failed")
          return { record: null, result: null };
        if (current.status !== "approved")
          throw new ToolError(
            "VALIDATION_ERROR",
            `Approval ${id} is ${current.status}, not approved: it cannot run.`,
          );
        const problems = await verifyForExecution(current);
        if (problems.length > 0)
          throw new ToolError(
            "VALIDATION_ERROR",
            `Approval ${id} was refused: ${problems.join("; ")}. Nothing was done in Odoo.`,
          );
        const claim = current.execution?.claim;
        if (claim && !isHolderDead(claim)) return { record: null, result: null };
        const claimed: ApprovalRecord = {
          ...current,
          execution: {
            state: "running",
            claim: { pid: process.pid, host: HOST, at: now().toISOString(), ...(owner ? { owner } : {}) },
            attempts: current.execution?.attempts ?? [],
          },
        };
        return { record: claimed, result: claimed };
      });
    },

    async recordAttempt(id, marker) {
      await mutate(id, (current) => {
        if (current?.status !== "approved" || !current.execution || !heldByUs(current))
          throw new Error(`approval ${id}: recordAttempt without holding its claim`);
        const attempt = {
          at: now().toISOString(),
          marker: JSON.parse(JSON.stringify(marker)) as AttemptMarker,
        };
        const next: ApprovalRecord = {
          ...current,
          execution: { ...current.execution, attempts: [...current.execution.attempts, attempt] },
        };
        return { record: next, result: undefined };
      });
      await journal(id, "attempt");
    },

    async markQueued(id) {
      await mutate(id, (current) => {
        if (current?.status !== "approved") return { record: null, result: undefined };
        const claim = current.execution?.claim;
        if (claim && !heldByUs(current) && !isHolderDead(claim)) return { record: null, result: undefined };
        const next: ApprovalRecord = {
          ...current,
          execution: { state: "queued", attempts: current.execution?.attempts ?? [] },
        };
        return { record: next, result: undefined };
      });
    },

    async complete(id, outcome) {
      const result = await mutate(id, (current) => {
        if (!current) throw notFound(id);
        if (COMPLETED.has(current.status)) {
          logger?.warn(`approval ${id} is already ${current.status}; its outcome is kept`);
          return { record: null, result: { record: current, changed: false } };
        }
        const completed: ApprovalRecord = {
          ...current,
          status: outcome.ok ? "executed" : "failed",
          outcome: outcome.ok
            ? {
                ok: true,
                output:
                  outcome.output === undefined
                    ? null
                    : (JSON.parse(JSON.stringify(outcome.output)) as unknown),
              }
            : { ok: false, code: outcome.code, message: outcome.message },
          completedAt: now().toISOString(),
          ...(current.execution
            ? { execution: { state: current.execution.state, attempts: current.execution.attempts } }
            : {}),
        };
        return { record: completed, result: { record: completed, changed: true } };
      });
      if (result.changed) await journal(id, "completed");
      return result.record;
    },

    async recoverAbandoned(id) {
      return mutate(id, (current) => {
        const execution = current?.execution;
        if (current?.status !== "approved" || execution?.state !== "running")
          return { record: null, result: false };
        if (execution.claim && !isHolderDead(execution.claim)) return { record: null, result: false };
        const next: ApprovalRecord = {
          ...current,
          execution: { state: "queued", attempts: execution.attempts },
        };
        return { record: next, result: true };
      });
    },

    async waitForChange(id, { timeoutMs, signal }) {
      const first = await store.get(id);
      if (!first) return null;
      const fingerprint = (r: ApprovalRecord) =>
        JSON.stringify([r.status, r.execution?.state, r.execution?.claim, r.execution?.attempts.length]);
      const initial = fingerprint(first);
      const deadline = Date.now() + timeoutMs;
      let latest: ApprovalRecord = first;
      while (Date.now() < deadline && !signal?.aborted) {
        await sleep(Math.min(pollMs, Math.max(0, deadline - Date.now())), signal);
        const next = await store.get(id);
        if (!next) return null;
        latest = next;
        if (fingerprint(next) !== initial) return next;
      }
      return latest;
    },
  };
  return store;
}

function notFound(id: string): ToolError {
  return isApprovalId(id)
    ? new ToolError("APPROVAL_NOT_FOUND", `No approval request has the id "${id}".`)
    : new ToolError(
        "APPROVAL_NOT_FOUND",
        "That is not an approval id (they look like apr_ followed by 26 letters and digits).",
      );
}
