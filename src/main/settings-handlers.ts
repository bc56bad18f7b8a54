import os from "node:os";
import type { App } from "../mcp/app.js";
import { loadKeychainKey } from "../mcp/approvals/keys.js";
import { withPersonPolicy } from "../mcp/approvals/person-policy.js";
import { FIXED_RULES } from "../mcp/approvals/policy.js";
import {
  commitPolicyChange,
  isPolicyRule,
  planPolicyChange,
  policyRules,
} from "../mcp/approvals/policy-change.js";
import { type Config, ConfigError, type LoadConfigOptions, loadConfig } from "../mcp/config/config.js";
import { type Keychain, keychainAccount } from "../mcp/credentials/keychain.js";
import { type ResolvedCredentials, resolveCredentials } from "../mcp/credentials/resolve.js";
import { toToolError } from "../mcp/error-map.js";
import { ToolError } from "../mcp/errors.js";
import { registerSecret } from "../mcp/log.js";
import { createOdooClient } from "../mcp/odoo/client.js";
import { type ConnectionCheck, type Facts, probeOdoo } from "../mcp/odoo/connection-check.js";
import type { CompanyScope, Odoo } from "../mcp/odoo/types.js";
import { allTools } from "../mcp/tools/index.js";
import { selectTools } from "../mcp/tools/toolsets.js";
import type { Handlers, ScopeView, SettingsView } from "../shared/ipc.js";
import { TOOLSETS } from "../shared/toolsets.js";
import {
  DEFAULT_SCOPE,
  desktopLoadOptions,
  type OdooSettings,
  type SavedScope,
  type ScopeSources,
  writeAgentScope,
} from "./desktop-config.js";

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
  | "settings.companies"
  | "settings.setScope"
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
  onChange?: (what: "connection" | "policy" | "scope") => void | Promise<void>;
}

/**
 * The app's configuration: the environment (and `.env`) as the CLI reads it, with the connection saved in the
 * settings window and the agent's scope saved in the keychain filling what it leaves unset, and the person's
 * sealed policy. The same path as the server the app runs (`openDesktopApp`).
 */
export async function loadAppConfig(
  store: SettingsStore,
  keychain: Keychain | null,
  options: Omit<LoadConfigOptions, "personPolicy"> = {},
): Promise<Config> {
  return (await loadScopedConfig(store, keychain, options)).config;
}

async function loadScopedConfig(
  store: SettingsStore,
  keychain: Keychain | null,
  options: Omit<LoadConfigOptions, "personPolicy"> = {},
): Promise<{ config: Config; saved: SavedScope; sources: ScopeSources }> {
  const desktop = await appConfigOptions(store, keychain, options);
  const load = (more: LoadConfigOptions) => loadConfig({ ...desktop.options, ...more });
  try {
    const config = await withPersonPolicy(load({}), keychain, load);
    return {
      config: { ...config, warnings: [...config.warnings, ...desktop.warnings] },
      saved: desktop.saved,
      sources: desktop.sources,
    };
  } catch (error) {
    throw asValidation(error);
  }
}

/** The loader's options with the saved connection and the saved scope under the environment's (desktop-config). */
export async function appConfigOptions(
  store: SettingsStore,
  keychain: Keychain | null,
  options: Omit<LoadConfigOptions, "personPolicy"> = {},
): Promise<{
  options: Omit<LoadConfigOptions, "personPolicy">;
  saved: SavedScope;
  sources: ScopeSources;
  warnings: string[];
}> {
  const saved = await store.getConnection();
  const desktop = await desktopLoadOptions({
    connection: saved ? connectionSettings(saved) : {},
    env: options.env ?? process.env,
    keychain,
    ...(options.cwd ? { cwd: options.cwd } : {}),
  });
  return {
    options: { ...options, ...desktop.load },
    saved: desktop.saved,
    sources: desktop.sources,
    warnings: desktop.warnings,
  };
}

/** Every toolset and the tools in it, from the tool definitions themselves. */
function toolsetsView(): ScopeView["toolsets"] {
  return TOOLSETS.map((name) => ({
    name,
    tools: allTools
      .filter((tool) => tool.toolsets.includes(name))
      .map((tool) => ({
        name: tool.name,
        title: tool.annotations.title,
        read_only: tool.annotations.readOnlyHint,
      })),
  }));
}

