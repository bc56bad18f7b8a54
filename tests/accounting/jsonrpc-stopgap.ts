/**
 * Temporary: a minimal JSON-RPC `Odoo` used only until the project's client (`src/mcp/odoo/index.ts`) lands.
 */
import {
  OdooConnectionError,
  OdooMissingError,
  OdooServerError,
  OdooUserError,
} from "../../src/mcp/odoo/errors.js";
import type { Odoo, OdooCall, OdooConnectionSettings } from "../../src/mcp/odoo/types.js";

export function createStopgapClient(settings: OdooConnectionSettings): Odoo {
  let uid: number | null = null;
  let roundTrips = 0;
  let rpcId = 0;
  async function rpc(service: string, method: string, args: unknown[]): Promise<unknown> {
    roundTrips += 1;
    rpcId += 1;
    let response: Response;
    try {
      response = await fetch(`${settings.url}/jsonrpc`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          jsonrpc: "2.0",
          method: "call",
          id: rpcId,
          params: { service, method, args },
        }),
      });
    } catch (error) {
      throw new OdooConnectionError(String(error), false);
    }
    const body = (await response.json()) as {
      result?: unknown;
      error?: { data?: { name?: string; message?: string } };
    };
    if (body.error) {
      const name = body.error.data?.name ?? "";
      const message = body.error.data?.message ?? "error";
      if (/UserError|ValidationError/.test(name)) throw new OdooUserError(message, name, undefined);
      if (/MissingError/.test(name)) throw new OdooMissingError(message, name, undefined);
      throw new OdooServerError(message, name, undefined);
    }
    return body.result ?? null;
  }
  async function getUid(): Promise<number> {
    if (uid === null)
      uid = (await rpc("common", "login", [settings.database, settings.username, settings.secret])) as number;
    return uid;
  }
  async function call<T>(c: OdooCall): Promise<T> {
    const u = await getUid();
    const kwargs: Record<string, unknown> = { ...(c.args ?? {}) };
    if (c.context) kwargs.context = c.context;
    let positional: unknown[] = c.ids ? [c.ids] : [];
    if (c.method === "create" && "vals_list" in kwargs) {
      positional = [kwargs.vals_list];
      delete kwargs.vals_list;
    }
    return (await rpc("object", "execute_kw", [
      settings.database,
      u,
      settings.secret,
      c.model,
      c.method,
      positional,
      kwargs,
    ])) as T;
  }
  return {
    settings,
    async version() {
      const response = await fetch(`${settings.url}/web/webclient/version_info`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", method: "call", id: 0, params: {} }),
      });
      const body = (await response.json()) as {
        result: { server_version: string; server_version_info: number[] };
      };
      const info = body.result.server_version_info;
      return { serverVersion: body.result.server_version, versionInfo: info, major: info[0] ?? 0 };
    },
    async api() {
      return "jsonrpc";
    },
    uid: getUid,
    call,
    searchRead: (model, domain, fields, options = {}) =>
      call({ model, method: "search_read", args: { domain, fields, ...options } }),
    read: (model, ids, fields, context) => call({ model, method: "read", ids, args: { fields }, context }),
    searchCount: (model, domain, context) =>
      call({ model, method: "search_count", args: { domain }, context }),
    async create(model, values, context) {
      const result = await call<number[]>({
        model,
        method: "create",
        args: { vals_list: [values] },
        context,
      });
      return result[0] as number;
    },
    write: (model, ids, values, context) =>
      call({ model, method: "write", ids, args: { vals: values }, context }),
    stats: () => ({ roundTrips, odooMs: 0 }),
    async close() {},
  };
}
