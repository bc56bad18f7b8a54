import {
  type Handler,
  type ReceivedRequest,
  type Reply,
  requestId,
  type ScriptedServer,
  startScriptedServer,
} from "./scripted-server.js";
import { type OdooMajor, recordedReply, recordedStep } from "./transcripts.js";

/**
 * A scripted server that answers version detection and `common.login` exactly as the recorded Odoo of that
 * major version did (a login with another secret gets the recorded `false`), and hands every other request
 * to the test's handler. The client's one read of the user's companies (`res.users` `company_id`, `company_ids`) is
 * answered as the recorded single-company databases hold them: company 1, "My Company".
 */
export interface RecordedOdooOptions {
  major: OdooMajor;
  /** The secret that `common.login` accepts. */
  secret: string;
  handle?: Handler;
  /** Listen on this port (to bring a server back where a client expects it). */
  port?: number;
}

/** Every version's recordings have version detection and logins in this file. */
export const VERSION_FILE = "01-version-jsonrpc";

export async function startRecordedOdoo(options: RecordedOdooOptions): Promise<ScriptedServer> {
  const { major, secret } = options;
  return startScriptedServer((request, index): Reply | Promise<Reply> => {
    const file = VERSION_FILE;
    if (request.path === "/web/webclient/version_info")
      return recordedReply(recordedStep(major, file, "POST /web/webclient/version_info"), requestId(request));
    const params = rpcParams(request.json);
    if (request.path === "/jsonrpc" && params?.service === "common" && params.method === "login") {
      const given = Array.isArray(params.args) ? params.args[2] : undefined;
      const step =
        given === secret
          ? "common.login with the API key as password"
          : "common.login with a bad password (answers false, not an error)";
      return recordedReply(recordedStep(major, file, step), requestId(request));
    }
    // The client asks once which companies the user has (see OdooClient.company()): one, as in these recordings.
    if (isCompanyScopeRead(request)) return companyScopeReply(request);
    if (options.handle) return options.handle(request, index);
    return { status: 599, body: "not scripted" };
  }, options.port);
}

export function rpcParams(
  body: unknown,
): { service?: unknown; method?: unknown; args?: unknown } | undefined {
  if (typeof body !== "object" || body === null || !("params" in body)) return undefined;
  const params = (body as { params: unknown }).params;
  return typeof params === "object" && params !== null
    ? (params as { service?: unknown; method?: unknown; args?: unknown })
    : undefined;
}

/** The model and method of an `execute_kw` request, e.g. `res.partner.search_read`. */
export function executeKwTarget(body: unknown): string | undefined {
  const params = rpcParams(body);
  if (params?.method !== "execute_kw" || !Array.isArray(params.args)) return undefined;
  return `${String(params.args[3])}.${String(params.args[4])}`;
}

/** The client's read of the user's companies, on either transport. */
export function isCompanyScopeRead(request: Pick<ReceivedRequest, "path" | "json">): boolean {
  if (request.path === "/json/2/res.users/read") {
    const fields = (request.json as { fields?: unknown } | null)?.fields;
    return Array.isArray(fields) && fields.includes("company_ids");
  }
  if (executeKwTarget(request.json) !== "res.users.read") return false;
  const args = rpcParams(request.json)?.args as unknown[];
  const fields = (args?.[6] as { fields?: unknown } | undefined)?.fields;
  return Array.isArray(fields) && fields.includes("company_ids");
}

function companyScopeReply(request: ReceivedRequest): Reply {
  const rows = [{ id: 2, company_id: [1, "My Company"], company_ids: [1] }];
  if (request.path.startsWith("/json/2/")) return { status: 200, body: JSON.stringify(rows) };
  return { status: 200, body: JSON.stringify({ jsonrpc: "2.0", id: requestId(request), result: rows }) };
}
