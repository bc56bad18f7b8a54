import { OdooNotFoundError, OdooProtocolError, OdooSandboxError } from "./errors.js";
import { type FaultContext, faultFromHttpAnswer, isObject, parseJsonAnswer } from "./fault.js";
import type { HttpAnswer, HttpPool, HttpRequestOptions } from "./http.js";
import { readJsonRpcAnswer } from "./jsonrpc.js";
import type { OdooVersion } from "./types.js";

/**
 * The header every answer of `odoo-mcp sandbox` carries (src/sandbox sets it, whatever the route or status).
 * Real Odoo never sends it.
 */
export const SANDBOX_HEADER = "X-Odoo-Sandbox";

export interface DetectVersionOptions extends HttpRequestOptions {
  /** Accept a server with the sandbox mark; otherwise it is refused with `OdooSandboxError`. */
  allowSandbox?: boolean;
}

/**
 * Which Odoo answers: `POST /web/webclient/version_info` with an empty JSON-RPC envelope works on 17, 18
 * and 19 without credentials; when it is not routed (a proxy, an older server), `common.version` over
 * `/jsonrpc` answers the same object. `GET /web/version` exists only from 19 (`webVersion`).
 *
 * This is the client's first contact with the server, before any credential is sent: an answer with the
 * sandbox mark is refused here (`OdooSandboxError`) unless `allowSandbox`, so no command can keep books in the
 * fake by mistake.
 */
export async function detectVersion(
  http: HttpPool,
  { allowSandbox = false, ...options }: DetectVersionOptions = {},
): Promise<OdooVersion> {
  const refuseSandbox = (answer: HttpAnswer): HttpAnswer => {
    if (!allowSandbox && answer.headers[SANDBOX_HEADER.toLowerCase()] !== undefined)
      throw new OdooSandboxError(http.origin);
    return answer;
  };
  const path = "/web/webclient/version_info";
  try {
    const answer = refuseSandbox(
      await http.postJson(path, { jsonrpc: "2.0", method: "call", id: 1, params: {} }, options),
    );
    return parseVersionInfo(readJsonRpcAnswer(answer, 1, { where: `POST ${path}` }));
  } catch (error) {
    if (!(error instanceof OdooNotFoundError)) throw error;
  }
  const answer = refuseSandbox(
    await http.postJson(
      "/jsonrpc",
      { jsonrpc: "2.0", method: "call", id: 1, params: { service: "common", method: "version", args: [] } },
      options,
    ),
  );
  return parseVersionInfo(readJsonRpcAnswer(answer, 1, { where: "POST /jsonrpc (common.version)" }));
}

/** `GET /web/version` (Odoo 19+): the version, or `undefined` on a server that does not have the route. */
export async function webVersion(
  http: HttpPool,
  options: HttpRequestOptions = {},
): Promise<OdooVersion | undefined> {
  const context: FaultContext = { where: "GET /web/version" };
  const answer = await http.get("/web/version", options);
  if (answer.status === 404) return undefined;
  if (answer.status !== 200) throw faultFromHttpAnswer(answer, context);
  const body = parseJsonAnswer(answer, context);
  if (!isObject(body)) throw new OdooProtocolError("GET /web/version did not answer an object");
  return parseVersionInfo({ server_version: body.version, server_version_info: body.version_info });
}

/** `{server_version: "19.0", server_version_info: [19, 0, 0, "final", 0, ""]}` → `OdooVersion`. */
export function parseVersionInfo(result: unknown): OdooVersion {
  if (!isObject(result)) throw new OdooProtocolError("Odoo's version answer is not an object");
  const serverVersion = result.server_version;
  const info = result.server_version_info;
  const versionInfo = Array.isArray(info)
    ? info.filter((item): item is number | string => typeof item === "number" || typeof item === "string")
    : [];
  if (typeof serverVersion !== "string" && versionInfo.length === 0)
    throw new OdooProtocolError("Odoo's version answer has neither server_version nor server_version_info");
  const major = majorOf(versionInfo[0], typeof serverVersion === "string" ? serverVersion : "");
  if (major === undefined)
    throw new OdooProtocolError("Odoo's version answer does not say which major version it is");
  return {
    serverVersion: typeof serverVersion === "string" ? serverVersion : versionInfo.slice(0, 2).join("."),
    versionInfo,
    major,
  };
}

/**
 * What odoo-mcp knows of a server's version: 17, 18 and 19 are verified against real servers (the recordings in
 * tests/fixtures); 20 (and the saas~19.x releases that led to it) is built from Odoo's documentation and source, never
 * run against a real server. Older ones are refused. The product asks Odoo what it has (`fields_get`) where 20
 * changed something, so this is only what doctor and the settings window say, never a branch.
 */
export function versionSupport(version: OdooVersion): { ok: boolean; detail: string } {
  const { major, serverVersion } = version;
  const saas = /saas/i.test(serverVersion); // "saas~19.3": one of the releases that led to 20
  if (major < 17) return { ok: false, detail: `${serverVersion} is not supported (17, 18, 19 and 20)` };
  if (major <= 19 && !saas) return { ok: true, detail: serverVersion };
  const documented = "built from Odoo's documentation, not verified on a real server";
  if (major <= 20) return { ok: true, detail: `${serverVersion} (${documented})` };
  return {
    ok: true,
    detail: `${serverVersion} (newer than odoo-mcp knows: 17–19 verified, 20 ${documented})`,
  };
}

function majorOf(first: number | string | undefined, serverVersion: string): number | undefined {
  if (typeof first === "number" && Number.isInteger(first) && first > 0) return first;
  // "saas~18.3" has version_info ["saas~18", 3, ...] on some builds.
  const text = typeof first === "string" ? first : serverVersion;
  const match = /(\d+)(?:\.\d+)?/.exec(text) ?? /(\d+)(?:\.\d+)?/.exec(serverVersion);
  const major = match?.[1] !== undefined ? Number.parseInt(match[1], 10) : Number.NaN;
  return Number.isInteger(major) && major > 0 ? major : undefined;
}
