import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { SANDBOX_HEADER } from "../mcp/odoo/version.js";
import { accessError, OdooFault } from "./fault.js";
import { Database, type Vals, type Version } from "./orm.js";
import { callJson2, callKw, isNone } from "./rpc.js";
import { buildDatabase, type SandboxSeed, seedApi } from "./seed.js";

export interface SandboxOptions {
  version?: Version;
  host?: string;
  port?: number;
  database?: string;
  login?: string;
  password?: string;
  apiKey?: string;
  latencyMs?: number;
  now?: () => Date;
  /**
   * Answer as if this Odoo lacked these fields and methods, to test the product's detection paths for what Odoo 20
   * removed (`{ fields: { "ir.attachment": ["datas"] }, methods: { "hr.expense": ["action_submit"] } }`). Not a
   * pretended Odoo 20: a missing field is absent from `fields_get` and refused by `create` as any unknown field, a
   * missing method answers as any method Odoo does not have (recorded shapes).
   */
  without?: { fields?: Record<string, string[]>; methods?: Record<string, string[]> };
  /**
   * The API key's scope reaches no model: every call is refused as Odoo 20's `odoo/service/api_scope.py`
   * (`check_model_operation`) refuses it, an AccessError (HTTP 403 on JSON-2). From Odoo 20's source, not recorded.
   */
  apiKeyScope?: string;
}

export type SandboxFault = null | "down" | "garbage" | "http502" | "http503" | "slow";

export interface Sandbox {
  readonly url: string;
  readonly version: Version;
  readonly database: string;
  readonly login: string;
  readonly password: string;
  readonly apiKey: string;
  /** Quick seeding for tests and the demo (same effects as the wire API). */
  readonly seed: SandboxSeed;
  setLatency(ms: number): void;
  setFault(fault: SandboxFault, options?: { count?: number }): void;
  setSmtpUp(up: boolean): void;
  requestCount(): number;
  close(): Promise<void>;
}

/** The mark of the sandbox on every answer; the Odoo client refuses a server that carries it unless allowed. */
export { SANDBOX_HEADER };
export const SANDBOX_HEADER_VALUE = "this is odoo-mcp's sandbox, not Odoo";
export const DEFAULT_API_KEY = "sandbox-api-key-0000000000000000";

const JSON_TYPE = "application/json; charset=utf-8";
const HTML_TYPE = "text/html; charset=utf-8";

function versionInfo(v: Version): Vals {
  return {
    server_version: `${v}.0`,
    server_version_info: [v, 0, 0, "final", 0, ""],
    server_serie: `${v}.0`,
    protocol_version: 1,
  };
}

const NOT_FOUND_DB_HTML =
  "<!DOCTYPE html>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n<p>No database is selected and the requested URL was not found in the server-wide controllers.</p>\n<p>Please verify the hostname, <a href=/web/login>login</a> and try again.</p>\n\n<!-- Alternatively, use the X-Odoo-Database header. -->\n";

const WEBSITE_404_HTML =
  '<!DOCTYPE html>\n<html>\n<head><meta charset="utf-8"/><title>Odoo</title></head>\n<body><h1>404: Page not found!</h1>\n<p>The page you were looking for could not be found.</p></body>\n</html>\n';

function unsupportedMediaHtml(route: string, type: string, v: Version): { status: number; body: string } {
  const esc = (s: string) => s.replace(/'/g, "&#39;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  if (v === 19) {
    return {
      status: 415,
      body: `<!doctype html>\n<html lang=en>\n<title>415 Unsupported Media Type</title>\n<h1>Unsupported Media Type</h1>\n<p>Request inferred type is compatible with ${esc("['http']")} but ${esc(`'${route}'`)} is type=${esc(`'${type}'`)}.<br><br>Please verify the Content-Type request header and try again.</p>\n`,
    };
  }
  return {
    status: 400,
    body: `<!doctype html>\n<html lang=en>\n<title>400 Bad Request</title>\n<h1>Bad Request</h1>\n<p>Request inferred type is compatible with ${esc("['http']")} but ${esc(`'${route}'`)} is type=${esc("'json'")}.</p>\n`,
  };
}

