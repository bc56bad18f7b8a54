import type {
  BrowserWindowLike,
  BrowserWindowOptions,
  ElectronMain,
  ElectronPreload,
  HeadersDetails,
  IpcMainEventLike,
  MenuItemTemplate,
  NotificationLike,
  NotificationOptions,
  TrayLike,
  WebContentsLike,
} from "../../src/main/electron-api.js";

/**
 * The one typed fake of the Electron APIs src/main uses (src/main/electron-api.ts), for tests in plain Node.
 * It keeps what the code did (windows and their options, messages sent to windows, the tray's menu, notifications)
 * and lets a test act as the OS or the person: invoke an IPC channel as a window would, click a menu item or a
 * notification button, start a second instance that competes for the single-instance lock.
 */

// Electron's emitters take listeners of any signature; the fake mirrors that.
// biome-ignore lint/suspicious/noExplicitAny: listener parameters differ per event
type Listener = (...args: any[]) => void;

class Emitter {
  private listeners = new Map<string, Listener[]>();
  on(event: string, listener: Listener): this {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener]);
    return this;
  }
  removeListener(event: string, listener: Listener): this {
    this.listeners.set(
      event,
      (this.listeners.get(event) ?? []).filter((l) => l !== listener),
    );
    return this;
  }
  emit(event: string, ...args: unknown[]): void {
    for (const listener of this.listeners.get(event) ?? []) listener(...args);
  }
  count(event: string): number {
    return this.listeners.get(event)?.length ?? 0;
  }
}

/** The OS's single-instance lock, shared by the fake apps of one test (one "machine"). */
export class LockRegistry {
  owner: FakeApp | null = null;
}

let nextWebContentsId = 1;