export function settingsHandlers(deps: SettingsDeps): SettingsHandlers {
  const actor = deps.actor ?? `${os.userInfo().username} (odoo-mcp app)`;
  const config = () => loadAppConfig(deps.store, deps.app().keychain, deps.configOptions);

  /** A client on the configured Odoo, closed after `use`; `company: false` asks without ODOO_COMPANY. */
  const withOdoo = async <T>(
    current: Config,
    company: boolean,
    use: (odoo: Odoo) => Promise<T>,
    noCredentials: () => T,
  ): Promise<T> => {
    const credentials = await resolveCredentials(current, deps.app().keychain);
    if (!credentials) return noCredentials();
    const odoo = createOdooClient(
      {
        url: current.odoo.url,
        database: current.odoo.database,
        username: current.odoo.username,
        secret: credentials.secret,
        secretKind: credentials.secretKind,
        api: current.odoo.api,
        timeoutMs: Math.min(current.odoo.timeoutMs, 15_000),
        ...(company && current.odoo.company !== undefined ? { company: current.odoo.company } : {}),
        allowSandbox: current.odoo.allowSandbox === true,
      },
      { logger: deps.app().logger.child("odoo") },
    );
    try {
      return await use(odoo);
    } finally {
      await odoo.close();
    }
  };

  /** The user's companies, as doctor reads them (`Odoo.company()`), asked without ODOO_COMPANY. */
  const companies = (current: Config): Promise<CompanyScope> =>
    withOdoo(
      current,
      false,
      async (odoo) => {
        if (!odoo.company) throw new ToolError("INTERNAL_ERROR", "This Odoo client cannot list companies.");
        try {
          return await odoo.company();
        } catch (error) {
          const mapped = toToolError(error);
          throw new ToolError(mapped.code, `The companies could not be read from Odoo. ${inWindow(mapped)}`);
        }
      },
      () => {
        throw new ToolError(
          "VALIDATION_ERROR",
          "The companies are read from Odoo, and there is no API key for it yet: paste it under Odoo connection and Save (or set ODOO_API_KEY in the MCP client's configuration).",
        );
      },
    );

  const view = async (): Promise<SettingsView> => {
    const {
      config: current,
      saved,
      sources,
    } = await loadScopedConfig(deps.store, deps.app().keychain, deps.configOptions);
    const chosen =
      saved.state === "valid"
        ? saved.stored.scope
        : { ...DEFAULT_SCOPE, read_only: saved.state === "unreadable" };
    return {
      odoo: {
        url: current.odoo.url,
        database: current.odoo.database,
        username: current.odoo.username,
        secret: secretView(await resolveCredentials(current, deps.app().keychain)),
      },
      data_dir: current.dataDir,
      start_at_login: await deps.loginItems.get(),
      policy: policyRules(current),
      fixed_rules: [...FIXED_RULES],
      warnings: current.warnings,
      scope: {
        saved: chosen,
        effective: {
          company: current.odoo.company ?? null,
          toolsets: [...(current.tools.toolsets ?? TOOLSETS)],
          read_only: current.tools.readOnly,
          tools: selectTools(allTools, current.tools).map((tool) => tool.name),
        },
        sources,
        toolsets: toolsetsView(),
        can_save: deps.app().keychain !== null,
      },
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
        throw new ToolError(
          "VALIDATION_ERROR",
          `Fill in ${missing.map((field) => FIELD_WORDS[field]).join(", ")}.`,
        );
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
        if (!(error instanceof ConfigError)) throw error;
        // The fields above are the only ones that changed: the rest of the configuration was read before.
        throw new ToolError(
          "VALIDATION_ERROR",
          "The Odoo URL must start with http:// or https:// and hold no user name or password, e.g. https://odoo.example.com: correct it and Save again.",
        );
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
      const checks = [secretCheck(credentials)];
      await withOdoo(
        current,
        true,
        async (odoo) => {
          const probed = await probeOdoo(odoo, inWindow);
          checks.push(...probed.checks);
          Object.assign(facts, probed.facts);
        },
        () => {},
      );
      return { ok: checks.every((check) => check.ok), checks, facts };
    },

    async "settings.companies"() {
      const scope = await companies(await config());
      // The user's current company in Odoo, whatever ODOO_COMPANY says: it was asked without it.
      return { user_current: scope.current, choices: scope.choices };
    },

    async "settings.setScope"({ company, toolsets, read_only }) {
      const keychain = deps.app().keychain;
      if (!keychain)
        throw new ToolError(
          "VALIDATION_ERROR",
          "This computer has no OS keychain, so a choice made here could not be protected from a file written by the agent; set ODOO_COMPANY, ODOO_MCP_TOOLSETS and ODOO_MCP_READ_ONLY in the MCP client's configuration instead.",
        );
      const { config: current, saved } = await loadScopedConfig(deps.store, keychain, deps.configOptions);
      const before = saved.state === "valid" ? saved.stored : null;
      let companyName: string | null = null;
      // A company the user cannot work in is refused now rather than at the server's next start.
      const sameConnection =
        before !== null &&
        before.connection.url === current.odoo.url &&
        before.connection.database === current.odoo.database &&
        before.connection.username === current.odoo.username;
      if (company !== null && !(sameConnection && before?.scope.company === company)) {
        const { choices } = await companies(current);
        const chosen = choices.find((choice) => choice.id === company);
        if (!chosen)
          throw new ToolError(
            "VALIDATION_ERROR",
            `User "${current.odoo.username}" cannot work in the company with id ${company}: choose one of the user's companies, ${choices.map((c) => `${c.name} (id ${c.id})`).join(", ")}.`,
          );
        companyName = chosen.name;
      }
      const scope = { company, toolsets: TOOLSETS.filter((set) => toolsets.includes(set)), read_only };
      // First the audit line (nothing changes if it cannot be written), then the keychain.
      await deps.app().audit.append({
        event: "policy_changed",
        action: "agent-scope",
        actor: "user",
        target: "agent scope",
        result: "success",
        channel: "tray",
        message: `company = ${company === null ? "the user's current company" : `${companyName ?? "unchanged"} (id ${company})`}; toolsets = ${scope.toolsets.join(", ")}; read-only = ${read_only ? "on" : "off"}`,
      });
      try {
        await writeAgentScope(keychain, {
          v: 1,
          scope,
          connection: {
            url: current.odoo.url,
            database: current.odoo.database,
            username: current.odoo.username,
          },
          set_by: actor,
          set_at: new Date().toISOString(),
        });
      } catch (error) {
        throw new ToolError(
          "VALIDATION_ERROR",
          `The choice could not be saved in the keychain (${error instanceof Error ? error.message : "unknown"}).`,
        );
      }
      await deps.onChange?.("scope");
      return view();
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
      const { options } = await appConfigOptions(deps.store, app.keychain, deps.configOptions);
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
        if (!(error instanceof ConfigError)) throw error;
        // The loader names the variable and where it was set; the window names neither.
        const reasons = error.problems.map((problem) =>
          problem.replace(/^[A-Z0-9_]+ /, "").replace(/ \((got|in the policy) .*$/, ""),
        );
        throw new ToolError(
          "VALIDATION_ERROR",
          `"${value}" cannot be used for this rule: it ${reasons.join("; ")}. Type another value and Set.`,
        );
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

/** Where the secret comes from and its kind: what the window may know of it. */
function secretView(credentials: ResolvedCredentials | null): SettingsView["odoo"]["secret"] {
  return credentials && { source: credentials.source, kind: credentials.secretKind };
}

const FIELD_WORDS = { url: "the Odoo URL", database: "the database", username: "the user (login)" } as const;

/** The credentials check in the window's words (doctor's own names the commands to run instead). */
function secretCheck(credentials: ResolvedCredentials | null): ConnectionCheck {
  const password = credentials?.secretKind === "password";
  const detail = !credentials
    ? "none yet: paste it above and Save (or set ODOO_API_KEY in the MCP client's configuration)"
    : credentials.source === "keychain"
      ? "saved in the keychain"
      : `from the environment this app was started with (${password ? "ODOO_PASSWORD" : "ODOO_API_KEY"})`;
  return { name: "credentials", label: password ? "Password" : "API key", ok: credentials !== null, detail };
}

/**
 * An Odoo failure as the settings window says it: what happened and what to do there (the agent's message names
 * `odoo-mcp doctor`; the code is for programs, never shown).
 */
function inWindow(error: ToolError): string {
  if (error.code === "AUTHENTICATION_ERROR")
    return "Odoo refused the user, database or API key: correct them under Odoo connection, Save, and test again.";
  if (error.code === "ODOO_CONNECTION_ERROR")
    return `${error.message.replace(/\.$/, "")}. Check the Odoo URL, and that Odoo is running and reachable from this computer.`;
  return error.message;
}

/** A configuration the app was started with that cannot be read: what is wrong, and where it is fixed. */
function asValidation(error: unknown): unknown {
  return error instanceof ConfigError
    ? new ToolError(
        "VALIDATION_ERROR",
        `The configuration this app was started with has a problem: ${error.problems.join("; ")}. Correct it in the MCP client's configuration (or the environment, or .env) and start the app again.`,
      )
    : error;
}
