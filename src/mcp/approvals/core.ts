import { keptWords } from "../../shared/channels.js";
import type { RequestDocument } from "../../shared/document.js";
import type { AcrossProcesses } from "../accounting/one-at-a-time.js";
import type { PreparedWrite, WriteOperation } from "../accounting/operation.js";
import { getSession } from "../accounting/session.js";
import { type AuditEventInput, type AuditLog, auditUnavailableReason } from "../audit/audit-log.js";
import { localDate } from "../dates.js";
import { toToolError } from "../error-map.js";
import { ToolError } from "../errors.js";
import type { Logger } from "../log.js";
import { addDecimal, compareDecimal } from "../money.js";
import { OdooConnectionError } from "../odoo/errors.js";
import type { Odoo } from "../odoo/types.js";
import type { OfflineQueue } from "../queue/offline-queue.js";
import { drainQueue, type ExecutionOutcome, type ExecutorDeps, executeApproval } from "./executor.js";
import {
  type ApprovalPolicy,
  type Ask,
  type BudgetUse,
  budgetKeys,
  budgetRefusal,
  channelRefusal,
  type LimitedChannel,
} from "./policy.js";
import { type Runner, type RunnerOptions, runner } from "./runner.js";
import { type ShownDocument, shownAsDecided } from "./shown.js";
import type { ApprovalRecord, ApprovalStore, DecideInput, ListFilter, ListReport } from "./store.js";
import { buildView, type PersonView, renderView } from "./view.js";

/**
 * The one approval core every surface calls: the gated tools (`request`, which asks in the MCP client's prompt
 * itself), the person's surfaces — the CLI and the desktop app — (`view`, `decide`, `execute`), and the background
 * `runner`. The audit line of a decision is written here, once, before the decision takes effect: an audit failure
 * leaves nothing approved behind.
 *
 *   tool ──request──▶ prepare (read-only, Odoo) ─▶ audit ─▶ store.create ─▶ policy: auto │ ask │ wait ─▶ settle
 *   person ──view──▶ prepare again on the stored arguments ─▶ what they read
 *   person ──decide─▶ audit ─▶ store.decide (signed) ─▶ execute (executor: exactly once, findApplied first)
 */

/** `decideInChat`'s word for "the chat's answer took effect". */
const DECIDED = "decided";

/** What a gated call knows about the MCP call it serves. */
export interface GateCall {
  clientName: string | undefined;
  signal: AbortSignal;
  /**
   * Asks the person through the MCP client, when the client supports it: their answer, or `asked` when the
   * question leaves with this call's answer and the person's answer comes with the client's next request
   * (`Approvals.answerInChat`).
   */
  elicit?: (message: string, approvalId: string) => Promise<ChatAnswer | "asked">;
  /** MCP Tasks: wait for the person's decision however long it takes (until the request expires). */
  waitUntilDecided?: boolean;
  /** Told the approval id once a request waits for a person (task status message). */
  onPending?: (approvalId: string) => void;
}

/** The person's answer to the chat's question; `dismissed` decides nothing. */
export type ChatAnswer = "approve" | "reject" | "dismissed";

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

/**
 * A decision given by the person at a surface of theirs: the terminal (`cli`) or the app (`tray`). The limited
 * channels (`auto`, `elicitation`) decide only inside the gate, after their limits and budgets are checked.
 */
export interface PersonDecision {
  decision: "approved" | "rejected";
  channel: "cli" | "tray";
  actor: string;
  reason?: string;
  /** The arguments' hash the person was shown: the decision is refused if the request changed since. */
  argsHash?: string;
  /** The request document the person read (their view's `document`): kept with the decision for the history. */
  document?: RequestDocument;
  /**
   * A batch approved in part: the indices, in `document.items`, of the items approved (absent: all of them).
   * Checked against the document the person read, signed with the decision, and given to the operation's `apply`
   * and `findApplied` as `keep`. Only a person narrows a batch: the chat and the policy approve it whole.
   */
  keep?: number[];
}