export class FakeWebContents extends Emitter implements WebContentsLike {
  readonly id = nextWebContentsId++;
  readonly sent: { channel: string; args: unknown[] }[] = [];
  windowOpenHandler: ((details: { url: string }) => { action: "deny" }) | null = null;
  destroyed = false;
  url = "";
  send(channel: string, ...args: unknown[]): void {
    this.sent.push({ channel, args: structuredClone(args) });
  }
  setWindowOpenHandler(handler: (details: { url: string }) => { action: "deny" }): void {
    this.windowOpenHandler = handler;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  /** What Electron does before navigating: asks the listeners; true when one prevented it. */
  tryNavigate(url: string): boolean {
    let prevented = false;
    this.emit("will-navigate", { url, preventDefault: () => (prevented = true) });
    return prevented;
  }
}

export class FakeBrowserWindow extends Emitter implements BrowserWindowLike {
  readonly webContents = new FakeWebContents();
  readonly loaded: string[] = [];
  visible = false;
  destroyed = false;
  constructor(
    readonly options: BrowserWindowOptions,
    registry: FakeBrowserWindow[],
  ) {
    super();
    registry.push(this);
  }
  async loadURL(url: string): Promise<void> {
    this.loaded.push(url);
    this.webContents.url = url;
  }
  show(): void {
    this.visible = true;
  }
  focus(): void {}
  isDestroyed(): boolean {
    return this.destroyed;
  }
  close(): void {
    this.destroyed = true;
    this.webContents.destroyed = true;
    this.emit("closed");
  }
  /** An IPC event as this window's main frame (or a sub-frame at `url`) would send it. */
  event(options: { url?: string; subFrame?: boolean } = {}): IpcMainEventLike {
    return {
      sender: { id: this.webContents.id },
      senderFrame: { url: options.url ?? this.webContents.url, parent: options.subFrame ? {} : null },
    };
  }
}

export class FakeTray implements TrayLike {
  image: string;
  tooltip = "";
  title = "";
  menu: MenuItemTemplate[] = [];
  destroyed = false;
  constructor(image: string) {
    this.image = image;
  }
  setImage(image: string): void {
    this.image = image;
  }
  setToolTip(tip: string): void {
    this.tooltip = tip;
  }
  setTitle(title: string): void {
    this.title = title;
  }
  setContextMenu(menu: unknown): void {
    this.menu = (menu as { template: MenuItemTemplate[] }).template;
  }
  destroy(): void {
    this.destroyed = true;
  }
  /** Clicks the menu item whose label matches. */
  click(label: string | RegExp): void {
    const item = this.menu.find((entry) =>
      typeof label === "string" ? entry.label === label : label.test(entry.label ?? ""),
    );
    if (!item?.click) throw new Error(`no clickable menu item ${String(label)}`);
    item.click();
  }
}

export class FakeNotification extends Emitter implements NotificationLike {
  shown = false;
  closed = false;
  shownAt = 0;
  constructor(
    readonly options: NotificationOptions,
    registry: FakeNotification[],
  ) {
    super();
    registry.push(this);
  }
  show(): void {
    this.shown = true;
    this.shownAt = Date.now();
  }
  close(): void {
    this.closed = true;
  }
  click(): void {
    this.emit("click");
  }
  action(index: number): void {
    this.emit("action", {}, index);
  }
}

export class FakeApp extends Emitter {
  readonly switches: [string, string | undefined][] = [];
  readonly commandLine = {
    appendSwitch: (name: string, value?: string) => {
      this.switches.push([name, value]);
    },
  };
  quitCalled = false;
  lockRequests = 0;
  constructor(
    private readonly locks: LockRegistry,
    private readonly userData: string,
  ) {
    super();
  }
  requestSingleInstanceLock(additionalData?: Record<string, unknown>): boolean {
    this.lockRequests++;
    if (this.locks.owner === this) return true;
    if (this.locks.owner === null && !this.quitCalled) {
      this.locks.owner = this;
      return true;
    }
    this.locks.owner?.emit("second-instance", {}, [], "/", additionalData ?? null);
    return false;
  }
  releaseSingleInstanceLock(): void {
    if (this.locks.owner === this) this.locks.owner = null;
  }
  async whenReady(): Promise<void> {}
  quit(): void {
    if (this.quitCalled) return;
    this.quitCalled = true;
    this.emit("will-quit");
    this.releaseSingleInstanceLock();
  }
  getPath(_name: "userData"): string {
    return this.userData;
  }
}

export interface FakeSession {
  headerListener:
    | ((
        details: HeadersDetails,
        callback: (response: { responseHeaders?: Record<string, string[]> }) => void,
      ) => void)
    | null;
  permissionRequest:
    | ((webContents: unknown, permission: string, callback: (granted: boolean) => void) => void)
    | null;
  permissionCheck: ((webContents: unknown, permission: string) => boolean) | null;
}

export interface FakeElectron extends ElectronMain, ElectronPreload {
  app: FakeApp;
  windows: FakeBrowserWindow[];
  trays: FakeTray[];
  notifications: FakeNotification[];
  sessionState: FakeSession;
  /** ipcMain's registered handlers. */
  handlers: Map<string, (event: IpcMainEventLike, ...args: unknown[]) => unknown>;
  /** Calls a channel's handler as a renderer's `ipcRenderer.invoke` would, with the given sender. */
  invoke(channel: string, event: IpcMainEventLike, payload?: unknown): Promise<unknown>;
  /** What the preload exposed with contextBridge, by key. */
  exposed: Map<string, unknown>;
  /** Calls the preload's ipcRenderer made. */
  rendererInvocations: { channel: string; args: unknown[] }[];
  /** ipcRenderer.on listeners by channel (the preload's subscriptions). */
  rendererListeners: Emitter;
  /** Every message any window was sent. */
  sentToWindows(): { channel: string; args: unknown[] }[];
}

export function createFakeElectron(options: { locks?: LockRegistry; userData?: string } = {}): FakeElectron {
  const windows: FakeBrowserWindow[] = [];
  const notifications: FakeNotification[] = [];
  const trays: FakeTray[] = [];
  const handlers = new Map<string, (event: IpcMainEventLike, ...args: unknown[]) => unknown>();
  const exposed = new Map<string, unknown>();
  const rendererInvocations: { channel: string; args: unknown[] }[] = [];
  const rendererListeners = new Emitter();
  const sessionState: FakeSession = { headerListener: null, permissionRequest: null, permissionCheck: null };

  class BrowserWindow extends FakeBrowserWindow {
    constructor(windowOptions: BrowserWindowOptions) {
      super(windowOptions, windows);
    }
  }
  class Tray extends FakeTray {
    constructor(image: string) {
      super(image);
      trays.push(this);
    }
  }
  class Notification extends FakeNotification {
    static isSupported(): boolean {
      return true;
    }
    constructor(notificationOptions: NotificationOptions) {
      super(notificationOptions, notifications);
    }
  }

  return {
    app: new FakeApp(options.locks ?? new LockRegistry(), options.userData ?? "/tmp/fake-user-data"),
    ipcMain: {
      handle(channel, listener) {
        if (handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
        handlers.set(channel, listener);
      },
      removeHandler(channel) {
        handlers.delete(channel);
      },
    },
    BrowserWindow,
    Tray,
    Menu: { buildFromTemplate: (template: MenuItemTemplate[]) => ({ template }) },
    Notification,
    session: {
      defaultSession: {
        webRequest: {
          onHeadersReceived(listener) {
            sessionState.headerListener = listener;
          },
        },
        setPermissionRequestHandler(handler) {
          sessionState.permissionRequest = handler;
        },
        setPermissionCheckHandler(handler) {
          sessionState.permissionCheck = handler;
        },
      },
    },
    contextBridge: {
      exposeInMainWorld(key, api) {
        exposed.set(key, api);
      },
    },
    ipcRenderer: {
      async invoke(channel, ...args) {
        rendererInvocations.push({ channel, args });
        return { ok: true, value: { echoed: channel } };
      },
      on(channel, listener) {
        rendererListeners.on(channel, listener as Listener);
      },
      removeListener(channel, listener) {
        rendererListeners.removeListener(channel, listener as Listener);
      },
    },
    windows,
    trays,
    notifications,
    sessionState,
    handlers,
    async invoke(channel, event, payload) {
      const handler = handlers.get(channel);
      if (!handler) throw new Error(`No handler registered for '${channel}'`);
      // IPC carries structured clones, both ways.
      return structuredClone(await handler(event, structuredClone(payload)));
    },
    exposed,
    rendererInvocations,
    rendererListeners,
    sentToWindows: () => windows.flatMap((window) => window.webContents.sent),
  };
}
