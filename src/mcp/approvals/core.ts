import type { PreparedWrite, WriteOperation } from "../accounting/operation.js";
import { getSession } from "../accounting/session.js";
import {
  type AuditEventInput,
  type AuditLog,
  auditUnavailableReason,
  localDate,
} from "../audit/audit-log.js";
import { toToolError } from "../error-map.js";
import { ToolError } from "../errors.js";
import { NotRegularFileError } from "../fsutil/regular.js";
import type { Logger } from "../log.js";
import { OdooConnectionError } from "../odoo/errors.js";
import type { Odoo } from "../odoo/types.js";
import type { OfflineQueue } from "../queue/offline-queue.js";
import {
  drainQueue,
  type ExecutionOutcome,
  type ExecutorDeps,
  executeApproval,
  recoverInterrupted,
} from "./executor.js";
import {
  type ApprovalPolicy,
  addDecimal,
  belowExpenseThreshold,
  compareDecimal,
  elicitationRefusal,
} from "./policy.js";
import type { ApprovalRecord, ApprovalStore, DecideInput, ListFilter, ListReport } from "./store.js";
import { buildView, type PersonView, renderView } from "./view.js";

/**
 * The one approval core every surface calls: the gated tools (`request`), the person's surfaces — the CLI, the MCP
 * client's prompt, later the desktop app — (`view`, `decide`, `execute`), and the background `runner`. The audit
 * line of a decision is written here, once, before the decision takes effect: an audit failure leaves nothing
 * approved behind.
 *
 *   tool ──request──▶ prepare (read-only, Odoo) ─▶ audit ─▶ store.create ─▶ policy: auto │ ask │ wait ─▶ settle
 *   person ──view──▶ prepare again on the stored arguments ─▶ what they read
 *   person ──decide─▶ audit ─▶ store.decide (signed) ─▶ execute (executor: exactly once, findApplied first)
 */

/** What a gated call knows about the MCP call it serves. */
export interface GateCall {
  clientName: string | undefined;
  signal: AbortSignal;
  /** Asks the person through the MCP client (elicitation), when the client supports it. */
  elicit?: (message: string) => Promise<"approve" | "reject" | "dismissed">;
  /** MCP Tasks: wait for the person's decision however long it takes (until the request expires). */
  waitUntilDecided?: boolean;
  /** Told the approval id once a request waits for a person (task status message). */
  onPending?: (approvalId: string) => void;
}

/** A write operation behind the gate (its `autoApproval` says whether the policy may approve it alone). */
export type GatedOperation = WriteOperation<unknown, unknown>;

/** What a gated tool answers when it did not (yet) run: pending or queued. */
export interface GatedAnswer {
  status: "pending_approval" | "queued";
  approval_id: string;
  summary: string;
  expires_at?: string;
  result?: "queued";
  message: string;
}

export interface PersonDecision {
  decision: "approved" | "rejected";
  channel: DecideInput["channel"];
  actor: string;
  reason?: string;
  /** The arguments' hash the person was shown: the decision is refused if the request changed since. */
  argsHash?: string;
}

/** The agent's read of a request (get_approval, list_approvals): state and outcome, never a way to decide. */
export interface AgentApprovals {
  get(id: string): Promise<ApprovalRecord | null>;
  /** With `report`, the entries left out (not files) are told to it; otherwise the log says them. */
  list(filter?: ListFilter, report?: ListReport): Promise<ApprovalRecord[]>;
}

/** What a gated tool may do: ask, and read. The types leave no way to decide. */
export interface ToolGate extends AgentApprovals {
  request<O>(tool: string, input: Record<string, unknown>, call: GateCall): Promise<O | GatedAnswer>;
}

export interface Approvals extends ToolGate {
  readonly policy: ApprovalPolicy;
  readonly store: ApprovalStore;
  /** The person's pause switch (tray): while paused, `request` refuses new requests. */
  readonly pause: PauseSwitch;
  /** What a person sees, derived now from the verified arguments and Odoo's data. */
  view(record: ApprovalRecord): Promise<PersonView>;
  /** A person's decision (CLI, elicitation, the app), audited here once. */
  decide(id: string, decision: PersonDecision): Promise<ApprovalRecord>;
  /** Runs an approved request now (exactly once); the outcome. */
  execute(id: string): Promise<ExecutionOutcome>;
  /** Replays the offline queue in order. */
  drain(onProgress?: (message: string) => void): ReturnType<typeof drainQueue>;
  /** Background work of a running server: see `runner`. */
  startRunner(options?: { fallbackMs?: number }): { stop(): void };
  /** Called with the ids of new or changed requests (the tray's notifications). */
  watch(listener: (ids: string[]) => void): () => void;
  executorDeps(): ExecutorDeps;
}

