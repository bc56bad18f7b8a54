import os from "node:os";
import { loadReceipt } from "../mcp/accounting/index.js";
import type { App } from "../mcp/app.js";
import { historyOf, invoiceNumbers, type Names, outcomeOf } from "../mcp/approvals/history.js";
import type { ApprovalRecord, ApprovalStatus } from "../mcp/approvals/store.js";
import { buildView } from "../mcp/approvals/view.js";
import { localDate } from "../mcp/dates.js";
import { toToolError } from "../mcp/error-map.js";
import { ToolError } from "../mcp/errors.js";
import { checkHistory } from "../mcp/history-check.js";
import type { AgentStatus, ApprovalItem, Handlers, HistoryStatus } from "../shared/ipc.js";
import { outcomeText } from "../shared/outcome-text.js";

/**
 * The approval window's and the tray's side of the IPC contract, over the approval core (the same `view`, `decide`
 * and `execute` the CLI uses). Plain Node: the Electron glue only routes validated messages here.
 */
export type ApprovalHandlers = Pick<
  Handlers,
  "approvals.list" | "approvals.decide" | "approvals.receipt" | "agent.status" | "agent.setPaused"
>;

const HISTORY: ApprovalStatus[] = ["executed", "failed", "rejected", "expired", "approved"];

