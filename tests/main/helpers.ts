import type { MainDeps, OtherHandlers } from "../../src/main/main-process.js";
import { type App, createApp } from "../../src/mcp/app.js";
import { loadConfig } from "../../src/mcp/config/config.js";
import { type Keychain, keychainAccount } from "../../src/mcp/credentials/keychain.js";
import { silentLogger } from "../../src/mcp/log.js";
import type { SettingsView } from "../../src/shared/ipc.js";
import type { Harness } from "../support/harness.js";

/**
 * Small real handlers for the settings window's channels (the app's own live in src/main/settings-handlers.ts and
 * clients-handlers.ts, built by another engineer): a saved secret goes to the keychain, the answers say only
 * whether one is saved (and its kind).
 */
export function testOtherHandlers(app: App, keychain: Keychain): OtherHandlers {
  const saved = {
    url: app.config.odoo.url,
    database: app.config.odoo.database,
    username: app.config.odoo.username,
  };
  let secret: SettingsView["odoo"]["secret"] = null;
  const view = (): SettingsView => ({
    odoo: { ...saved, secret },
    data_dir: app.config.dataDir,
    start_at_login: false,
    policy: [],
    fixed_rules: [],
    warnings: [],
  });
  return {
    "settings.get": async () => view(),
    async "settings.saveConnection"({ url, database, username, secret: typed, secret_kind }) {
      Object.assign(saved, { url, database, username });
      if (typed) {
        await keychain.set(keychainAccount(url, database, username, secret_kind), typed);
        secret = { source: "keychain", kind: secret_kind };
      }
      return view();
    },
    "settings.testConnection": async () => ({ ok: true, checks: [], facts: {} }),
    "settings.setPolicy": async () => view(),
    "settings.setStartAtLogin": async () => view(),
    "settings.companies": async () => ({
      user_current: { id: 1, name: "My Company" },
      choices: [{ id: 1, name: "My Company" }],
    }),
    "settings.setScope": async () => view(),
    "clients.configs": async () => ({ claude_desktop: "{}", claude_code: "claude mcp add", generic: "{}" }),
    "clients.addToClaudeDesktop": async () => ({ path: "/tmp/x.json", backup: null, added: true }),
    "links.openOdoo": async () => ({}),
  };
}

/** A second app (another instance's) over the harness's data folder and keychain: the store is shared. */
export async function sharedApp(h: Harness, keychain: Keychain): Promise<App> {
  const config = loadConfig({ env: h.env, cwd: h.dataDir });
  return createApp(config, { logger: silentLogger, keychain });
}

export function mainDeps(
  openApp: () => Promise<App>,
  keychain: Keychain,
  overrides: Partial<MainDeps> = {},
): MainDeps {
  return {
    argv: [],
    streams: { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr },
    openApp: async () => ({ app: await openApp(), logger: silentLogger }),
    otherHandlers: (app) => testOtherHandlers(app, keychain),
    rendererDir: "/opt/odoo-mcp/dist/renderer",
    preload: "/opt/odoo-mcp/dist/preload/preload.cjs",
    iconFor: (state) => `/icons/${state}.png`,
    notificationActions: true,
    lockPollMs: 50,
    statusPollMs: 60_000,
    ...overrides,
  };
}

export { until } from "../support/wait.js";