/**
 * The person's "Pause the agent" switch, shared by every process. Kept in the OS keychain where there is one (an
 * agent with file tools cannot lift it); without a keychain, in a file of the data folder (weaker, documented).
 */
export interface PauseSwitch {
  isPaused(): Promise<boolean>;
  setPaused(paused: boolean): Promise<void>;
}

export interface ApprovalsDeps {
  store: ApprovalStore;
  queue: OfflineQueue;
  audit: AuditLog;
  odoo: Odoo;
  operations: ReadonlyMap<string, GatedOperation>;
  policy: ApprovalPolicy;
  logger: Logger;
  dryRun: boolean;
  pause?: PauseSwitch;
  now?: () => Date;
}

export function createApprovals(deps: ApprovalsDeps): Approvals {
  const { store, audit, odoo, operations, policy, logger } = deps;
  const now = deps.now ?? (() => new Date());
  const executorDeps = (): ExecutorDeps => ({
    store,
    queue: deps.queue,
    audit,
    odoo,
    operations,
    logger: logger.child("executor"),
    dryRun: deps.dryRun,
  });
  const operationOf = (tool: string) => {
    const operation = operations.get(tool);
    if (!operation) throw new ToolError("INTERNAL_ERROR", `No operation is registered for ${tool}.`);
    return operation;
  };

  const auditOrThrow = async (event: AuditEventInput, onFailure?: () => Promise<unknown>) => {
    try {
      await audit.append(event);
    } catch (error) {
      await onFailure?.().catch(() => {});
      throw new ToolError(
        "AUDIT_LOG_UNAVAILABLE",
        `The audit log cannot be written, so nothing was requested, approved or run: ${auditUnavailableReason(error)}.`,
      );
    }
  };
  const abandon = (record: ApprovalRecord) => () =>
    store.complete(record.id, {
      ok: false,
      code: "AUDIT_LOG_UNAVAILABLE",
      message: "The audit log could not be written; this request never ran.",
    });

  /**
   * Takes one automatic approval from today's budget, or says why not. Counted in the approval journal under its
   * lock (chained, its head in the keychain): parallel calls cannot all slip in, and deleting or renaming the audit
   * log resets nothing. Without a keychain the journal could be deleted, so this process also keeps its own count.
   */
  const inProcess = new Map<string, { count: number; total: string }>();
  const reserveAuto = async (id: string, amount: string): Promise<string | null> => {
    const day = localDate(now());
    const mine = inProcess.get(day) ?? { count: 0, total: "0" };
    const refusal = await store.reserveAutoApproval(id, day, amount, (journal) => {
      const used =
        journal.count >= mine.count && compareDecimal(journal.total, mine.total) >= 0 ? journal : mine;
      if (used.count + 1 > policy.autoBudget.count)
        return `today's ${policy.autoBudget.count} automatic approvals are used up`;
      if (compareDecimal(addDecimal(used.total, amount), policy.autoBudget.total) > 0)
        return `it would take today's automatic approvals past ${policy.autoBudget.total} (${used.total} so far)`;
      return null;
    });
    if (refusal === null)
      inProcess.set(day, { count: mine.count + 1, total: addDecimal(mine.total, amount) });
    return refusal;
  };

  const decide = async (id: string, input: PersonDecision): Promise<ApprovalRecord> => {
    const record = await store.get(id);
    if (!record) throw new ToolError("APPROVAL_NOT_FOUND", `No approval request has the id "${id}".`);
    if (input.argsHash !== undefined && input.argsHash !== record.argsHash)
      throw new ToolError(
        "APPROVAL_INVALID",
        `Approval ${id} changed after it was shown to you; nothing was decided. Look at it again.`,
      );
    // Already decided, expired, executed: the store says why, and no audit line claims a decision.
    if (record.status !== "pending" && record.status !== "approved")
      return store.decide(id, { decision: input.decision, channel: input.channel, actor: input.actor });
    const line: AuditEventInput = {
      event: "approval_decided",
      action: record.tool,
      actor: input.channel === "auto" ? "system" : "user",
      target: record.meta.target,
      approval_status: input.decision,
      result: input.decision === "approved" ? "success" : "rejected",
      approval_id: id,
      channel: input.channel,
      ...(record.meta.amount !== undefined ? { amount: record.meta.amount } : {}),
      ...(record.meta.currency ? { currency: record.meta.currency } : {}),
      ...(input.reason ? { message: input.reason } : {}),
    };
    // The line first: a decision without its audit line never takes effect.
    await auditOrThrow(line);
    try {
      return await store.decide(id, {
        decision: input.decision,
        channel: input.channel,
        actor: input.actor,
        ...(input.reason ? { reason: input.reason } : {}),
        ...(input.argsHash !== undefined ? { argsHash: input.argsHash } : {}),
      });
    } catch (error) {
      const mapped = toToolError(error);
      await audit
        .append({
          ...line,
          result: "failed",
          error_code: mapped.code,
          message: `not recorded: ${mapped.message}`,
        })
        .catch(() => {});
      throw mapped;
    }
  };

  const pendingAnswer = (record: ApprovalRecord, summary: string, note?: string): GatedAnswer => ({
    status: "pending_approval",
    approval_id: record.id,
    summary,
    expires_at: record.expiresAt,
    message:
      `${note ? `${note} ` : ""}A person must approve this before it runs (odoo-mcp tray app, or ` +
      `\`odoo-mcp approvals approve ${record.id}\` in a terminal). Check the outcome later with get_approval; do not ask again.`,
  });

  const settle = async <O>(id: string, summary: string, note?: string): Promise<O | GatedAnswer> => {
    const current = await store.get(id);
    if (!current) throw new ToolError("APPROVAL_NOT_FOUND", `Approval ${id} does not exist.`);
    if (current.status === "pending") return pendingAnswer(current, summary, note);
    if (current.status === "rejected")
      throw new ToolError(
        "APPROVAL_REJECTED",
        `A person rejected this request${current.decision?.reason ? `: ${current.decision.reason}` : "."}`,
        { approval_id: current.id },
      );
    if (current.status === "expired")
      throw new ToolError(
        "APPROVAL_EXPIRED",
        "Nobody approved this request in time; ask again if it is still needed.",
        {
          approval_id: current.id,
        },
      );
    const outcome = await executeApproval(executorDeps(), id);
    switch (outcome.status) {
      case "executed":
        return { ...(outcome.output as O & object), approval_id: id } as O;
      case "failed":
        throw new ToolError(outcome.code, outcome.message, { approval_id: id });
      case "queued":
        return {
          status: "queued",
          result: "queued",
          approval_id: id,
          summary,
          message:
            "Approved, but Odoo cannot be reached right now. The operation is kept in the offline queue and runs once, in order, when Odoo answers again. Follow it with get_approval.",
        };
      default:
        return pendingAnswer(current, summary, note);
    }
  };

  const awaitDecision = async (
    record: ApprovalRecord,
    prepared: PreparedWrite,
    call: GateCall,
  ): Promise<string | undefined> => {
    if (call.elicit && policy.elicitation) {
      const refusal = elicitationRefusal(
        policy,
        prepared.amount,
        prepared.currency,
        (await getSession(odoo)).company.currency,
      );
      if (refusal) return refusal.charAt(0).toUpperCase() + refusal.slice(1);
      const view = buildView(record, prepared, []);
      const answer = await call
        .elicit(`Approve this action in Odoo?\n\n${renderView(view)}`)
        .catch(() => "dismissed" as const);
      if (answer === "approve" || answer === "reject") {
        await decide(record.id, {
          decision: answer === "approve" ? "approved" : "rejected",
          channel: "elicitation",
          actor: call.clientName ? `user via ${call.clientName}` : "user via MCP client",
          argsHash: record.argsHash,
        }).catch((error) => {
          // Decided elsewhere meanwhile (CLI, tray): the store holds the truth. An audit failure is not that.
          if (toToolError(error).code === "AUDIT_LOG_UNAVAILABLE") throw error;
        });
        return undefined;
      }
    }
    const waitMs = call.waitUntilDecided ? Number.POSITIVE_INFINITY : policy.waitMs;
    if (call.waitUntilDecided) call.onPending?.(record.id);
    const deadline = Date.now() + waitMs;
    let current: ApprovalRecord | null = record;
    while (current?.status === "pending" && !call.signal.aborted) {
      const left = Math.min(deadline, Date.parse(current.expiresAt)) - Date.now();
      if (left <= 0) break;
      current = await store.waitForChange(record.id, {
        timeoutMs: Math.min(left, 60_000),
        signal: call.signal,
      });
    }
    return undefined;
  };

  const request = async <O>(
    tool: string,
    input: Record<string, unknown>,
    call: GateCall,
  ): Promise<O | GatedAnswer> => {
    const operation = operationOf(tool);
    if (await deps.pause?.isPaused())
      throw new ToolError(
        "AGENT_PAUSED",
        "The person has paused the agent in the odoo-mcp app: no new request is taken until they resume it. Tell the person; do not retry.",
      );
    const prepared = await operation.prepare(odoo, input);
    const record = await store.create({
      tool,
      args: input,
      meta: {
        target: prepared.target,
        ...(prepared.amount !== undefined ? { amount: prepared.amount } : {}),
        ...(prepared.currency ? { currency: prepared.currency } : {}),
      },
      ttlMs: policy.ttlMs,
      ...(call.clientName ? { requestedBy: call.clientName } : {}),
      // The request's audit line before its file: a person elsewhere may decide it as soon as the file exists.
      beforeWrite: (created) =>
        auditOrThrow({
          event: "approval_requested",
          action: tool,
          actor: "agent",
          target: prepared.target,
          approval_status: "pending",
          result: "pending",
          amount: prepared.amount,
          currency: prepared.currency,
          approval_id: created.id,
          channel: "mcp",
        }),
    });

    let note: string | undefined;
    if (
      operation.autoApproval === "below-expense-threshold" &&
      belowExpenseThreshold(
        policy,
        prepared.amount,
        prepared.currency,
        (await getSession(odoo)).company.currency,
      )
    ) {
      const over = await reserveAuto(record.id, prepared.amount ?? "0");
      if (over === null) {
        try {
          await decide(record.id, {
            decision: "approved",
            channel: "auto",
            actor: "policy",
            reason: `below the approval threshold of ${policy.expenseThreshold}`,
          });
        } catch (error) {
          // A person elsewhere decided it first: their decision stands (a rejection stays a rejection).
          const now = await store.get(record.id).catch(() => null);
          if (
            !(error instanceof ToolError && error.code === "AUDIT_LOG_UNAVAILABLE") &&
            now?.decision &&
            now.decision.channel !== "auto"
          )
            return settle<O>(record.id, prepared.summary);
          // Nothing may stay approved without its audit line: the request is closed, not left to a runner.
          await abandon(record)().catch(() => {});
          throw error;
        }
        return settle<O>(record.id, prepared.summary);
      }
      note = `Not approved automatically: ${over}.`;
    }
    note = (await awaitDecision(record, prepared, call)) ?? note;
    return settle<O>(record.id, prepared.summary, note);
  };

  const view = async (record: ApprovalRecord): Promise<PersonView> => {
    const problems = store.integrity(record);
    const operation = operations.get(record.tool);
    if (!operation || problems.length > 0) return buildView(record, null, problems);
    try {
      return buildView(record, await operation.prepare(odoo, record.args), problems);
    } catch (error) {
      if (error instanceof OdooConnectionError) return buildView(record, null, problems);
      const mapped = toToolError(error);
      if (mapped.code === "ODOO_CONNECTION_ERROR") return buildView(record, null, problems);
      return buildView(record, null, problems, `${mapped.code}: ${mapped.message}`);
    }
  };

  const startRunner = (options: { fallbackMs?: number } = {}) => runner(approvals, deps, options);

  const pause: PauseSwitch = deps.pause ?? { isPaused: async () => false, setPaused: async () => {} };
  const approvals: Approvals = {
    policy,
    store,
    pause,
    get: (id) => store.get(id),
    list: (filter, report) => store.list(filter, report),
    request,
    view,
    decide,
    execute: (id) => executeApproval(executorDeps(), id),
    drain: (onProgress) => drainQueue(executorDeps(), onProgress),
    startRunner,
    watch: (listener) => store.watch(listener),
    executorDeps,
  };
  return approvals;
}

