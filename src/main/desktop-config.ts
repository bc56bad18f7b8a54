import { type App, createApp } from "../mcp/app.js";
import { withPersonPolicy } from "../mcp/approvals/person-policy.js";
import { type Config, loadConfig } from "../mcp/config/config.js";
import type { Keychain } from "../mcp/credentials/keychain.js";
import { createLogger, type Logger } from "../mcp/log.js";

/** The app's own Odoo connection settings (electron-store in the app): never a secret (that is the keychain's). */
export interface OdooSettings {
  url?: string;
  database?: string;
  username?: string;
}

/** Read side of the app's settings store, as the main process needs it. */
export interface OdooSettingsSource {
  odoo(): OdooSettings;
}

const FROM_SETTINGS: [keyof OdooSettings, string, string[]][] = [
  ["url", "ODOO_URL", []],
  ["database", "ODOO_DATABASE", ["ODOO_DB"]],
  ["username", "ODOO_USERNAME", ["ODOO_USER"]],
];

/**
 * The environment the configuration is read from: the app's settings fill what the environment leaves unset (an
 * alias such as ODOO_DB counts as set). So an MCP client's `env` block wins over what the settings window saved.
 */
export function settingsEnv(settings: OdooSettings, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const merged: NodeJS.ProcessEnv = { ...env };
  for (const [field, key, aliases] of FROM_SETTINGS) {
    const value = settings[field];
    if (!value) continue;
    if ([key, ...aliases].some((name) => env[name] !== undefined && env[name] !== "")) continue;
    merged[key] = value;
  }
  return merged;
}

/** `openApp` of the CLI, with the settings store as a source beside the environment. */
export async function openDesktopApp(options: {
  settings: OdooSettingsSource;
  env: NodeJS.ProcessEnv;
  cwd?: string;
  keychain: Keychain | null;
  logger?: Logger;
}): Promise<{ app: App; config: Config; logger: Logger }> {
  const env = settingsEnv(options.settings.odoo(), options.env);
  const load = { env, ...(options.cwd ? { cwd: options.cwd } : {}) };
  const first = loadConfig(load);
  const logger = options.logger ?? createLogger(first.logLevel);
  const config = await withPersonPolicy(first, options.keychain, loadConfig, load);
  for (const warning of config.warnings) logger.warn(warning);
  const app = await createApp(config, { logger, keychain: options.keychain });
  return { app, config, logger };
}
