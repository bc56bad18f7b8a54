/**
 * The part of Electron's API the main process uses, as structural types. The real module is checked against them
 * where it is loaded (main.ts: `const electron: ElectronMain = realElectron`), and the tests' one fake
 * (tests/support/fake-electron.ts) implements exactly them, so that every module here runs in plain Node.
 */

export interface IpcMainEventLike {
  sender: { id: number };
  senderFrame: { url: string; parent: unknown } | null;
}

export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcMainEventLike, ...args: unknown[]) => unknown): void;
  removeHandler(channel: string): void;
}

export interface WebContentsLike {
  readonly id: number;
  send(channel: string, ...args: unknown[]): void;
  on(
    event: "will-navigate" | "will-redirect",
    listener: (event: { preventDefault(): void }) => void,
  ): unknown;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: "deny" }): void;
  isDestroyed(): boolean;
}

export interface BrowserWindowOptions {
  width?: number;
  height?: number;
  title?: string;
  show?: boolean;
  webPreferences: {
    preload: string;
    contextIsolation: boolean;
    sandbox: boolean;
    nodeIntegration: boolean;
    nodeIntegrationInSubFrames: boolean;
    webviewTag: boolean;
    webSecurity: boolean;
    allowRunningInsecureContent: boolean;
    spellcheck: boolean;
  };
}

export interface BrowserWindowLike {
  readonly webContents: WebContentsLike;
  loadURL(url: string): Promise<void>;
  show(): void;
  focus(): void;
  isDestroyed(): boolean;
  on(event: "closed", listener: () => void): unknown;
}

export interface HeadersDetails {
  responseHeaders?: Record<string, string[]>;
}

export interface SessionLike {
  webRequest: {
    onHeadersReceived(
      listener: (
        details: HeadersDetails,
        callback: (response: { responseHeaders?: Record<string, string[]> }) => void,
      ) => void,
    ): void;
  };
  setPermissionRequestHandler(
    handler:
      | ((webContents: unknown, permission: string, callback: (granted: boolean) => void) => void)
      | null,
  ): void;
  setPermissionCheckHandler(handler: ((webContents: unknown, permission: string) => boolean) | null): void;
}

export interface MenuItemTemplate {
  label?: string;
  type?: "normal" | "separator" | "checkbox";
  enabled?: boolean;
  checked?: boolean;
  click?: () => void;
}

export interface TrayLike {
  setImage(image: string): void;
  setToolTip(tip: string): void;
  setTitle(title: string): void;
  setContextMenu(menu: unknown): void;
  destroy(): void;
}

export interface NotificationOptions {
  title: string;
  body: string;
  silent?: boolean;
  actions?: { type: "button"; text: string }[];
}

export interface NotificationLike {
  show(): void;
  close(): void;
  on(event: "click", listener: () => void): unknown;
  on(event: "action", listener: (event: unknown, index: number) => void): unknown;
  on(event: "close", listener: () => void): unknown;
}

export interface AppLike {
  readonly commandLine: { appendSwitch(name: string, value?: string): void };
  requestSingleInstanceLock(additionalData?: Record<string, unknown>): boolean;
  releaseSingleInstanceLock(): void;
  whenReady(): Promise<unknown>;
  on(
    event: "second-instance",
    listener: (event: unknown, argv: string[], workingDirectory: string, additionalData: unknown) => void,
  ): unknown;
  on(event: "window-all-closed", listener: () => void): unknown;
  on(event: "will-quit", listener: () => void): unknown;
  quit(): void;
  getPath(name: "userData"): string;
}

/** What src/main needs of `import("electron")` in the main process. */
export interface ElectronMain {
  app: AppLike;
  ipcMain: IpcMainLike;
  BrowserWindow: new (options: BrowserWindowOptions) => BrowserWindowLike;
  Tray: new (image: string) => TrayLike;
  Menu: { buildFromTemplate(template: MenuItemTemplate[]): unknown };
  Notification: (new (options: NotificationOptions) => NotificationLike) & { isSupported(): boolean };
  session: { defaultSession: SessionLike };
}

/** What the preload needs (the renderer side of IPC). */
export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

export interface ElectronPreload {
  contextBridge: { exposeInMainWorld(key: string, api: unknown): void };
  ipcRenderer: IpcRendererLike;
}
