import os from "node:os";
import type { App } from "../mcp/app.js";
import { loadKeychainKey } from "../mcp/approvals/keys.js";
import { withPersonPolicy } from "../mcp/approvals/person-policy.js";
import {
  commitPolicyChange,
  isPolicyRule,
  planPolicyChange,
  policyRules,
} from "../mcp/approvals/policy-change.js";
import {
  type Config,
  ConfigError,
  type LoadConfigOptions,
  loadConfig,
  resolveCredentials,
} from "../mcp/config/config.js";
import { type Keychain, keychainAccount } from "../mcp/credentials/keychain.js";
import { ToolError } from "../mcp/errors.js";
import { registerSecret } from "../mcp/log.js";
import { createOdooClient } from "../mcp/odoo/client.js";
import { credentialsCheck, type Facts, probeOdoo } from "../mcp/odoo/connection-check.js";
import type { Handlers, SettingsView } from "../shared/ipc.js";
import { type OdooSettings, settingsEnv } from "./desktop-config.js";

/**
 * The settings window's side of the IPC contract: the Odoo connection (URL, database and user in the app's
 * settings store; the secret in the OS keychain only, never answered back), the connection test (the checks of
 * `odoo-mcp doctor`), the person's approval policy (sealed, as `odoo-mcp policy set` writes it), start at login,
 * and opening an Odoo link. Plain Node: the Electron glue injects the store, the login items and `openExternal`.
 */
export type SettingsHandlers = Pick<
  Handlers,
  | "settings.get"
  | "settings.saveConnection"
  | "settings.testConnection"
  | "settings.setPolicy"
  | "settings.setStartAtLogin"
  | "links.openOdoo"
>;

/** What the settings store keeps: never a secret (that is in the keychain, under `keychainAccount`). */
export interface StoredConnection {
  url: string;
  database: string;
  username: string;
  secret_kind: "api_key" | "password";
}

/** The app backs this with electron-store, tests with a JSON file. */
export interface SettingsStore {
  getConnection(): StoredConnection | null | Promise<StoredConnection | null>;
  setConnection(connection: StoredConnection): void | Promise<void>;
}

/** Electron: `app.getLoginItemSettings().openAtLogin` / `app.setLoginItemSettings({ openAtLogin })`. */
export interface LoginItems {
  get(): boolean | Promise<boolean>;
  set(enabled: boolean): void | Promise<void>;
}

export interface SettingsDeps {
  /** The running app (its keychain, audit log and data folder). A getter: the glue rebuilds it after a change. */
  app: () => App;
  store: SettingsStore;
  loginItems: LoginItems;
  /** Electron's `shell.openExternal`. */
  openExternal: (url: string) => void | Promise<void>;
  /** Where the configuration is read from besides the store (default: this process's environment and folder). */
  configOptions?: Omit<LoadConfigOptions, "personPolicy">;
  /** Who the audit log names for a policy change. */
  actor?: string;
  /** Called after the connection or the policy changed: a running app takes them when it is rebuilt. */
  onChange?: (what: "connection" | "policy") => void | Promise<void>;
}

/**
 * The app's configuration: the environment (and `.env`) as the CLI reads it, with the connection saved in the
 * settings window over it, and the person's sealed policy. The glue builds the app from this.
 */
export async function loadAppConfig(
  store: SettingsStore,
  keychain: Keychain | null,
  options: Omit<LoadConfigOptions, "personPolicy"> = {},
): Promise<Config> {
  const merged = await appConfigOptions(store, options);
  const load = (more: LoadConfigOptions) => loadConfig({ ...merged, ...more });
  try {
    return await withPersonPolicy(load({}), keychain, load);
  } catch (error) {
    throw asValidation(error);
  }
}

/** The loader's options with the saved connection over the environment's. */
export async function appConfigOptions(
  store: SettingsStore,
  options: Omit<LoadConfigOptions, "personPolicy"> = {},
): Promise<Omit<LoadConfigOptions, "personPolicy">> {
  const saved = await store.getConnection();
  // The saved connection fills what the environment leaves unset: an MCP client's `env` block wins (desktop-config).
  const env = options.env ?? process.env;
  return { ...options, env: saved ? settingsEnv(connectionSettings(saved), env) : env };
}

