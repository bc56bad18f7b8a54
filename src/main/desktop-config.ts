import { z } from "zod";
import { type App, createApp } from "../mcp/app.js";
import { withPersonPolicy } from "../mcp/approvals/person-policy.js";
import { type Config, ConfigError, type LoadConfigOptions, loadConfig } from "../mcp/config/config.js";
import type { Keychain } from "../mcp/credentials/keychain.js";
import { createLogger, type Logger } from "../mcp/log.js";
import { type AgentScope, agentScope } from "../shared/ipc.js";
import { TOOLSETS } from "../shared/toolsets.js";

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

/**
 * The company, toolsets and read-only mode the person chose in the settings window. They decide what the agent
 * may do, so they are kept where the agent cannot write: the OS keychain (one entry per OS user), never the
 * settings file (electron-store's JSON in the user's folder, which an agent with file tools could edit, delete, or
 * put back as it was before the person narrowed it). Without a keychain they cannot be saved at all.
 */
export const SCOPE_ACCOUNT = "desktop-agent-scope";

const storedScope = z.object({
  v: z.literal(1),
  scope: agentScope,
  /** The connection the company was chosen for: a company id means nothing in another database. */
  connection: z.object({ url: z.string(), database: z.string(), username: z.string() }),
  set_by: z.string(),
  set_at: z.string(),
});
export type StoredScope = z.infer<typeof storedScope>;

export type SavedScope =
  | { state: "none" }
  | { state: "valid"; stored: StoredScope }
  /** The keychain did not answer: nothing can have been read; the environment alone decides, and a warning says so. */
  | { state: "unavailable"; reason: string }
  /** The keychain holds something odoo-mcp did not write: read-only until the person saves again. */
  | { state: "unreadable" };

/** What a server works with when the person saved nothing. */
export const DEFAULT_SCOPE: AgentScope = { company: null, toolsets: [...TOOLSETS], read_only: false };

export async function readAgentScope(keychain: Keychain | null): Promise<SavedScope> {
  if (!keychain) return { state: "none" };
  let text: string | null;
  try {
    text = await keychain.get(SCOPE_ACCOUNT);
  } catch (error) {
    return { state: "unavailable", reason: error instanceof Error ? error.message : String(error) };
  }
  if (text === null) return { state: "none" };
  try {
    return { state: "valid", stored: storedScope.parse(JSON.parse(text)) };
  } catch {
    return { state: "unreadable" };
  }
}

export async function writeAgentScope(keychain: Keychain, stored: StoredScope): Promise<void> {
  await keychain.set(SCOPE_ACCOUNT, JSON.stringify(storedScope.parse(stored)));
}

const SCOPE_KEYS = {
  company: "ODOO_COMPANY",
  toolsets: "ODOO_MCP_TOOLSETS",
  read_only: "ODOO_MCP_READ_ONLY",
} as const;

export type ScopeSources = Record<keyof typeof SCOPE_KEYS, "environment" | "settings" | "default">;

/**
 * The environment with the person's saved scope in it, by the rule every other saved setting follows: the
 * environment (the MCP client's configuration) wins where it sets a key, the saved choice fills what it leaves
 * unset, and `.env` may then only narrow the tools (config.ts). The company applies only to the connection it was
 * chosen for. `connection` is the Odoo connection the environment gives without the scope.
 */
