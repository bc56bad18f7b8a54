import path from "node:path";
import { fileURLToPath } from "node:url";
import realElectron from "electron";
import Store from "electron-store";
import type { App } from "../mcp/app.js";
import { tryKeychain } from "../mcp/cli/context.js";
import { ToolError } from "../mcp/errors.js";
import { createLogger } from "../mcp/log.js";
import { type OdooSettings, openDesktopApp } from "./desktop-config.js";
import type { ElectronMain } from "./electron-api.js";
import { createMainProcess, type OtherHandlers } from "./main-process.js";

/**
 * The Electron entry (dist/main/main.js, package.json `main`). Only wiring: the real Electron module, the app's
 * settings store (electron-store, in Electron's userData folder, shared by every instance), the keychain, and the
 * settings window's handlers. Everything else is createMainProcess, tested with the fake Electron.
 */
const electron: ElectronMain = realElectron;
const here = path.dirname(fileURLToPath(import.meta.url)); // dist/main
const dist = path.dirname(here);
const stdio = process.argv.includes("--stdio");

// Whatever Electron or a library prints must not reach the MCP client's stdout; logs go to stderr.
const logger = createLogger(stdio ? "warn" : "info", "odoo-mcp-app");

const settings = new Store<{ odoo: OdooSettings }>({ name: "settings", defaults: { odoo: {} } });

/** settings-handlers.ts and clients-handlers.ts (the settings window's side), when this build has them. */
async function loadOtherHandlers(): Promise<(app: App) => OtherHandlers> {
  const unavailable = async (): Promise<never> => {
    throw new ToolError("INTERNAL_ERROR", "This build of the app has no settings window yet.");
  };
  const fallback: OtherHandlers = {
    "settings.get": unavailable,
    "settings.saveConnection": unavailable,
    "settings.testConnection": unavailable,
    "settings.setPolicy": unavailable,
    "settings.setStartAtLogin": unavailable,
    "clients.configs": unavailable,
    "clients.addToClaudeDesktop": unavailable,
    "links.openOdoo": unavailable,
  };
  try {
    const specifier = "./settings-handlers.js";
    const module = (await import(specifier)) as {
      settingsHandlers?: (deps: Record<string, unknown>) => Partial<OtherHandlers>;
    };
    const clientsSpecifier = "./clients-handlers.js";
    const clients = (await import(clientsSpecifier)) as {
      clientsHandlers?: (deps: Record<string, unknown>) => Partial<OtherHandlers>;
    };
    return (app) => ({
      ...fallback,
      ...module.settingsHandlers?.({ app, settingsStore: settings, electron: realElectron }),
      ...clients.clientsHandlers?.({ app, settingsStore: settings, electron: realElectron }),
    });
  } catch {
    return () => fallback;
  }
}

const otherHandlers = await loadOtherHandlers();
const main = createMainProcess(electron, {
  argv: process.argv,
  streams: { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr },
  openApp: () =>
    openDesktopApp({
      settings: { odoo: () => settings.get("odoo") },
      env: process.env,
      keychain: tryKeychain(logger),
      logger,
    }),
  otherHandlers,
  rendererDir: path.join(dist, "renderer"),
  preload: path.join(dist, "preload", "preload.cjs"),
  iconFor: (state) => path.join(dist, "..", "build", "tray", `${state}.png`),
  notificationActions: process.platform === "darwin",
});

process.once("SIGINT", () => void main.stop().then(() => realElectron.app.quit()));
process.once("SIGTERM", () => void main.stop().then(() => realElectron.app.quit()));
main.start().catch((error: unknown) => {
  logger.error(`odoo-mcp app failed to start: ${error instanceof Error ? error.message : String(error)}`);
  realElectron.app.exit(1);
});
