import os from "node:os";
import { loadReceipt } from "../mcp/accounting/index.js";
import type { App } from "../mcp/app.js";
import type { ApprovalRecord, ApprovalStatus } from "../mcp/approvals/store.js";
import { buildView } from "../mcp/approvals/view.js";
import { localDate } from "../mcp/dates.js";
import { toToolError } from "../mcp/error-map.js";
import { ToolError } from "../mcp/errors.js";
import { checkHistory } from "../mcp/history-check.js";
import type { AgentStatus, ApprovalItem, Handlers, HistoryStatus } from "../shared/ipc.js";

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

  const item = async (record: ApprovalRecord, live: boolean): Promise<ApprovalItem> => {
    // A pending request is looked up in Odoo now; a decided one is shown from its verified arguments.
    const view = live ? await approvals.view(record) : buildView(record, null, approvals.integrity(record));
    const output = record.outcome?.ok ? (record.outcome.output as Record<string, unknown> | null) : null;
    const facts = (view.facts ?? {}) as Record<string, unknown>;
    const recipient = facts.recipient as { kind?: string } | undefined;
    const receipt = facts.receipt as { name?: string; mimetype?: string; size?: number } | undefined;
    return {
      ...view,
      queued: record.execution?.state === "queued",
      args_hash: record.argsHash,
      ...(typeof output?.odoo_url === "string" ? { odoo_url: output.odoo_url } : {}),
      ...(recipient?.kind ? { recipient_differs: recipient.kind !== "customer" } : {}),
      ...(receipt?.name && receipt.mimetype && typeof receipt.size === "number"
        ? { receipt: { name: receipt.name, mimetype: receipt.mimetype, size: receipt.size } }
        : {}),
    };
  };

  /**
   * An approval is refused, and nothing decided, when the request looked up in Odoo now no longer shows what the
   * agent asked for (its binding changed: another total, partner, currency...), as the CLI refuses it. The window
   * already disables such a request; a notification's Approve button decides on a view that may be older.
   */
  const assertStillAsShown = async (id: string): Promise<void> => {
    const record = await approvals.get(id);
    if (record?.status !== "pending") return; // the store says why it cannot be decided
    const view = await approvals.view(record);
    if (view.integrity.length > 0)
      throw new ToolError(
        "APPROVAL_INVALID",
        `Approval ${id} cannot be approved: ${view.integrity.join("; ")}. Nothing was decided.`,
      );
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
      return { items: await Promise.all(chosen.map((record) => item(record, scope === "pending"))) };
    },

    async "approvals.decide"({ ids, decision, reason, args_hashes }) {
      const results = [];
      // One at a time, in the order given: each is its own decision, its own audit line and its own execution.
      for (const [index, id] of ids.entries()) {
        try {
          if (decision === "approved") await assertStillAsShown(id);
          const decided = await approvals.decide(id, {
            decision,
            channel: "tray",
            actor,
            ...(reason ? { reason } : {}),
            ...(args_hashes?.[index] ? { argsHash: args_hashes[index] } : {}),
          });
          if (decision === "rejected") {
            results.push({ id, ok: true, status: decided.status });
            continue;
          }
          const outcome = await approvals.execute(id);
          results.push(
            outcome.status === "failed"
              ? { id, ok: false, status: "failed", error: { code: outcome.code, message: outcome.message } }
              : { id, ok: true, status: outcome.status },
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
