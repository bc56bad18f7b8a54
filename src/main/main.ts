import path from "node:path";
import { fileURLToPath } from "node:url";
import realElectron from "electron";
import Store from "electron-store";
import type { App } from "../mcp/app.js";
import { tryKeychain } from "../mcp/cli/context.js";
import { createLogger } from "../mcp/log.js";
import { claudeDesktopConfigPath, clientsHandlers } from "./clients-handlers.js";
import { openDesktopApp } from "./desktop-config.js";
import type { ElectronMain } from "./electron-api.js";
import { createMainProcess, type OtherHandlers } from "./main-process.js";
import {
  connectionSettings,
  type SettingsStore,
  type StoredConnection,
  settingsHandlers,
} from "./settings-handlers.js";

/**
 * The Electron entry (dist/main/main.js, package.json `main`). Only wiring: the real Electron module, the app's
 * settings store (electron-store, in Electron's userData folder, shared by every instance: never a secret), the
 * keychain, and the settings window's handlers. Everything else is createMainProcess, tested with the fake Electron.
 */
const electron: ElectronMain = realElectron;
const here = path.dirname(fileURLToPath(import.meta.url)); // dist/main
const dist = path.dirname(here);
const stdio = process.argv.includes("--stdio");

// Whatever Electron or a library prints must not reach the MCP client's stdout; logs go to stderr.
const logger = createLogger(stdio ? "warn" : "info", "odoo-mcp-app");

const store = new Store<{ connection: StoredConnection | null }>({
  name: "settings",
  defaults: { connection: null },
});
const settingsStore: SettingsStore = {
  getConnection: () => store.get("connection"),
  setConnection: (connection) => store.set("connection", connection),
};
const savedSettings = () => {
  const saved = store.get("connection");
  return saved ? connectionSettings(saved) : {};
};

/** The settings window's handlers, over the running app. */
const otherHandlers = (app: App): OtherHandlers => ({
  ...settingsHandlers({
    app: () => app,
    store: settingsStore,
    loginItems: {
      get: () => realElectron.app.getLoginItemSettings().openAtLogin,
      set: (enabled) => realElectron.app.setLoginItemSettings({ openAtLogin: enabled }),
    },
    openExternal: (url) => realElectron.shell.openExternal(url),
    onChange: (what) =>
      logger.info(
        `the ${what} changed: a running instance takes it when it starts again (the tray's Quit, then reopen)`,
      ),
  }),
  ...clientsHandlers({
    // Packaged: the app's own executable. From a checkout: electron with the app's folder.
    command: process.execPath,
    args: realElectron.app.isPackaged ? [] : [realElectron.app.getAppPath()],
    claudeDesktopConfigPath: claudeDesktopConfigPath(),
  }),
});

const main = createMainProcess(electron, {
  argv: process.argv,
  streams: { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr },
  openApp: () =>
    openDesktopApp({
      settings: { odoo: savedSettings },
      env: process.env,
      keychain: tryKeychain(logger),
      logger,
    }),
  otherHandlers,
  rendererDir: path.join(dist, "renderer"),
  preload: path.join(dist, "preload", "preload.cjs"),
  // assets/tray (scripts/make-icons.mjs): template images on macOS (the menu bar tints them), colour elsewhere.
  iconFor: (state) =>
    path.join(
      dist,
      "..",
      "assets",
      "tray",
      `tray-${state === "not_configured" ? "unconfigured" : state}${process.platform === "darwin" ? "Template" : ""}.png`,
    ),
  notificationActions: process.platform === "darwin",
});

process.once("SIGINT", () => void main.stop().then(() => realElectron.app.quit()));
process.once("SIGTERM", () => void main.stop().then(() => realElectron.app.quit()));
main.start().catch((error: unknown) => {
  logger.error(`odoo-mcp app failed to start: ${error instanceof Error ? error.message : String(error)}`);
  realElectron.app.exit(1);
});
