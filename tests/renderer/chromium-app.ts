import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { build } from "vite";
import { approvalHandlers } from "../../src/main/approval-handlers.js";
import { clientsHandlers } from "../../src/main/clients-handlers.js";
import { settingsHandlers } from "../../src/main/settings-handlers.js";
import { type BridgeServer, startBridgeServer } from "../support/bridge-server.js";
import type { Harness } from "../support/harness.js";
import { jsonSettingsStore, memoryLoginItems } from "../support/settings-store.js";

const REPO = path.resolve(import.meta.dirname, "../..");
const CHROMIUM = "/usr/bin/chromium";
const ACTOR = "ada (odoo-mcp app)";

export interface ChromiumApp {
  bridge: BridgeServer;
  context: BrowserContext;
  page: Page;
  /** Where screenshots go: docs/screenshots under `npm run screenshots` (ODOO_MCP_SCREENSHOTS), else a temp dir. */
  shots: string;
  /** Errors the page threw or logged: a test ends by expecting none. */
  pageErrors: string[];
  /** The links the windows asked the app to open (shell.openExternal in Electron). */
  opened: string[];
  store: ReturnType<typeof jsonSettingsStore>;
  close(): Promise<void>;
}

/**
 * The app's windows in a real headless Chromium, over the loopback test bridge that serves the REAL handlers
 * (approvals, settings, clients) of the harness's app on the sandbox: the renderer is built, the handlers get
 * `env` as the app's environment (read again at every call, as the handlers read process.env).
 */
export async function startChromiumApp(h: Harness, env: Record<string, string>): Promise<ChromiumApp> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run scripts/install-test-deps.sh`);
  await build({ configFile: path.join(REPO, "vite.renderer.config.ts"), logLevel: "warn" });
  const opened: string[] = [];
  const store = jsonSettingsStore(path.join(h.dataDir, "settings.json"));
  const bridge = await startBridgeServer({
    root: path.join(REPO, "dist/renderer"),
    handlers: {
      ...approvalHandlers(h.app, { actor: ACTOR, historyCheckMs: 0 }),
      ...settingsHandlers({
        app: () => h.app,
        store,
        loginItems: memoryLoginItems(),
        openExternal: (url) => void opened.push(url),
        configOptions: { env, cwd: h.dataDir },
        actor: ACTOR,
      }),
      ...clientsHandlers({
        command: "/Applications/Odoo MCP.app/Contents/MacOS/Odoo MCP",
        claudeDesktopConfigPath: path.join(h.dataDir, "Claude", "claude_desktop_config.json"),
        platform: "darwin",
      }),
    },
  });
  const profile = await mkdtemp(path.join(tmpdir(), "odoo-mcp-chromium-"));
  const shots = process.env.ODOO_MCP_SCREENSHOTS
    ? path.resolve(REPO, process.env.ODOO_MCP_SCREENSHOTS)
    : path.join(profile, "screenshots");
  await mkdir(shots, { recursive: true });
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 820 },
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--no-first-run",
      "--disable-sync",
      "--disable-component-update",
    ],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const pageErrors: string[] = [];
  page.on("pageerror", (error) => pageErrors.push(error.message));
  page.on("console", (message) => {
    if (message.type() === "error") pageErrors.push(message.text());
  });
  return {
    bridge,
    context,
    page,
    shots,
    pageErrors,
    opened,
    store,
    async close() {
      await context.close();
      await bridge.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
