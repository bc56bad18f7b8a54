import type { OdooConnectionSettings } from "../mcp/odoo/types.js";
import type { Sandbox } from "./index.js";

/**
 * How a client connects to a running sandbox: its URL, database, login and API key (auto-detected API), with
 * the sandbox explicitly allowed (the client refuses it otherwise). For the demo, the bench and the tests.
 */
export function sandboxConnection(sandbox: Sandbox, timeoutMs = 10_000): OdooConnectionSettings {
  return {
    url: sandbox.url,
    database: sandbox.database,
    username: sandbox.login,
    secret: sandbox.apiKey,
    secretKind: "api_key",
    api: "auto",
    timeoutMs,
    allowSandbox: true,
  };
}

/** The same, as the environment variables `odoo-mcp` reads (with the sandbox explicitly allowed). */
export function sandboxEnv(sandbox: Sandbox): Record<string, string> {
  return {
    ODOO_URL: sandbox.url,
    ODOO_DATABASE: sandbox.database,
    ODOO_USERNAME: sandbox.login,
    ODOO_API_KEY: sandbox.apiKey,
    ODOO_MCP_ALLOW_SANDBOX: "true",
  };
}
