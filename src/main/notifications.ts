import type { Approvals } from "../mcp/approvals/core.js";
import type { ApprovalRecord } from "../mcp/approvals/store.js";
import type { PersonView } from "../mcp/approvals/view.js";
import type { Logger } from "../mcp/log.js";
import { decidedWords } from "../shared/channels.js";
import { inline } from "../shared/display.js";
import type { RequestDocument } from "../shared/document.js";
import type { Handlers } from "../shared/ipc.js";
import { toolLabel } from "../shared/tool-labels.js";
import type { ElectronMain, NotificationLike } from "./electron-api.js";
import { requestLabel } from "./tray.js";

/**
 * A request by the name the person recognises, as the approval window heads it ("INV/2026/00001, Harbour Bakery
 * Ltd"), with the amount that matters most unless the name says it already ("…, 1,719.25 USD, dated 6 Dec 2026").
 */
export function documentLabel(document: RequestDocument): string {
  const name = inline(document.name, 160);
  const amount = document.amounts.find((a) => a.strong)?.amount;
  return amount && !document.name.includes(amount) ? `${name}, ${inline(amount, 40)}` : name;
}

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
   * The request by its document's name, after its tool ("Send invoice: INV/2026/00001, Harbour Bakery Ltd,
   * 1,719.25 USD"); when Odoo's look-up is slow or fails, by the request's own summary ("invoice for Acme Corp, …").
   */
  const label = async (record: ApprovalRecord): Promise<{ text: string; named: boolean }> => {
    const fallback = {
      tool: record.tool,
      title: record.meta.target,
      ...(record.meta.amount !== undefined ? { amount: record.meta.amount } : {}),
      ...(record.meta.currency ? { currency: record.meta.currency } : {}),
    };
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<typeof fallback>((resolve) => {
      timer = setTimeout(() => resolve(fallback), options.viewTimeoutMs ?? 600);
    });
    const view = await Promise.race<PersonView | typeof fallback>([
      approvals.view(record).then((v) => (v.derived_from === "odoo" ? v : fallback)),
      timeout,
    ]).catch(() => fallback);
    clearTimeout(timer);
    return "document" in view && view.document
      ? { text: `${toolLabel(record.tool)}: ${documentLabel(view.document)}`, named: true }
      : { text: requestLabel(view), named: false };
  };
  const text = async (record: ApprovalRecord) => {
    const { text, named } = await label(record);
    return named ? `${text}. Approve?` : `Approve ${text}?`;
  };

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
      body: `Approved in the chat: ${(await label(record)).text}`,
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