/**
 * The items a decision keeps, checked against the document the person read: given by a person (terminal, app), to
 * an approval, on a document with items, each an index of one of them, once; none is not a choice (that is a
 * rejection). Ascending; `undefined` when it keeps them all (the whole batch is approved).
 */
export function keptItems(
  id: string,
  input: Pick<PersonDecision, "decision" | "document" | "keep"> & { channel: DecideInput["channel"] },
): number[] | undefined {
  const { keep } = input;
  if (keep === undefined) return undefined;
  const refuse = (why: string) =>
    new ToolError("VALIDATION_ERROR", `Approval ${id}: ${why}. Nothing was decided.`);
  if (input.channel !== "cli" && input.channel !== "tray")
    throw refuse("only a person, at the terminal or in the app, approves part of a batch");
  if (input.decision !== "approved") throw refuse("only an approval chooses items; a rejection is whole");
  const count = input.document?.items?.length ?? 0;
  if (count === 0) throw refuse("this request has no items to choose from: approve or reject it whole");
  if (keep.length === 0) throw refuse("no item was chosen: reject the request instead");
  const wrong = keep.find((index) => !Number.isInteger(index) || index < 0 || index >= count);
  if (wrong !== undefined)
    throw refuse(`there is no item ${Number(wrong) + 1}: the items are numbered 1 to ${count}`);
  const sorted = [...new Set(keep)].sort((a, b) => a - b);
  if (sorted.length !== keep.length) throw refuse("an item was chosen twice");
  return sorted.length === count ? undefined : sorted;
}

/** The agent's read of a request (get_approval, list_approvals): state and outcome, never a way to decide. */
export interface AgentApprovals {
  get(id: string): Promise<ApprovalRecord | null>;
  /** With `report`, the entries left out (not files) are told to it; otherwise the log says them. */
  list(filter?: ListFilter, report?: ListReport): Promise<ApprovalRecord[]>;
  /**
   * What a person sees of a request (`Approvals.view`), for the approval card shown in the chat (`approval_view`):
   * a read like the others.
   */
  view(record: ApprovalRecord): Promise<PersonView>;
}

/** What a gated tool may do: ask, and read. The types leave no way to decide. */
export interface ToolGate extends AgentApprovals {
  /** Asks for `operation` on `input`: one of the operations the gate was built with (`ApprovalsDeps.operations`). */
  request<I extends object, O>(
    operation: WriteOperation<I, O>,
    input: I,
    call: GateCall,
  ): Promise<O | GatedAnswer>;
}

/**
 * The approval core's one front door, for every surface: the tools (through `ToolGate`), the CLI, the desktop
 * app's handlers, the bench. The store, the executor's dependencies and the operations stay behind it.
 */
