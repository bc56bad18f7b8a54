import type { App } from "../mcp/app.js";
import type { Logger } from "../mcp/log.js";
import { inline } from "../shared/display.js";
import type { AgentStatus, Handlers } from "../shared/ipc.js";
import { type ApprovalHandlers, approvalHandlers } from "./approval-handlers.js";
import type { ElectronMain, NotificationLike } from "./electron-api.js";
import { createIpcRouter, type IpcRouter } from "./ipc-router.js";
import { type Notifier, startNotifier } from "./notifications.js";
import { type StdioStreams, serveStdio } from "./stdio.js";
import { createTray, recordLabel, type TrayState, trayModel } from "./tray.js";
import { createWindows, type Windows } from "./windows.js";

/** Sent with a lock request that must not open the tray instance's window. */
const QUIET = { quiet: true };

/** The handlers the settings window needs (settings-handlers.ts, clients-handlers.ts). */
export type OtherHandlers = Omit<Handlers, keyof ApprovalHandlers>;

export interface MainDeps {
  argv: readonly string[];
  streams: StdioStreams;
  /** Configuration (environment over the app's settings), keychain, the approval core: see desktop-config.ts. */
  openApp(): Promise<{ app: App; logger: Logger }>;
  otherHandlers(app: App): OtherHandlers;
  rendererDir: string;
  preload: string;
  iconFor(state: TrayState): string;
  /** Notification action buttons exist (macOS). */
  notificationActions: boolean;
  /** How often an instance without the tray asks for the single-instance lock again. */
  lockPollMs?: number;
  /** How often the tray's instance refreshes the connection state (requests refresh on file events). */
  statusPollMs?: number;
  /** How long a history check (src/mcp/history-check.ts) is reused by the tray and the window. */
  historyCheckMs?: number;
}

export interface MainProcess {
  start(): Promise<void>;
  /** Whether this instance shows the tray (it holds the single-instance lock). */
  readonly trayOwner: boolean;
  readonly windows: Windows | null;
  readonly router: IpcRouter | null;
  /** Settles when this process should end (stdio client gone, or Quit). */
  readonly done: Promise<void>;
  stop(): Promise<void>;
}

/**
 * The Electron main process, with Electron injected (tests pass the one fake). `--stdio`: serve MCP over the
 * process's streams like `odoo-mcp serve`, and show the tray too if this instance holds the single-instance lock;
 * otherwise (the launcher) show the tray and the windows, or, when another instance has the tray, hand over to
 * it (it opens the approval window) and quit. An instance without the tray asks for the lock again every
 * `lockPollMs`: when the tray's instance quits, another takes the tray over.
 */
