import { describe, expect, it } from "vitest";
import { CONTENT_SECURITY_POLICY, createWindows } from "../../src/main/windows.js";
import { createFakeElectron, type FakeBrowserWindow } from "../support/fake-electron.js";

const APR = "apr_abcdefghijklmnopqrstuvwxyz";

describe("windows", () => {
  const setup = () => {
    const electron = createFakeElectron();
    const windows = createWindows(electron, {
      rendererDir: "/opt/app/dist/renderer",
      preload: "/opt/app/dist/preload/preload.cjs",
    });
    return { electron, windows };
  };

  it("open with context isolation, the sandbox, no Node, the preload, and their page by file URL", async () => {
    const { electron, windows } = setup();
    const approvals = windows.openApprovals() as FakeBrowserWindow;
    const settings = windows.openSettings() as FakeBrowserWindow;
    for (const window of [approvals, settings])
      expect(window.options.webPreferences).toEqual({
        preload: "/opt/app/dist/preload/preload.cjs",
        contextIsolation: true,
        sandbox: true,
        nodeIntegration: false,
        nodeIntegrationInSubFrames: false,
        webviewTag: false,
        webSecurity: true,
        allowRunningInsecureContent: false,
        spellcheck: false,
      });
    expect(approvals.loaded).toEqual(["file:///opt/app/dist/renderer/approvals.html"]);
    expect(settings.loaded).toEqual(["file:///opt/app/dist/renderer/settings.html"]);
    // One of each: opening again brings the same window forward; with an id, on that request.
    expect(windows.openApprovals(APR)).toBe(approvals);
    expect(approvals.loaded.at(-1)).toBe(`file:///opt/app/dist/renderer/approvals.html#${APR}`);
    windows.openApprovals("not-an-id\u202e");
    expect(approvals.loaded.at(-1)).toBe(`file:///opt/app/dist/renderer/approvals.html#${APR}`);
    expect(electron.windows).toHaveLength(2);
    approvals.close();
    expect(windows.openApprovals()).not.toBe(approvals);
  });

  it("set the strict CSP on every response, refuse every permission, deny navigation and window.open", () => {
    const { electron, windows } = setup();
    const window = windows.openApprovals() as FakeBrowserWindow;
    let headers: Record<string, string[]> | undefined;
    electron.sessionState.headerListener?.({ responseHeaders: { "X-Other": ["1"] } }, (response) => {
      headers = response.responseHeaders;
    });
    expect(headers).toEqual({ "X-Other": ["1"], "Content-Security-Policy": [CONTENT_SECURITY_POLICY] });
    expect(CONTENT_SECURITY_POLICY).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'none'",
    );
    for (const permission of ["media", "geolocation", "notifications", "clipboard-read", "openExternal"]) {
      let granted: boolean | undefined;
      electron.sessionState.permissionRequest?.({}, permission, (value) => {
        granted = value;
      });
      expect(granted, permission).toBe(false);
      expect(electron.sessionState.permissionCheck?.({}, permission)).toBe(false);
    }
    expect(window.webContents.tryNavigate("https://evil.example/")).toBe(true);
    expect(window.webContents.tryNavigate("file:///etc/passwd")).toBe(true);
    expect(window.webContents.windowOpenHandler?.({ url: "https://evil.example/" })).toEqual({
      action: "deny",
    });
  });

  it("know their own senders: the window's main frame on its own page, nothing else", () => {
    const { electron, windows } = setup();
    const window = windows.openSettings() as FakeBrowserWindow;
    expect(windows.isOwnSender(window.event())).toBe(true);
    expect(
      windows.isOwnSender(window.event({ url: "file:///opt/app/dist/renderer/settings.html?x=1#y" })),
    ).toBe(true);
    expect(windows.isOwnSender(window.event({ subFrame: true }))).toBe(false);
    expect(windows.isOwnSender(window.event({ url: "file:///opt/app/dist/renderer/approvals.html" }))).toBe(
      false,
    );
    const other = new electron.BrowserWindow(window.options) as FakeBrowserWindow;
    void other.loadURL(window.webContents.url);
    expect(windows.isOwnSender(other.event())).toBe(false);
    window.close();
    expect(windows.isOwnSender(window.event())).toBe(false);
    expect(windows.targets()).toEqual([]);
  });
});
