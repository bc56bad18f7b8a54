import type { ApprovalRecord } from "../mcp/approvals/store.js";
import { inline } from "../shared/display.js";
import type { AgentStatus } from "../shared/ipc.js";
import { moneyText } from "../shared/money-text.js";
import { toolLabel } from "../shared/tool-labels.js";
import type { ElectronMain, MenuItemTemplate, TrayLike } from "./electron-api.js";

/** The tray's state, from the agent's status: what its icon shows. */
export type TrayState = "connected" | "unreachable" | "not_configured" | "paused";

export interface PendingEntry {
  id: string;
  /** "invoice for Acme Corp, 1,650.00 USD": already escaped. */
  label: string;
}

export interface TrayActions {
  openApprovals(approvalId?: string): void;
  openSettings(): void;
  setPaused(paused: boolean): void;
  quit(): void;
}

export interface TrayModel {
  state: TrayState;
  tooltip: string;
  /** Beside the icon (macOS menu bar): the number of pending requests, empty when none. */
  title: string;
  menu: MenuItemTemplate[];
}

export function trayState(status: AgentStatus): TrayState {
  if (status.paused) return "paused";
  return status.connection;
}

const MAX_LISTED = 10;

/** What the tray shows for a status and the pending requests (pure: tested without Electron). */
export function trayModel(status: AgentStatus, pending: PendingEntry[], actions: TrayActions): TrayModel {
  const state = trayState(status);
  const count = status.pending;
  const line =
    state === "paused"
      ? "the agent is paused"
      : state === "connected"
        ? "connected to Odoo"
        : state === "unreachable"
          ? `Odoo unreachable, ${status.queued} queued`
          : "not configured";
  const waiting = count === 0 ? "nothing to approve" : `${count} waiting for approval`;
  const menu: MenuItemTemplate[] = [
    { label: `odoo-mcp: ${line}`, enabled: false },
    { label: waiting, enabled: false },
  ];
  // A vanished history (the audit log or the journal gone while the keychain remembers it): first, and the
  // approval window says what to do.
  const vanished = status.history?.state === "vanished" ? status.history.vanished : [];
  for (const entry of vanished.slice(0, 3))
    menu.push({ label: `⚠ ${inline(entry.message, 90)}`, click: () => actions.openApprovals() });
  // A rule not honoured (a policy file written by someone else, say): said here, details in the settings window.
  for (const warning of (status.warnings ?? []).slice(0, 3))
    menu.push({ label: `⚠ ${inline(warning, 90)}`, click: () => actions.openSettings() });
  if (pending.length > 0) {
    menu.push({ type: "separator" });
    for (const entry of pending.slice(0, MAX_LISTED))
      menu.push({ label: entry.label, click: () => actions.openApprovals(entry.id) });
    if (pending.length > MAX_LISTED)
      menu.push({ label: `… ${pending.length - MAX_LISTED} more`, click: () => actions.openApprovals() });
  }
  menu.push(
    { type: "separator" },
    { label: "Open approvals", click: () => actions.openApprovals() },
    { label: "Settings", click: () => actions.openSettings() },
    status.paused
      ? { label: "Resume the agent", click: () => actions.setPaused(false) }
      : { label: "Pause the agent", click: () => actions.setPaused(true) },
    { type: "separator" },
    { label: "Quit", click: () => actions.quit() },
  );
  const history = vanished.length > 0 ? "; HISTORY VANISHED (see the approval window)" : "";
  return {
    state,
    tooltip: `odoo-mcp — ${line}; ${waiting}${history}`,
    title: count > 0 ? String(count) : "",
    menu,
  };
}

/** The tray icon itself: shows a model; the icon file per state is the packaging's (`iconFor`). */
export function createTray(
  electron: Pick<ElectronMain, "Tray" | "Menu">,
  iconFor: (state: TrayState) => string,
): { show(model: TrayModel): void; destroy(): void } {
  let tray: TrayLike | null = null;
  return {
    show(model) {
      tray ??= new electron.Tray(iconFor(model.state));
      tray.setImage(iconFor(model.state));
      tray.setToolTip(model.tooltip);
      tray.setTitle(model.title);
      tray.setContextMenu(electron.Menu.buildFromTemplate(model.menu));
    },
    destroy() {
      tray?.destroy();
      tray = null;
    },
  };
}

/**
 * One line for a request, as the tray's menu and the notifications head it, after what approving it does: "Send
 * invoice, 1,719.25 USD: INV/2026/00001, Harbour Bakery Ltd". The amount (written with its currency) comes before
 * the name, always: a name holds text the agent chose (an expense's description, a customer), which a notification
 * would cut before an amount put after it, and which may hold a larger amount containing the real one ("9,950.00
 * USD" holds "950.00 USD"). Every value escaped.
 */
export function requestLabel(request: { tool: string; name: string; amount?: string }): string {
  const amount = request.amount ? `, ${inline(request.amount, 60)}` : "";
  return `${toolLabel(request.tool)}${amount}: ${inline(request.name, 160)}`;
}

/** A stored request's label without asking Odoo: the name and amount its `prepare` gave when it was made. */
export function recordLabel(record: Pick<ApprovalRecord, "tool" | "meta">): string {
  const { target, amount, currency } = record.meta;
  return requestLabel({
    tool: record.tool,
    name: target,
    ...(amount !== undefined ? { amount: moneyText(amount, currency) } : {}),
  });
}