export interface Approvals extends ToolGate {
  /** The person's pause switch (tray): while paused, `request` refuses new requests. */
  readonly pause: PauseSwitch;
  /** What a person sees, derived now from the verified arguments and Odoo's data. */
  view(record: ApprovalRecord): Promise<PersonView>;
  /**
   * The person's answer to a question the chat asked earlier about request `id` (`GateCall.elicit` said `asked`),
   * decided exactly as an answer given at once: the chat's channel, its budget and limits.
   */
  answerInChat<O>(id: string, answer: ChatAnswer, call: GateCall): Promise<O | GatedAnswer>;
  /** A person's decision at the terminal or in the app (`PersonDecision`), audited here once. */
  decide(id: string, decision: PersonDecision): Promise<ApprovalRecord>;
  /** Runs an approved request now (exactly once); the outcome. */
  execute(id: string): Promise<ExecutionOutcome>;
  /** Replays the offline queue in order. */
  drain(onProgress?: (message: string) => void): ReturnType<typeof drainQueue>;
  /** Background work of a running server: see `runner`. */
  startRunner(options?: RunnerOptions): Runner;
  /** Called with the ids of new or changed requests (the tray's notifications). */
  watch(listener: (ids: string[]) => void): () => void;
  /** Why this record may not be trusted at all (a broken seal, arguments that do not match their hash); empty when intact. */
  integrity(record: ApprovalRecord): string[];
  /** What stops this process from running it (integrity, the decision's key, the journal); empty when it may run. */
  verify(record: ApprovalRecord): Promise<string[]>;
  /** The document the person read when they decided, checked against the signed decision (`shown.ts`). */
  shown(record: ApprovalRecord): ShownDocument | null;
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
  /** Keys an approved operation holds among the processes sharing the data folder (ApplyRef.across). */
  across?: AcrossProcesses;
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
    ...(deps.across ? { across: deps.across } : {}),
  });
  // A stored request is run by its tool's name, maybe by another process: only an operation this gate runs under
  // that name may be requested.
  const assertRegistered = (operation: WriteOperation<never, unknown>) => {
    if (operations.get(operation.tool) !== operation)
      throw new ToolError("INTERNAL_ERROR", `No operation is registered for ${operation.tool}.`);
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
   * Takes one approval through a limited channel from its allowance, or says why not: the channel's own terms
   * (`channelRefusal`: never money going out, a known amount in the company currency, its maximum), then its daily
   * budget and what it already approved for the same partner today and the same invoice ever (`budgetRefusal`).
   * Counted in the approval journal under its lock (chained, its head in the keychain): parallel calls cannot all
   * slip in, and deleting or renaming the audit log resets nothing. Without a keychain the journal could be
   * deleted, so this process also keeps its own counts. `dryRun`: only says whether it would.
   */
  const inProcess = new Map<string, BudgetUse>();
  const allowance = async (
    id: string,
    channel: LimitedChannel,
    ask: Ask,
    options: { dryRun?: boolean } = {},
  ): Promise<string | null> => {
    const own = channelRefusal(policy, channel, ask, (await getSession(odoo)).company.currency);
    if (own) return own;
    const day = localDate(now());
    const keys = budgetKeys(channel, day, ask);
    const amount = ask.amount ?? "0";
    const judge = (journal: (key: string) => BudgetUse) =>
      budgetRefusal(policy, channel, day, ask, (key) => {
        const counted = journal(key);
        const mine = inProcess.get(key);
        if (!mine) return counted;
        return counted.count >= mine.count && compareDecimal(counted.total, mine.total) >= 0 ? counted : mine;
      });
    if (options.dryRun) {
      const { problems, used } = await store.budgetUsage(keys);
      if (problems.length > 0) return `the approval journal cannot be trusted (${problems.join("; ")})`;
      return judge(used);
    }
    const refusal = await store.reserveBudget(id, keys, amount, judge);
    if (refusal === null)
      for (const key of keys) {
        const mine = inProcess.get(key) ?? { count: 0, total: "0" };
        inProcess.set(key, { count: mine.count + 1, total: addDecimal(mine.total, amount) });
      }
    return refusal;
  };

  /** What the limited channels judge: the request as `prepare` found it in Odoo, never as its file says. */
  const askOf = (prepared: PreparedWrite): Ask => {
    const { partner_id: partnerId, move_id: moveId } = prepared.binding;
    return {
      amount: prepared.amount,
      currency: prepared.currency,
      direction: prepared.direction,
      ...(prepared.personOnly ? { personOnly: true } : {}),
      ...(typeof partnerId === "number" ? { partnerId } : {}),
      ...(typeof moveId === "number" ? { moveId } : {}),
    };
  };

  /** A limited channel's decision: audited and recorded exactly as a person's (see `decide`). */
  const decideAs = (
    id: string,
    input: Omit<PersonDecision, "channel"> & { channel: DecideInput["channel"] },
  ) => recordDecision(id, input);

  const recordDecision = async (
    id: string,
    input: Omit<PersonDecision, "channel"> & { channel: DecideInput["channel"] },
  ): Promise<ApprovalRecord> => {
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
    const keep = keptItems(id, input);
    const kept =
      keep && input.document?.items ? `approved ${keptWords(keep, input.document.items.length)}` : "";
    const message = [kept, input.reason].filter(Boolean).join(": ");
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
      ...(message ? { message } : {}),
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
        ...(input.document ? { document: input.document } : {}),
        ...(keep ? { keep } : {}),
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

  /**
   * The chat's answer, judged by the channel's allowance (reserving) before it decides anything: a note for the
   * agent when it decided nothing, `decided` when it did.
   */
  const decideInChat = async (
    record: ApprovalRecord,
    prepared: PreparedWrite,
    document: RequestDocument | undefined,
    answer: ChatAnswer,
    call: GateCall,
  ): Promise<string | undefined> => {
    const refusal = answer === "approve" ? await allowance(record.id, "elicitation", askOf(prepared)) : null;
    if (refusal) return `Not approved in the chat: ${refusal}.`;
    if (answer === "dismissed") return undefined;
    await decideAs(record.id, {
      decision: answer === "approve" ? "approved" : "rejected",
      channel: "elicitation",
      actor: call.clientName ? `user via ${call.clientName}` : "user via MCP client",
      argsHash: record.argsHash,
      ...(document ? { document } : {}),
    }).catch((error) => {
      // Decided elsewhere meanwhile (CLI, tray): the store holds the truth. An audit failure is not that.
      if (toToolError(error).code === "AUDIT_LOG_UNAVAILABLE") throw error;
    });
    return DECIDED;
  };

  const awaitDecision = async (
    record: ApprovalRecord,
    prepared: PreparedWrite,
    call: GateCall,
  ): Promise<string | undefined> => {
    let note: string | undefined;
    if (call.elicit && policy.elicitation) {
      // Judged before the prompt (no prompt the chat could not approve anyway), and again, reserving, after it.
      const before = await allowance(record.id, "elicitation", askOf(prepared), { dryRun: true });
      if (before) note = `Not asked in the chat: ${before}.`;
      else {
        const view = buildView(record, prepared, []);
        // A batch is approved whole here: choosing some of its items is for the terminal and the app.
        const items = view.document?.items?.length;
        const whole = items
          ? `\n\nApproving here approves all ${items} items; to approve some of them only, use the odoo-mcp app or \`odoo-mcp approvals approve ${record.id} --only 1,3\` at a terminal.`
          : "";
        const answer = await call
          .elicit(`Approve this action in Odoo?\n\n${renderView(view)}${whole}`, record.id)
          .catch(() => "dismissed" as const);
        // Asked in a round trip: the answer comes with the next request, so nothing waits here.
        if (answer === "asked") return undefined;
        const chat = await decideInChat(record, prepared, view.document, answer, call);
        if (chat === DECIDED) return undefined;
        note = chat;
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
    return note;
  };

  const request = async <I extends object, O>(
    operation: WriteOperation<I, O>,
    input: I,
    call: GateCall,
  ): Promise<O | GatedAnswer> => {
    assertRegistered(operation);
    const tool = operation.tool;
    // The pause switch (in the keychain) is read while Odoo answers the read-only look-ups; it is judged before
    // anything is written.
    const paused = deps.pause?.isPaused() ?? Promise.resolve(false);
    const refuseIfPaused = async () => {
      if (await paused)
        throw new ToolError(
          "AGENT_PAUSED",
          "The person has paused the agent in the odoo-mcp app: no new request is taken until they resume it. Tell the person; do not retry.",
        );
    };
    let prepared: PreparedWrite;
    try {
      prepared = await operation.prepare(odoo, input);
    } catch (error) {
      await refuseIfPaused();
      throw error;
    }
    await refuseIfPaused();
    const record = await store.create({
      tool,
      args: input,
      binding: prepared.binding,
      meta: {
        target: prepared.target,
        direction: prepared.direction,
        ...(prepared.personOnly ? { personOnly: true } : {}),
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
    if (operation.autoApproval === "below-expense-threshold") {
      const over = await allowance(record.id, "auto", askOf(prepared));
      if (over === null) {
        try {
          await decideAs(record.id, {
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
    const asked = await awaitDecision(record, prepared, call);
    note = [note, asked].filter(Boolean).join(" ") || undefined;
    return settle<O>(record.id, prepared.summary, note);
  };

  const answerInChat = async <O>(
    id: string,
    answer: ChatAnswer,
    call: GateCall,
  ): Promise<O | GatedAnswer> => {
    const record = await store.get(id);
    const operation = record ? operations.get(record.tool) : undefined;
    if (!record || !operation)
      throw new ToolError("APPROVAL_NOT_FOUND", `No approval request has the id "${id}".`);
    const problems = store.integrity(record);
    if (problems.length > 0)
      throw new ToolError(
        "APPROVAL_INVALID",
        `Approval ${id} cannot be trusted (${problems.join("; ")}); nothing was decided.`,
      );
    // Judged on the request as Odoo has it now, as when the question was asked.
    const prepared = await operation.prepare(odoo, record.args, record.binding);
    let note: string | undefined;
    if (record.status === "pending" && policy.elicitation) {
      const chat = await decideInChat(
        record,
        prepared,
        buildView(record, prepared, []).document,
        answer,
        call,
      );
      if (chat !== DECIDED) note = chat;
    }
    return settle<O>(id, prepared.summary, note);
  };

  const view = async (record: ApprovalRecord): Promise<PersonView> => {
    const problems = store.integrity(record);
    const operation = operations.get(record.tool);
    if (!operation || problems.length > 0) return buildView(record, null, problems);
    try {
      // Prepared with the stored binding: what it fixes by id is looked up by id; buildView says what changed.
      return buildView(record, await operation.prepare(odoo, record.args, record.binding), problems);
    } catch (error) {
      if (error instanceof OdooConnectionError) return buildView(record, null, problems);
      const mapped = toToolError(error);
      if (mapped.code === "ODOO_CONNECTION_ERROR") return buildView(record, null, problems);
      return buildView(record, null, problems, `${mapped.code}: ${mapped.message}`);
    }
  };

  /** The person's decision at the terminal or in the app: the only channels a caller outside the gate may use. */
  const decide = (id: string, input: PersonDecision): Promise<ApprovalRecord> => {
    if (input.channel !== "cli" && input.channel !== "tray")
      return Promise.reject(
        new ToolError(
          "APPROVAL_REQUIRED",
          `A decision through "${String(input.channel)}" is taken only by the approval gate itself; nothing was decided.`,
        ),
      );
    return recordDecision(id, input);
  };

  const startRunner = (options: RunnerOptions = {}) =>
    runner({ approvals, store, queue: deps.queue, executorDeps, logger, dryRun: deps.dryRun }, options);

  const pause: PauseSwitch = deps.pause ?? { isPaused: async () => false, setPaused: async () => {} };
  const approvals: Approvals = {
    pause,
    get: (id) => store.get(id),
    list: (filter, report) => store.list(filter, report),
    request,
    answerInChat,
    view,
    decide,
    execute: (id) => executeApproval(executorDeps(), id),
    drain: (onProgress) => drainQueue(executorDeps(), onProgress),
    startRunner,
    watch: (listener) => store.watch(listener),
    integrity: (record) => store.integrity(record),
    verify: (record) => store.verifyForExecution(record),
    shown: (record) =>
      shownAsDecided(record, {
        integrity: store.integrity(record),
        sealed: store.sealed,
        decisionVerifies: store.holdsDecisionKey(record),
      }),
  };
  return approvals;
}
