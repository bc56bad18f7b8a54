import path from "node:path";
import { pathToFileURL } from "node:url";
import type {
  BrowserWindowLike,
  BrowserWindowOptions,
  ElectronMain,
  IpcMainEventLike,
  SessionLike,
  WebContentsLike,
} from "./electron-api.js";
import type { SenderPolicy } from "./ipc-router.js";

/** The renderer may load its own scripts, styles and images, and nothing else: no network, no inline script. */
export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'none'";

export type WindowKind = "approvals" | "settings";
export const PAGES: Record<WindowKind, string> = { approvals: "approvals.html", settings: "settings.html" };

export function windowOptions(kind: WindowKind, preload: string): BrowserWindowOptions {
  return {
    width: kind === "approvals" ? 1000 : 760,
    height: kind === "approvals" ? 720 : 640,
    title: kind === "approvals" ? "odoo-mcp — approvals" : "odoo-mcp — settings",
    show: false,
    webPreferences: {
      preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInSubFrames: false,
      webviewTag: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      spellcheck: false,
    },
  };
}

/** Session-wide rules, set once: the CSP header on every response, every permission request refused. */
export function secureSession(session: SessionLike): void {
  session.webRequest.onHeadersReceived((details, callback) => {
    callback({
      responseHeaders: { ...details.responseHeaders, "Content-Security-Policy": [CONTENT_SECURITY_POLICY] },
    });
  });
  session.setPermissionRequestHandler((_webContents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
}

/** A window's own rules: it never navigates away from its page and never opens another window. */
export function lockDown(webContents: WebContentsLike): void {
  webContents.on("will-navigate", (event) => event.preventDefault());
  webContents.on("will-redirect", (event) => event.preventDefault());
  webContents.setWindowOpenHandler(() => ({ action: "deny" }));
}

export interface Windows extends SenderPolicy {
  /** Opens (or brings forward) the approval window; with an id, on that request (`approvals.html#apr_…`). */
  openApprovals(approvalId?: string): BrowserWindowLike;
  openSettings(): BrowserWindowLike;
}

/**
 * The approval and settings windows, one of each at most. `rendererDir` holds approvals.html and settings.html
 * (dist/renderer), loaded by file URL; `preload` is dist/preload/preload.cjs.
 */
export function createWindows(
  electron: Pick<ElectronMain, "BrowserWindow" | "session">,
  options: { rendererDir: string; preload: string },
): Windows {
  secureSession(electron.session.defaultSession);
  const open = new Map<WindowKind, BrowserWindowLike>();
  const pageUrl = (kind: WindowKind) => pathToFileURL(path.join(options.rendererDir, PAGES[kind])).href;

  const show = (kind: WindowKind, hash?: string): BrowserWindowLike => {
    const url = `${pageUrl(kind)}${hash ? `#${hash}` : ""}`;
    const existing = open.get(kind);
    if (existing && !existing.isDestroyed()) {
      // Same document, another fragment: an in-page navigation (the window reacts to `hashchange`).
      if (hash) void existing.loadURL(url).catch(() => {});
      existing.show();
      existing.focus();
      return existing;
    }
    const window = new electron.BrowserWindow(windowOptions(kind, options.preload));
    lockDown(window.webContents);
    open.set(kind, window);
    window.on("closed", () => {
      if (open.get(kind) === window) open.delete(kind);
    });
    void window.loadURL(url).then(
      () => window.show(),
      () => {},
    );
    return window;
  };

  const live = () => [...open.values()].filter((window) => !window.isDestroyed());

  return {
    openApprovals: (approvalId) =>
      show("approvals", approvalId && /^apr_[a-z2-7]{26}$/.test(approvalId) ? approvalId : undefined),
    openSettings: () => show("settings"),
    isOwnSender(event: IpcMainEventLike): boolean {
      const frame = event.senderFrame;
      if (!frame || frame.parent) return false; // gone, or a sub-frame
      let url: URL;
      try {
        url = new URL(frame.url);
      } catch {
        return false;
      }
      url.hash = "";
      url.search = "";
      for (const [kind, window] of open)
        if (!window.isDestroyed() && window.webContents.id === event.sender.id && url.href === pageUrl(kind))
          return true;
      return false;
    },
    targets: () => live().map((window) => window.webContents),
  };
}