export function approvalHandlers(
  app: App,
  options: {
    actor?: string;
    /** How long a history check is reused (status is asked on every change of the store); 0: every time. */
    historyCheckMs?: number;
  } = {},
): ApprovalHandlers {
  const actor = options.actor ?? `${os.userInfo().username} (odoo-mcp app)`;
  const { approvals } = app;
  const historyEvery = options.historyCheckMs ?? 10_000;
  let lastHistory: { at: number; value: Promise<HistoryStatus> } | null = null;
  /** The same answer as `doctor` (checkHistory), in the shape the tray and the window read. */
  const history = (): Promise<HistoryStatus> => {
    const now = Date.now();
    if (lastHistory && now - lastHistory.at < historyEvery) return lastHistory.value;
    const value = checkHistory({
      dataDir: app.config.dataDir,
      keychain: app.keyMode === "keychain" ? app.keychain : null,
    }).then(
      (check): HistoryStatus =>
        check.state === "vanished"
          ? {
              state: "vanished",
              vanished: check.vanished.map(({ log, message, found, remembered }) => ({
                log,
                message,
                found,
                remembered,
              })),
              advice: check.advice,
            }
          : { state: check.state, vanished: [] },
      (error: unknown): HistoryStatus => {
        app.logger.warn(`history check: ${error instanceof Error ? error.message : String(error)}`);
        return { state: "unknown", vanished: [] };
      },
    );
    lastHistory = { at: now, value };
    return value;
  };

  const item = async (record: ApprovalRecord, live: boolean, names?: Names): Promise<ApprovalItem> => {
    // A pending request is looked up in Odoo now; a decided one is shown from its verified arguments.
    const view = live ? await approvals.view(record) : buildView(record, null, approvals.integrity(record));
    const facts = (view.facts ?? {}) as Record<string, unknown>;
    const recipient = facts.recipient as { kind?: string } | undefined;
    const receipt = facts.receipt as { name?: string; mimetype?: string; size?: number } | undefined;
    return {
      ...view,
      queued: record.execution?.state === "queued",
      args_hash: record.argsHash,
      ...(recipient?.kind ? { recipient_differs: recipient.kind !== "customer" } : {}),
      ...(receipt?.name && receipt.mimetype && typeof receipt.size === "number"
        ? { receipt: { name: receipt.name, mimetype: receipt.mimetype, size: receipt.size } }
        : {}),
      ...(names ? { history: historyOf(record, names, approvals.shown(record), odooBase()) } : {}),
    };
  };

  /** Odoo's address for the history's links (a payment's output has none of its own). */
  const odooBase = () => app.odoo.settings.url.replace(/\/+$/, "");

  /** What was done, for the banner: the request as it is stored now that it ran (or was rejected). */
  const doneNow = async (id: string): Promise<string | undefined> => {
    const record = await approvals.get(id);
    return record ? outcomeText(outcomeOf(record)) : undefined;
  };

  /**
   * The request as the person reads it now, before their decision: an approval is refused, and nothing decided,
   * when the request looked up in Odoo now no longer shows what the agent asked for (its binding changed: another
   * total, partner, currency...), as the CLI refuses it. The window already disables such a request; a
   * notification's Approve button decides on a view that may be older. Its document is kept with the decision
   * (the history shows the request as it was decided); a rejection is never held up by Odoo being unreachable.
   */
  const shownNow = async (id: string, decision: "approved" | "rejected") => {
    const record = await approvals.get(id);
    if (record?.status !== "pending") return undefined; // the store says why it cannot be decided
    const view = await approvals.view(record);
    if (decision === "approved" && view.integrity.length > 0)
      throw new ToolError(
        "APPROVAL_INVALID",
        `Approval ${id} cannot be approved: ${view.integrity.join("; ")}. Nothing was decided.`,
      );
    return view.document;
  };

  const status = async (): Promise<AgentStatus> => {
    let connection: AgentStatus["connection"] = "connected";
    if (!app.credentialSource) connection = "not_configured";
    else
      try {
        await app.odoo.version();
      } catch {
        connection = "unreachable";
      }
    // Entries of the data folder that are not files (a FIFO, a link) are named among the warnings; the queue's
    // own file among them fails the status at once instead of hanging it.
    const refused: string[] = [];
    const pending = await approvals.list(
      { status: "pending" },
      { refused: (error) => refused.push(`${error.message}: ignored`) },
    );
    return {
      paused: await approvals.pause.isPaused(),
      connection,
      queued: (await app.queue.pending()).length,
      pending: pending.length,
      key_mode: app.keyMode,
      warnings: [...app.config.warnings, ...new Set(refused)],
      history: await history(),
    };
  };

  return {
    async "approvals.list"({ scope, tool, from, to, limit }) {
      // History reads the archive newest month first and stops at the limit (with filters, a wider window).
      const records = await approvals.list(
        scope === "pending"
          ? { status: "pending" }
          : { status: HISTORY, limit: tool || from || to ? Math.max(limit, 5_000) : limit },
      );
      const chosen = records
        .filter((record) => !tool || record.tool === tool)
        .filter((record) => {
          const day = localDate(new Date(record.createdAt));
          return (!from || day >= from) && (!to || day <= to);
        })
        .slice(0, limit);
      const names = scope === "pending" ? undefined : invoiceNumbers(records, approvals);
      return { items: await Promise.all(chosen.map((record) => item(record, scope === "pending", names))) };
    },

    async "approvals.decide"({ ids, decision, reason, args_hashes, keep }) {
      if (keep && (ids.length !== 1 || decision !== "approved"))
        throw new ToolError(
          "VALIDATION_ERROR",
          "Items are chosen in one request at a time, to approve it in part. Nothing was decided.",
        );
      const results = [];
      // One at a time, in the order given: each is its own decision, its own audit line and its own execution.
      for (const [index, id] of ids.entries()) {
        try {
          const document = await shownNow(id, decision).catch((error: unknown) => {
            if (decision === "approved") throw error;
            return undefined;
          });
          const decided = await approvals.decide(id, {
            decision,
            channel: "tray",
            actor,
            ...(reason ? { reason } : {}),
            ...(args_hashes?.[index] ? { argsHash: args_hashes[index] } : {}),
            ...(document ? { document } : {}),
            ...(keep ? { keep } : {}),
          });
          if (decision === "rejected") {
            results.push({ id, ok: true, status: decided.status, done: outcomeText(outcomeOf(decided)) });
            continue;
          }
          const outcome = await approvals.execute(id);
          const done = await doneNow(id);
          results.push(
            outcome.status === "failed"
              ? { id, ok: false, status: "failed", error: { code: outcome.code, message: outcome.message } }
              : { id, ok: true, status: outcome.status, ...(done ? { done } : {}) },
          );
        } catch (error) {
          const mapped = toToolError(error);
          results.push({ id, ok: false, error: { code: mapped.code, message: mapped.message } });
        }
      }
      return { results };
    },

    async "approvals.receipt"({ id }) {
      const record = await approvals.get(id);
      if (!record) throw new ToolError("APPROVAL_NOT_FOUND", `No approval request has the id "${id}".`);
      const args = (record.args ?? {}) as { receipt_path?: unknown; receipt_sha256?: unknown };
      if (record.tool !== "create_expense" || typeof args.receipt_path !== "string")
        throw new ToolError("VALIDATION_ERROR", "This request has no receipt.");
      if (approvals.integrity(record).length > 0)
        throw new ToolError(
          "APPROVAL_INVALID",
          "This request was changed outside odoo-mcp; its receipt is not shown.",
        );
      const receipt = await loadReceipt(args.receipt_path);
      if (receipt.sha256 !== args.receipt_sha256)
        throw new ToolError(
          "VALIDATION_ERROR",
          "The receipt file changed since the request was made; approving it would be refused.",
        );
      return {
        name: receipt.name,
        mimetype: receipt.mimetype,
        data_url: `data:${receipt.mimetype};base64,${receipt.bytes.toString("base64")}`,
      };
    },

    "agent.status": () => status(),

    async "agent.setPaused"({ paused }) {
      await approvals.pause.setPaused(paused);
      await app.audit.append({
        event: "policy_changed",
        action: paused ? "pause_agent" : "resume_agent",
        actor: "user",
        result: "success",
        channel: "tray",
        message: paused ? "the person paused the agent" : "the person resumed the agent",
      });
      return status();
    },
  };
}