export function createMainProcess(electron: ElectronMain, deps: MainDeps): MainProcess {
  const stdio = deps.argv.includes("--stdio");
  let app: App | null = null;
  let logger: Logger | null = null;
  let windows: Windows | null = null;
  let router: IpcRouter | null = null;
  let notifier: Notifier | null = null;
  let tray: ReturnType<typeof createTray> | null = null;
  let handlers: Handlers | null = null;
  const timers: NodeJS.Timeout[] = [];
  const stops: (() => Promise<void> | void)[] = [];
  let trayOwner = false;
  let stopped = false;
  let finish: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });

  if (stdio) {
    // Chromium's own logging: fatal only, and never to stdout (it goes to stderr when enabled at all).
    electron.app.commandLine.appendSwitch("log-level", "3");
  }

  const refresh = async () => {
    if (!app || !handlers || !tray || stopped) return;
    try {
      const status = await handlers["agent.status"]({});
      const pending = (await app.approvals.list({ status: "pending" })).map((record) => ({
        id: record.id,
        label: recordLabel(record),
      }));
      if (stopped) return;
      tray.show(
        trayModel(status, pending, {
          openApprovals: (id) => windows?.openApprovals(id),
          openSettings: () => windows?.openSettings(),
          setPaused: (paused) => void setPaused(paused),
          quit: () => void quit(),
        }),
      );
      router?.emit("agent.status", status);
      warnVanished(status);
    } catch (error) {
      logger?.warn(`tray: ${error instanceof Error ? error.message : String(error)}`);
    }
  };

  /** Said once per loss while this process runs: a notification when the history check finds one. */
  const toldVanished = new Set<string>();
  const warnVanished = (status: AgentStatus) => {
    if (status.history?.state !== "vanished") return;
    const fresh = status.history.vanished.filter((v) => !toldVanished.has(v.message));
    if (fresh.length === 0) return;
    for (const v of fresh) toldVanished.add(v.message);
    const notification = new electron.Notification({
      title: "odoo-mcp: history vanished",
      body: inline(fresh.map((v) => v.message).join(" "), 400),
    });
    notification.on("click", () => windows?.openApprovals());
    notification.on("close", () => {
      if (vanishedNotice === notification) vanishedNotice = null;
    });
    vanishedNotice = notification; // kept referenced until closed, or it may be collected
    notification.show();
  };
  let vanishedNotice: NotificationLike | null = null;

  const setPaused = async (paused: boolean) => {
    if (!handlers) return;
    await handlers["agent.setPaused"]({ paused }).catch((error: unknown) => logger?.warn(String(error)));
    await refresh();
  };

  const takeTray = async () => {
    if (!app || !logger || trayOwner || stopped) return;
    trayOwner = true;
    const own = app;
    handlers = {
      ...approvalHandlers(
        own,
        deps.historyCheckMs !== undefined ? { historyCheckMs: deps.historyCheckMs } : {},
      ),
      ...deps.otherHandlers(own),
    };
    windows = createWindows(electron, { rendererDir: deps.rendererDir, preload: deps.preload });
    router = createIpcRouter({ ipcMain: electron.ipcMain, handlers, senders: windows, logger });
    tray = createTray(electron, deps.iconFor);
    const decide = handlers["approvals.decide"];
    notifier = await startNotifier({
      Notification: electron.Notification,
      approvals: own.approvals,
      decide: (request) => decide(request),
      openApprovals: (id) => windows?.openApprovals(id),
      integrity: (record) => own.approvals.integrity(record),
      actions: deps.notificationActions,
      logger,
      onChange: (ids) => {
        router?.emit("approvals.changed", { ids });
        void refresh();
      },
    });
    // Another instance asked for the lock: a launcher (open the window), or an MCP client's instance at start or
    // polling for the tray (nothing to show).
    electron.app.on("second-instance", (_event, _argv, _cwd, data) => {
      if (!(data && typeof data === "object" && (data as { quiet?: unknown }).quiet === true))
        windows?.openApprovals();
    });
    const poll = setInterval(() => void refresh(), deps.statusPollMs ?? 30_000);
    poll.unref();
    timers.push(poll);
    if (!stdio) {
      const background = own.approvals.startRunner();
      stops.push(() => background.stop());
    }
    await refresh();
  };

  const quit = async () => {
    await shutDown();
    electron.app.quit();
    finish();
  };

  const stop = async () => {
    await shutDown();
    finish();
  };

  const shutDown = async () => {
    if (stopped) return;
    stopped = true;
    for (const timer of timers) clearInterval(timer);
    notifier?.stop();
    router?.dispose();
    tray?.destroy();
    for (const fn of stops.reverse()) await fn();
    if (trayOwner) electron.app.releaseSingleInstanceLock();
    await app?.close();
  };

  return {
    get trayOwner() {
      return trayOwner;
    },
    get windows() {
      return windows;
    },
    get router() {
      return router;
    },
    done,
    stop,
    async start() {
      const opened = await deps.openApp();
      app = opened.app;
      logger = opened.logger;
      if (stdio) {
        const served = await serveStdio(app, deps.streams);
        stops.push(() => served.stop());
        void served.closed.then(() => quit());
      }
      await electron.app.whenReady();
      // The tray app lives in its tray: closing its windows does not end it.
      electron.app.on("window-all-closed", () => {});
      if (electron.app.requestSingleInstanceLock(stdio ? QUIET : undefined)) {
        await takeTray();
        return;
      }
      if (!stdio) {
        // Opened by hand while another instance shows the tray: that one opens its window (second-instance).
        await quit();
        return;
      }
      const poll = setInterval(() => {
        if (trayOwner || stopped) return;
        if (electron.app.requestSingleInstanceLock(QUIET)) void takeTray();
      }, deps.lockPollMs ?? 5_000);
      poll.unref();
      timers.push(poll);
    },
  };
}