/**
 * Work a running server does between tool calls: put back in the queue what a crashed process left running,
 * replay the offline queue when Odoo answers again, and run requests a person approved elsewhere (the app, the
 * CLI) while nobody ran them. It wakes on changes to the store (file events) and otherwise only every
 * `fallbackMs`; it reads only files that changed. Requests this process cannot verify (another key) or that were
 * refused are not tried again until their file changes.
 *
 * A replay of the queue that moves nothing (Odoo still down, often failing at once: refused, an HTML page, a 503)
 * writes to the store itself (claim, queued state), which wakes the runner again: so the runner backs off, 1 s,
 * 2 s, 4 s ... up to `fallbackMs`, and replays the queue only when that step is over (a timer wakes it then),
 * whatever woke it meanwhile. A request a person approves meanwhile still runs at once (the executor puts it
 * behind the queue and replays it); a replay that moves something, or an empty queue, ends the backoff.
 */
function runner(
  approvals: Approvals,
  deps: ApprovalsDeps,
  options: { fallbackMs?: number },
): { stop(): void } {
  if (deps.dryRun) return { stop() {} };
  let running = false;
  let again = false;
  let stopped = false;
  /**
   * What held the last round up in the data folder (entries that are not files): each logged as a warning once,
   * until a round goes through.
   */
  let blockedBy = new Set<string>();
  let seenNow = new Set<string>();
  const note = (error: NotRegularFileError) => {
    seenNow.add(error.message);
    if (!blockedBy.has(error.message))
      deps.logger.warn(`background work: ${error.message}; nothing that needs it runs until it is removed`);
  };
  const refused = new Map<string, string>();
  const fallbackMs = options.fallbackMs ?? 30_000;
  // The replay's backoff: 0 while the last replay moved something (or the queue was empty).
  let replayDelayMs = 0;
  let replayAt = 0;
  let replayTimer: NodeJS.Timeout | null = null;
  const backOff = () => {
    replayDelayMs = Math.min(fallbackMs, replayDelayMs === 0 ? 1_000 : replayDelayMs * 2);
    replayAt = Date.now() + replayDelayMs;
    if (replayTimer) clearTimeout(replayTimer);
    replayTimer = setTimeout(() => {
      replayTimer = null;
      void tick();
    }, replayDelayMs);
    replayTimer.unref();
  };
  const replay = async (executor: ExecutorDeps) => {
    if ((await deps.queue.pending()).length === 0) {
      replayDelayMs = 0;
      return;
    }
    if (Date.now() < replayAt) return; // backing off: the timer wakes the runner when the step is over
    let moved = false;
    try {
      const result = await drainQueue(executor);
      moved = result.remaining === 0 || result.executed + result.failed > 0;
    } finally {
      if (moved) replayDelayMs = 0;
      else backOff();
    }
  };
  const tick = async () => {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = true;
    seenNow = new Set();
    try {
      const executor = approvals.executorDeps();
      await recoverInterrupted(executor);
      await replay(executor);
      for (const record of await approvals.list({ status: "approved" })) {
        if (stopped) break;
        if (record.execution) continue;
        const fingerprint = `${record.seal ?? ""}${record.decision?.signature ?? ""}`;
        if (refused.get(record.id) === fingerprint) continue;
        if (record.decision?.key !== approvals.store.decisionKey) continue; // another process's to run
        let outcome: ExecutionOutcome;
        try {
          outcome = await executeApproval(executor, record.id);
        } catch (error) {
          // Its lock (say) is not a file: said, and the requests behind it still run.
          if (!(error instanceof NotRegularFileError)) throw error;
          note(error);
          continue;
        }
        if (outcome.status === "failed" && outcome.code === "APPROVAL_INVALID")
          refused.set(record.id, fingerprint);
      }
    } catch (error) {
      // Something in the data folder that is not a file (the queue, say): said once, as a warning.
      if (error instanceof NotRegularFileError) note(error);
      else deps.logger.debug(`background work: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      blockedBy = seenNow;
      running = false;
      if (again && !stopped) {
        again = false;
        void tick();
      }
    }
  };
  const unwatch = approvals.watch(() => void tick());
  const timer = setInterval(() => void tick(), fallbackMs);
  timer.unref();
  void tick();
  return {
    stop() {
      stopped = true;
      unwatch();
      clearInterval(timer);
      if (replayTimer) clearTimeout(replayTimer);
    },
  };
}