export function settingsHandlers(deps: SettingsDeps): SettingsHandlers {
  const actor = deps.actor ?? `${os.userInfo().username} (odoo-mcp app)`;
  const config = () => loadAppConfig(deps.store, deps.app().keychain, deps.configOptions);

  const view = async (): Promise<SettingsView> => {
    const current = await config();
    return {
      odoo: {
        url: current.odoo.url,
        database: current.odoo.database,
        username: current.odoo.username,
        secret_saved: await secretSaved(deps.app().keychain, current),
      },
      data_dir: current.dataDir,
      start_at_login: await deps.loginItems.get(),
      policy: policyRules(current),
      warnings: current.warnings,
    };
  };

  return {
    "settings.get": () => view(),

    async "settings.saveConnection"({ url, database, username, secret, secret_kind }) {
      const connection: StoredConnection = {
        url: url.trim(),
        database: database.trim(),
        username: username.trim(),
        secret_kind,
      };
      const missing = (["url", "database", "username"] as const).filter((field) => !connection[field]);
      if (missing.length > 0)
        throw new ToolError("VALIDATION_ERROR", `Fill in the Odoo ${missing.join(", ")}.`);
      // The same validation the server applies (an http(s) URL without credentials in it).
      let checked: Config;
      try {
        checked = loadConfig({
          ...deps.configOptions,
          env: {
            ...(deps.configOptions?.env ?? process.env),
            ODOO_URL: connection.url,
            ODOO_DATABASE: connection.database,
            ODOO_USERNAME: connection.username,
          },
        });
      } catch (error) {
        throw asValidation(error);
      }
      const normalised = { ...connection, url: checked.odoo.url };
      if (secret !== undefined) {
        registerSecret(secret);
        const keychain = deps.app().keychain;
        if (!keychain)
          throw new ToolError(
            "VALIDATION_ERROR",
            "This computer has no OS keychain, so the secret cannot be kept safe here; nothing was saved. Set ODOO_API_KEY in the MCP client's configuration instead.",
          );
        const other = secret_kind === "api_key" ? "password" : "api_key";
        try {
          await keychain.set(
            keychainAccount(normalised.url, normalised.database, normalised.username, secret_kind),
            secret,
          );
          // The keychain is tried API key first: a secret of the other kind left behind would shadow this one.
          await keychain.delete(
            keychainAccount(normalised.url, normalised.database, normalised.username, other),
          );
        } catch (error) {
          const message = error instanceof Error ? error.message.split(secret).join("[REDACTED]") : "unknown";
          throw new ToolError(
            "VALIDATION_ERROR",
            `The secret could not be saved in the keychain (${message}).`,
          );
        }
      }
      await deps.store.setConnection(normalised);
      await deps.onChange?.("connection");
      return view();
    },

    async "settings.testConnection"() {
      const current = await config();
      const credentials = await resolveCredentials(current, deps.app().keychain);
      const facts: Facts = {
        odoo_url: current.odoo.url,
        database: current.odoo.database,
        username: current.odoo.username,
        credential_source: credentials?.source ?? null,
      };
      const checks = [credentialsCheck(credentials?.source ?? null)];
      if (credentials) {
        const odoo = createOdooClient(
          {
            url: current.odoo.url,
            database: current.odoo.database,
            username: current.odoo.username,
            secret: credentials.secret,
            secretKind: credentials.secretKind,
            api: current.odoo.api,
            timeoutMs: Math.min(current.odoo.timeoutMs, 15_000),
            ...(current.odoo.company !== undefined ? { company: current.odoo.company } : {}),
            allowSandbox: current.odoo.allowSandbox === true,
          },
          { logger: deps.app().logger.child("odoo") },
        );
        try {
          const probed = await probeOdoo(odoo);
          checks.push(...probed.checks);
          Object.assign(facts, probed.facts);
        } finally {
          await odoo.close();
        }
      }
      return { ok: checks.every((check) => check.ok), checks, facts };
    },

    async "settings.setPolicy"({ rule, value }) {
      if (!isPolicyRule(rule)) throw new ToolError("VALIDATION_ERROR", `"${rule}" is not an approval rule.`);
      const app = deps.app();
      const key = await loadKeychainKey(app.keychain);
      if (!key)
        throw new ToolError(
          "VALIDATION_ERROR",
          "This computer has no OS keychain, so a policy set here could not be protected from a file written by the agent; set the rules in the MCP client's configuration (environment variables) instead.",
        );
      const current = await config();
      const options = await appConfigOptions(deps.store, deps.configOptions);
      let plan: Awaited<ReturnType<typeof planPolicyChange>>;
      try {
        plan = await planPolicyChange({
          current,
          key,
          rule,
          value,
          load: (more) => loadConfig({ ...options, ...more }),
        });
      } catch (error) {
        throw asValidation(error);
      }
      await commitPolicyChange({
        audit: app.audit,
        dataDir: current.dataDir,
        key,
        rule,
        value,
        values: plan.values,
        actor,
        channel: "tray",
      });
      await deps.onChange?.("policy");
      return view();
    },

    async "settings.setStartAtLogin"({ enabled }) {
      await deps.loginItems.set(enabled);
      return view();
    },

    async "links.openOdoo"({ url }) {
      const current = await config();
      let target: URL;
      let origin: string;
      try {
        target = new URL(url);
        origin = new URL(current.odoo.url).origin;
      } catch {
        throw new ToolError("VALIDATION_ERROR", "Not a link to open.");
      }
      if ((target.protocol !== "http:" && target.protocol !== "https:") || target.origin !== origin)
        throw new ToolError("VALIDATION_ERROR", "Only links to the configured Odoo are opened.");
      if (target.username || target.password)
        throw new ToolError("VALIDATION_ERROR", "A link with credentials in it is not opened.");
      await deps.openExternal(target.href);
      return {};
    },
  };
}

/** The saved connection as the desktop's settings source reads it. */
export function connectionSettings(connection: StoredConnection): OdooSettings {
  return { url: connection.url, database: connection.database, username: connection.username };
}

async function secretSaved(keychain: Keychain | null, config: Config): Promise<boolean> {
  if (!keychain) return false;
  for (const kind of ["api_key", "password"] as const) {
    try {
      const account = keychainAccount(config.odoo.url, config.odoo.database, config.odoo.username, kind);
      if (await keychain.get(account)) return true;
    } catch {
      return false;
    }
  }
  return false;
}

function asValidation(error: unknown): unknown {
  return error instanceof ConfigError ? new ToolError("VALIDATION_ERROR", error.problems.join("; ")) : error;
}