/** Python's json error text for a truncated or malformed document (the common cases). */
function pythonJsonError(text: string): string {
  try {
    JSON.parse(text);
    return "Expecting value: line 1 column 1 (char 0)";
  } catch (e) {
    const m = /position (\d+)/.exec(String(e));
    let pos = m ? Number(m[1]) : text.length;
    if (/Unexpected end of JSON input/.test(String(e))) pos = text.length;
    const before = text.slice(0, pos);
    const line = before.split("\n").length;
    const col = pos - before.lastIndexOf("\n");
    return `Expecting value: line ${line} column ${col} (char ${pos})`;
  }
}

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const version: Version = options.version ?? 19;
  const host = options.host ?? "127.0.0.1";
  if (host !== "127.0.0.1" && host !== "localhost" && host !== "::1") {
    throw new Error("The sandbox binds to loopback only");
  }
  const database = options.database ?? "odoo_test";
  const login = options.login ?? "admin";
  const password = options.password ?? "admin";
  const apiKey = options.apiKey ?? DEFAULT_API_KEY;
  const now = options.now ?? (() => new Date());
  let latency = options.latencyMs ?? 0;
  let fault: SandboxFault = null;
  let faultLeft = Number.POSITIVE_INFINITY;
  let count = 0;
  const db: Database = buildDatabase(version, now);
  for (const [name, fields] of Object.entries(options.without?.fields ?? {}))
    for (const field of fields) delete db.model(name).fields[field];
  for (const [name, methods] of Object.entries(options.without?.methods ?? {}))
    for (const method of methods) db.model(name).methods.delete(method);
  /** From Odoo 20's source (`api_scope.check_model_operation`), not recorded: no real Odoo has been seen answering it. */
  const refuseScope = (model: string) => {
    if (options.apiKeyScope !== undefined)
      throw accessError(`The API key's scope '${options.apiKeyScope}' does not reach '${model}'.`);
  };
  const sockets = new Set<Socket>();
  const parked = new Set<ServerResponse>();

  const send = (res: ServerResponse, status: number, type: string, body: string, headers: Vals = {}) => {
    if (res.writableEnded || res.destroyed) return;
    res.statusCode = status;
    res.setHeader("Content-Type", type);
    res.setHeader(SANDBOX_HEADER, SANDBOX_HEADER_VALUE);
    for (const [k, v] of Object.entries(headers)) res.setHeader(k, String(v));
    res.end(body);
  };
  const sendJson = (res: ServerResponse, status: number, value: unknown, headers: Vals = {}) =>
    send(res, status, JSON_TYPE, JSON.stringify(value), headers);

  const jsonRpcError = (id: unknown, e: unknown): Vals => {
    const f = toFault(e);
    return {
      jsonrpc: "2.0",
      id,
      error: {
        code: version === 19 ? 0 : 200,
        message: "Odoo Server Error",
        data: { name: f.pyName, message: f.message, arguments: [f.message], context: f.context, debug: "" },
      },
    };
  };

  const authenticateSecret = (secret: unknown) => secret === apiKey || secret === password;

  const dispatchJsonRpc = (params: Vals): unknown => {
    const service = params.service;
    const method = params.method;
    const args = Array.isArray(params.args) ? params.args : [];
    if (service === "common") {
      if (method === "version") return versionInfo(version);
      if (method === "login" || method === "authenticate") {
        const [dbName, user, secret] = args as [unknown, unknown, unknown];
        if (dbName !== database) {
          throw new OdooFault(
            "psycopg2.OperationalError",
            `connection to server at "127.0.0.1", port 5432 failed: FATAL:  database "${String(dbName)}" does not exist\n`,
            500,
          );
        }
        return user === login && authenticateSecret(secret) ? 2 : false;
      }
      throw new OdooFault(
        "builtins.AttributeError",
        `module 'common' has no attribute '${String(method)}'`,
        500,
      );
    }
    if (service === "db") {
      if (method === "list") return [database];
      if (method === "server_version") return `${version}.0`;
      throw new OdooFault("builtins.KeyError", String(method), 500);
    }
    if (service === "object") {
      if (method !== "execute_kw" && method !== "execute") {
        throw new OdooFault("builtins.NameError", `Method not available ${String(method)}`, 500);
      }
      if (args.length < 5) {
        if (version === 19) {
          throw new OdooFault(
            "builtins.ValueError",
            `not enough values to unpack (expected at least 5, got ${args.length})`,
            500,
          );
        }
        const names = ["db", "uid", "passwd", "model", "method", "args"];
        const missing = names.slice(Math.max(args.length, 3));
        const list =
          missing.length === 1
            ? `'${missing[0]}'`
            : `${missing
                .slice(0, -1)
                .map((n) => `'${n}'`)
                .join(", ")} and '${missing[missing.length - 1]}'`;
        throw new OdooFault(
          "builtins.TypeError",
          `execute_kw() missing ${missing.length} required positional argument${missing.length > 1 ? "s" : ""}: ${list}`,
          500,
        );
      }
      const [dbName, uid, secret, model, meth, mArgs, mKwargs] = args as unknown[];
      if (dbName !== database) {
        throw new OdooFault(
          "psycopg2.OperationalError",
          `connection to server at "127.0.0.1", port 5432 failed: FATAL:  database "${String(dbName)}" does not exist\n`,
          500,
        );
      }
      if (uid !== 2 || !authenticateSecret(secret)) {
        throw new OdooFault("odoo.exceptions.AccessDenied", "Access Denied", 403);
      }
      refuseScope(String(model));
      if (method === "execute") {
        return callKw(db, String(model), String(meth), args.slice(5), {});
      }
      return callKw(
        db,
        String(model),
        String(meth),
        Array.isArray(mArgs) ? mArgs : [],
        mKwargs && typeof mKwargs === "object" ? (mKwargs as Vals) : {},
      );
    }
    throw new OdooFault("builtins.KeyError", String(service), 500);
  };

  const handleJsonRpc = (
    req: IncomingMessage,
    res: ServerResponse,
    raw: string,
    route: "/jsonrpc" | "version",
  ) => {
    const ctype = (req.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase();
    if (ctype !== "application/json" && ctype !== "application/json-rpc") {
      const r = unsupportedMediaHtml(
        route === "/jsonrpc" ? "/jsonrpc" : "/web/webclient/version_info",
        "jsonrpc",
        version,
      );
      return send(res, r.status, HTML_TYPE, r.body);
    }
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      return send(res, 400, HTML_TYPE, "Invalid JSON data");
    }
    const envelope = (body ?? {}) as Vals;
    const id = envelope.id ?? null;
    if (route === "version") return sendJson(res, 200, { jsonrpc: "2.0", id, result: versionInfo(version) });
    const params = envelope.params;
    try {
      if (!params || typeof params !== "object") {
        throw new OdooFault(
          "builtins.TypeError",
          `${version === 19 ? "JSONRPC" : "RPC"}.jsonrpc() missing 3 required positional arguments: 'service', 'method', and 'args'`,
          500,
        );
      }
      const result = dispatchJsonRpc(params as Vals);
      return sendJson(res, 200, isNone(result) ? { jsonrpc: "2.0", id } : { jsonrpc: "2.0", id, result });
    } catch (e) {
      return sendJson(res, 200, jsonRpcError(id, e));
    }
  };

  const handleJson2 = (req: IncomingMessage, res: ServerResponse, raw: string, path: string) => {
    if (version === 17) return send(res, 404, HTML_TYPE, WEBSITE_404_HTML);
    if (version === 18) {
      const target = `/web/login?redirect=${encodeURIComponent(`${path}?`)}`;
      return send(
        res,
        303,
        HTML_TYPE,
        `<!doctype html>\n<html lang=en>\n<title>Redirecting...</title>\n<h1>Redirecting...</h1>\n<p>You should be redirected automatically to the target URL: <a href="${target}">${target}</a>. If not, click the link.\n`,
        { Location: target },
      );
    }
    const dbHeader = req.headers["x-odoo-database"];
    if (typeof dbHeader === "string" && dbHeader !== database)
      return send(res, 404, HTML_TYPE, NOT_FOUND_DB_HTML);
    const parts = path.split("/").filter(Boolean); // json, 2, model, method
    const ctype = (req.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase();
    if (req.method !== "POST" || ctype !== "application/json") {
      const route =
        parts.length >= 4 && req.method === "POST" ? "/json/2/<__model__>/<__method__>" : "/json/2";
      const r = unsupportedMediaHtml(route, "json2", version);
      return send(res, r.status, HTML_TYPE, r.body);
    }
    const fail = (e: unknown) => {
      const f = toFault(e);
      const headers: Vals = f.status === 401 ? { "WWW-Authenticate": "Bearer " } : {};
      sendJson(
        res,
        f.status,
        {
          name: f.pyName,
          message: f.message,
          arguments: f.withStatusArgument ? [f.message, f.status] : [f.message],
          context: f.context,
          debug: "",
        },
        headers,
      );
    };
    const auth = req.headers.authorization;
    const m = typeof auth === "string" ? /^bearer\s+(.*)$/i.exec(auth.trim()) : null;
    if (!m) {
      return fail(
        new OdooFault(
          "werkzeug.exceptions.Unauthorized",
          "User not authenticated, use an API Key with a Bearer Authorization header.",
          401,
          true,
        ),
      );
    }
    if (m[1] !== apiKey)
      return fail(new OdooFault("werkzeug.exceptions.Unauthorized", "Invalid apikey", 401, true));
    if (parts.length < 4) {
      return fail(
        new OdooFault(
          "werkzeug.exceptions.NotFound",
          "Did you mean POST /json/2/<model>/<method>?",
          404,
          true,
        ),
      );
    }
    let body: Vals = {};
    if (raw.trim() !== "") {
      try {
        const parsed: unknown = JSON.parse(raw);
        body = parsed && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as Vals) : {};
      } catch {
        return fail(
          new OdooFault(
            "werkzeug.exceptions.BadRequest",
            `could not parse the body as json: ${pythonJsonError(raw)}`,
            400,
            true,
          ),
        );
      }
    }
    try {
      refuseScope(decodeURIComponent(parts[2] ?? ""));
      const result = callJson2(
        db,
        decodeURIComponent(parts[2] ?? ""),
        decodeURIComponent(parts[3] ?? ""),
        body,
      );
      return sendJson(res, 200, isNone(result) ? null : result);
    } catch (e) {
      return fail(e);
    }
  };

  const route = (req: IncomingMessage, res: ServerResponse, raw: string) => {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    if (path === "/jsonrpc") {
      if (req.method !== "POST") return send(res, 405, HTML_TYPE, "Method Not Allowed");
      return handleJsonRpc(req, res, raw, "/jsonrpc");
    }
    if (path === "/web/webclient/version_info") return handleJsonRpc(req, res, raw, "version");
    if (path === "/web/version") {
      if (version !== 19) return send(res, 404, HTML_TYPE, WEBSITE_404_HTML);
      return sendJson(res, 200, { version_info: [version, 0, 0, "final", 0, ""], version: `${version}.0` });
    }
    if (path === "/json/2" || path.startsWith("/json/2/")) return handleJson2(req, res, raw, path);
    const dbHeader = req.headers["x-odoo-database"];
    if (typeof dbHeader === "string" && dbHeader !== database)
      return send(res, 404, HTML_TYPE, NOT_FOUND_DB_HTML);
    return send(res, 404, HTML_TYPE, WEBSITE_404_HTML);
  };

  const server = createServer((req, res) => {
    count++;
    const active = fault && faultLeft > 0 ? fault : null;
    if (active) {
      faultLeft--;
      if (faultLeft <= 0) fault = null;
    }
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const run = () => {
        if (active === "down") {
          req.socket.destroy();
          return;
        }
        if (active === "garbage")
          return send(res, 200, "text/plain; charset=utf-8", "<<not json: sandbox fault>>");
        if (active === "http502")
          return send(res, 502, HTML_TYPE, "<html><body><h1>502 Bad Gateway</h1></body></html>");
        if (active === "http503") {
          return send(res, 503, HTML_TYPE, "<html><body><h1>503 Service Unavailable</h1></body></html>");
        }
        if (active === "slow") {
          parked.add(res);
          res.on("close", () => parked.delete(res));
          return;
        }
        try {
          route(req, res, Buffer.concat(chunks).toString("utf8"));
        } catch (e) {
          send(res, 500, HTML_TYPE, `Internal Server Error: ${String(e)}`);
        }
      };
      if (latency > 0) setTimeout(run, latency);
      else run();
    });
  });
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === "object" && addr ? addr.port : 0;
  const urlHost = host.includes(":") ? `[${host}]` : host;

  return {
    url: `http://${urlHost}:${port}`,
    version,
    database,
    login,
    password,
    apiKey,
    seed: seedApi(db),
    setLatency(ms: number) {
      latency = Math.max(0, ms);
    },
    setFault(f: SandboxFault, opts?: { count?: number }) {
      fault = f;
      faultLeft = opts?.count ?? Number.POSITIVE_INFINITY;
      if (f !== "slow") {
        for (const res of parked) res.destroy();
        parked.clear();
      }
    },
    setSmtpUp(up: boolean) {
      db.smtpUp = up;
    },
    requestCount: () => count,
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of parked) res.destroy();
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

function toFault(e: unknown): OdooFault {
  if (e instanceof OdooFault) return e;
  const msg = e instanceof Error ? e.message : String(e);
  return new OdooFault("builtins.Exception", msg, 500);
}

export { Database };