export function scopeEnv(
  saved: SavedScope,
  env: NodeJS.ProcessEnv,
  connection: { url: string; database: string; username: string } | null,
): { env: NodeJS.ProcessEnv; sources: ScopeSources; warnings: string[] } {
  const merged: NodeJS.ProcessEnv = { ...env };
  const warnings: string[] = [];
  const sources: ScopeSources = { company: "default", toolsets: "default", read_only: "default" };
  const inEnv = (key: string) => env[key] !== undefined && env[key] !== "";
  for (const field of Object.keys(SCOPE_KEYS) as (keyof typeof SCOPE_KEYS)[])
    if (inEnv(SCOPE_KEYS[field])) sources[field] = "environment";
  const fill = (field: keyof typeof SCOPE_KEYS, value: string) => {
    if (sources[field] === "environment") return;
    merged[SCOPE_KEYS[field]] = value;
    sources[field] = "settings";
  };
  if (saved.state === "unavailable")
    warnings.push(
      `the OS keychain did not answer (${saved.reason}): a company, toolsets or read-only mode chosen in the settings window cannot be read, so only the environment decides them`,
    );
  if (saved.state === "unreadable") {
    warnings.push(
      "the agent's scope in the keychain is not one the settings window wrote: the server is read-only until you choose again in the settings window",
    );
    fill("read_only", "true");
  }
  if (saved.state !== "valid") return { env: merged, sources, warnings };
  const { scope, connection: chosenFor } = saved.stored;
  fill("toolsets", scope.toolsets.join(","));
  if (scope.read_only) fill("read_only", "true");
  else if (sources.read_only !== "environment") sources.read_only = "settings";
  if (scope.company !== null) {
    const same =
      connection !== null &&
      chosenFor.url === connection.url &&
      chosenFor.database === connection.database &&
      chosenFor.username === connection.username;
    if (same) fill("company", String(scope.company));
    else if (sources.company !== "environment")
      warnings.push(
        `the company chosen in the settings window (id ${scope.company}) was chosen for ${chosenFor.username} on ${chosenFor.database} at ${chosenFor.url}, not this connection: the user's current company is used; choose the company again`,
      );
  } else if (sources.company !== "environment") sources.company = "settings";
  return { env: merged, sources, warnings };
}

/**
 * The loader's options for the desktop: the saved connection and the saved scope in the environment (each filling
 * only what the environment leaves unset), and what to add to the configuration's warnings.
 */
export async function desktopLoadOptions(options: {
  connection: OdooSettings;
  env: NodeJS.ProcessEnv;
  cwd?: string;
  keychain: Keychain | null;
}): Promise<{
  load: Omit<LoadConfigOptions, "personPolicy">;
  saved: SavedScope;
  sources: ScopeSources;
  warnings: string[];
}> {
  const cwd = options.cwd ? { cwd: options.cwd } : {};
  const connected = settingsEnv(options.connection, options.env);
  const saved = await readAgentScope(options.keychain);
  let connection: Config["odoo"] | null = null;
  try {
    connection = loadConfig({ env: connected, ...cwd }).odoo;
  } catch (error) {
    // The loader says what is wrong when the options are used; the company then waits for a valid connection.
    if (!(error instanceof ConfigError)) throw error;
  }
  const scoped = scopeEnv(saved, connected, connection);
  return { load: { env: scoped.env, ...cwd }, saved, sources: scoped.sources, warnings: scoped.warnings };
}

/** `openApp` of the CLI, with the settings store and the saved scope as sources beside the environment. */
export async function openDesktopApp(options: {
  settings: OdooSettingsSource;
  env: NodeJS.ProcessEnv;
  cwd?: string;
  keychain: Keychain | null;
  logger?: Logger;
}): Promise<{ app: App; config: Config; logger: Logger }> {
  const desktop = await desktopLoadOptions({
    connection: options.settings.odoo(),
    env: options.env,
    keychain: options.keychain,
    ...(options.cwd ? { cwd: options.cwd } : {}),
  });
  const load = desktop.load;
  const first = loadConfig(load);
  const logger = options.logger ?? createLogger(first.logLevel);
  const policed = await withPersonPolicy(first, options.keychain, loadConfig, load);
  const config = { ...policed, warnings: [...policed.warnings, ...desktop.warnings] };
  for (const warning of config.warnings) logger.warn(warning);
  const app = await createApp(config, { logger, keychain: options.keychain });
  return { app, config, logger };
}
