import type { Approvals } from "../mcp/approvals/core.js";
import type { ApprovalRecord } from "../mcp/approvals/store.js";
import type { Logger } from "../mcp/log.js";
import { decidedWords } from "../shared/channels.js";
import type { Handlers } from "../shared/ipc.js";
import type { ElectronMain, NotificationLike } from "./electron-api.js";
import { recordLabel, requestLabel } from "./tray.js";

/**
 * A native notification for every new pending request, from any process sharing the data folder (the store's
 * `watch`: file events, within about 50 ms). The text comes from the request's view, escaped. Where notifications
 * carry actions (macOS), Approve and Reject decide through the same handler as the approval window
 * (`approvals.decide`, bound to the arguments' hash); a click opens the approval window on the request. An
 * approval given in the MCP client's own prompt raises "Approved in the chat: …" (see `announceChat`).
 */
export interface NotifierOptions {
  Notification: ElectronMain["Notification"];
  approvals: Pick<Approvals, "watch" | "get" | "list" | "view">;
  decide: Handlers["approvals.decide"];
  openApprovals(approvalId: string): void;
  /** Whether this platform's notifications have action buttons (macOS). */
  actions: boolean;
  logger: Logger;
  /** How long the view (an Odoo look-up) may take before the notification uses the request's own summary. */
  viewTimeoutMs?: number;
  /** Called whenever requests change (the tray refreshes). */
  onChange?: (ids: string[]) => void;
  /** Why a record cannot be trusted (the store's integrity check); empty when intact. */
  integrity?: (record: ApprovalRecord) => string[];
}

export interface Notifier {
  /** Requests already notified (or present at start: those are not announced again). */
  readonly seen: ReadonlySet<string>;
  stop(): void;
}

export async function startNotifier(options: NotifierOptions): Promise<Notifier> {
  const { Notification, approvals, logger } = options;
  const seen = new Set<string>();
  const live = new Map<string, NotificationLike>(); // kept referenced until closed, or it may be collected
  for (const record of await approvals.list({ status: "pending" })) seen.add(record.id);

  /**
   * The request by its document's name, after what approving it does and its amount ("Send invoice, 1,719.25 USD:
   * INV/2026/00001, Harbour Bakery Ltd"); when Odoo's look-up is slow or fails, by the name its `prepare` gave when it was made.
   */
  const label = async (record: ApprovalRecord): Promise<string> => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), options.viewTimeoutMs ?? 600);
    });
    const document = await Promise.race([
      approvals.view(record).then((v) => v.document ?? null),
      timeout,
    ]).catch(() => null);
    clearTimeout(timer);
    if (!document) return recordLabel(record);
    const amount = document.amounts.find((a) => a.strong)?.amount;
    return requestLabel({ tool: record.tool, name: document.name, ...(amount ? { amount } : {}) });
  };
  const text = async (record: ApprovalRecord) => `${await label(record)}. Approve?`;

  const announce = async (record: ApprovalRecord) => {
    const body = await text(record);
    const notification = new Notification({
      title: "odoo-mcp: approval needed",
      body,
      ...(options.actions && Notification.isSupported()
        ? {
            actions: [
              { type: "button" as const, text: "Approve" },
              { type: "button" as const, text: "Reject" },
            ],
          }
        : {}),
    });
    let acted = false;
    notification.on("click", () => options.openApprovals(record.id));
    notification.on("action", (_event, index) => {
      if (acted) return; // one decision per notification, however often the button is pressed
      acted = true;
      void options
        .decide({
          ids: [record.id],
          decision: index === 0 ? "approved" : "rejected",
          ...(index === 0 ? {} : { reason: "rejected from the notification" }),
          args_hashes: [record.argsHash],
        })
        .then((answer) => {
          const first = answer.results[0];
          if (first && !first.ok) logger.warn(`notification decision on ${record.id}: ${first.error?.code}`);
        })
        .catch((error: unknown) => logger.warn(`notification decision failed: ${String(error)}`));
    });
    notification.on("close", () => live.delete(record.id));
    live.set(record.id, notification);
    notification.show();
  };

  /**
   * An approval given in the MCP client's prompt (channel `elicitation`) is one the agent may have answered itself:
   * the person hears of each one ("Approved in the chat: …"), once, when this process sees it decided. Decisions
   * older than the notifier are not announced; a record that fails its integrity check is not believed.
   */
  const startedAt = Date.now();
  const chatTold = new Set<string>();
  /** Requests decided in another way: nothing more to say about them. */
  const settled = new Set<string>();
  const announceChat = async (record: ApprovalRecord) => {
    const decision = record.decision!;
    live.get(record.id)?.close(); // its "Approve …?" is answered already
    const notification = new Notification({
      title: `odoo-mcp: ${decidedWords(decision, record.requestedBy)}`,
      body: `Approved in the chat: ${await label(record)}`,
    });
    notification.on("click", () => options.openApprovals(record.id));
    notification.on("close", () => live.delete(`chat:${record.id}`));
    live.set(`chat:${record.id}`, notification);
    notification.show();
  };

  const changed = async (ids: string[]) => {
    options.onChange?.(ids);
    for (const id of ids) {
      if (chatTold.has(id) || settled.has(id)) continue;
      const record = await approvals.get(id).catch(() => null);
      if (!record) continue;
      if (record.status === "pending") {
        if (seen.has(id)) continue;
        seen.add(id);
        await announce(record).catch((error: unknown) => logger.warn(`notification: ${String(error)}`));
        continue;
      }
      const decision = record.decision;
      if (!decision) continue;
      if (
        decision.channel !== "elicitation" ||
        decision.decision !== "approved" ||
        !(Date.parse(decision.at) >= startedAt - 1000) ||
        (options.integrity?.(record).length ?? 0) > 0
      ) {
        settled.add(id);
        continue;
      }
      chatTold.add(id);
      await announceChat(record).catch((error: unknown) => logger.warn(`notification: ${String(error)}`));
    }
  };
  const unwatch = approvals.watch((ids) => void changed(ids));
  return {
    seen,
    stop() {
      unwatch();
      for (const notification of live.values()) notification.close();
      live.clear();
    },
  };
}
