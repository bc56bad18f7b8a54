import type { OdooConnectionSettings } from "../mcp/odoo/types.js";
import type { Sandbox } from "./index.js";

/** How a client connects to a running sandbox: its URL, database, login and API key (auto-detected API). */
export function sandboxConnection(sandbox: Sandbox, timeoutMs = 10_000): OdooConnectionSettings {
  return {
    url: sandbox.url,
    database: sandbox.database,
    username: sandbox.login,
    secret: sandbox.apiKey,
    secretKind: "api_key",
    api: "auto",
    timeoutMs,
  };
}

/** The same, as the environment variables `odoo-mcp` reads. */
export function sandboxEnv(sandbox: Sandbox): Record<string, string> {
  return {
    ODOO_URL: sandbox.url,
    ODOO_DATABASE: sandbox.database,
    ODOO_USERNAME: sandbox.login,
    ODOO_API_KEY: sandbox.apiKey,
  };
}
