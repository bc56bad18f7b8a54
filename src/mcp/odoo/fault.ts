import { redact } from "../log.js";
import {
  OdooAccessError,
  OdooAuthError,
  OdooConnectionError,
  type OdooError,
  type OdooFaultError,
  OdooMissingError,
  OdooNotFoundError,
  OdooProtocolError,
  OdooScopeError,
  OdooServerError,
  OdooUserError,
  scopeOfRefusal,
} from "./errors.js";

/**
 * The one place that turns what Odoo (or a proxy in front of it) answered into the error tree of
 * `errors.ts`: HTTP statuses, JSON-2 error bodies `{name, message, arguments, context, debug}` and JSON-RPC
 * `error` members. Odoo's human `message` is kept; `debug` (a traceback) and request bodies never are.
 *
 *   JSON-2 status      body name                                   error
 *   401                any                                         OdooAuthError
 *   403                odoo.exceptions.AccessDenied                OdooAuthError
 *   403                anything else (AccessError)                 OdooAccessError (OdooScopeError when
 *                                                                  the API key's scope refused it)
 *   404                odoo.exceptions.MissingError                OdooMissingError
 *   404                NotFound, HTML page (unknown database)      OdooNotFoundError
 *   3xx                (JSON-2 route absent: Odoo < 19)            OdooNotFoundError
 *   422                UserError, ValidationError, Unprocessable   OdooUserError
 *   500                any                                         OdooServerError
 *   502, 504           -                                           OdooConnectionError (maybe applied)
 *   503, 429           -                                           OdooConnectionError (not applied)
 *   400, 415, other    -                                           OdooProtocolError
 *
 * JSON-RPC faults come with HTTP 200 and are mapped by `error.data.name` (see `faultFromName`).
 */

/** What the mapping needs to know about the answer. */
export interface AnswerLike {
  status: number;
  contentType: string;
  body: string;
  headers?: Record<string, string | string[] | undefined>;
}

/** Where the answer came from, for messages: never a body, never a secret. */
export interface FaultContext {
  /** `POST /json/2/res.partner/search_read`, `POST /jsonrpc`, ... */
  where: string;
  database?: string;
}

const MAX_MESSAGE = 1500;

const EXCEPTIONS = {
  accessDenied: "odoo.exceptions.AccessDenied",
  accessError: "odoo.exceptions.AccessError",
  userError: "odoo.exceptions.UserError",
  validationError: "odoo.exceptions.ValidationError",
  redirectWarning: "odoo.exceptions.RedirectWarning",
  missingError: "odoo.exceptions.MissingError",
  unauthorized: "werkzeug.exceptions.Unauthorized",
  forbidden: "werkzeug.exceptions.Forbidden",
  notFound: "werkzeug.exceptions.NotFound",
  unprocessable: "werkzeug.exceptions.UnprocessableEntity",
  sessionExpired: "odoo.http.SessionExpiredException",
  operational: "psycopg2.OperationalError",
  attributeError: "builtins.AttributeError",
} as const;

const USER_ERRORS: ReadonlySet<string> = new Set([
  EXCEPTIONS.userError,
  EXCEPTIONS.validationError,
  EXCEPTIONS.redirectWarning,
  EXCEPTIONS.unprocessable,
  "odoo.exceptions.except_orm",
  "odoo.exceptions.Warning",
]);

/** HTTP statuses that mean "a gateway in front of Odoo", not Odoo itself: transient. */
export function gatewayStatusError(status: number, where: string): OdooConnectionError | undefined {
  if (status === 503)
    return new OdooConnectionError(`Odoo is unavailable (HTTP 503) for ${where}; try again later`, false);
  if (status === 429)
    return new OdooConnectionError(`Odoo is rate limiting requests (HTTP 429) for ${where}`, false);
  if (status === 502 || status === 504)
    return new OdooConnectionError(
      `the gateway in front of Odoo answered HTTP ${status} for ${where}; the request may have been applied`,
      true,
    );
  return undefined;
}

/** Parses a 2xx body as JSON; anything else is an answer that is not Odoo's. */
export function parseJsonAnswer(answer: AnswerLike, context: FaultContext): unknown {
  if (answer.body.trim() === "")
    throw new OdooProtocolError(`Odoo answered an empty body to ${context.where} (HTTP ${answer.status})`);
  try {
    return JSON.parse(answer.body) as unknown;
  } catch {
    throw new OdooProtocolError(
      `Odoo answered something that is not JSON to ${context.where} (HTTP ${answer.status}, ${describeType(answer.contentType)}${htmlTitleSuffix(answer)})`,
    );
  }
}

/** Maps a JSON-2 (or any non-2xx) HTTP answer to an error. */
export function faultFromHttpAnswer(answer: AnswerLike, context: FaultContext): OdooError {
  const { status } = answer;
  const gateway = gatewayStatusError(status, context.where);
  if (gateway) return gateway;
  const payload = tryParseObject(answer.body);
  const name = payload ? stringMember(payload, "name") : undefined;
  const message = payload ? messageOf(payload) : undefined;
  const text = (fallback: string) => message ?? fallback;

  if (status >= 300 && status < 400) {
    return new OdooNotFoundError(
      `${context.where} is not served by this Odoo (HTTP ${status} redirect${locationSuffix(answer)}); the JSON-2 API needs Odoo 19 or later`,
      name,
      status,
    );
  }
  if (status === 401)
    return new OdooAuthError(
      `Odoo refused the credentials: ${text("HTTP 401 Unauthorized")}`,
      name ?? EXCEPTIONS.unauthorized,
      status,
    );
  if (status === 403) {
    if (name === EXCEPTIONS.accessDenied || name === EXCEPTIONS.sessionExpired)
      return new OdooAuthError(`Odoo refused the credentials: ${text("Access Denied")}`, name, status);
    return accessError(text(`access denied to ${context.where} (HTTP 403)`), name, status);
  }
  if (status === 404) {
    if (name === EXCEPTIONS.missingError)
      return new OdooMissingError(text("the record does not exist"), name, status);
    if (payload && message) return new OdooNotFoundError(message, name, status);
    if (/no database is selected/i.test(answer.body))
      return new OdooNotFoundError(
        `Odoo found no database ${quoted(context.database)}for ${context.where}: check the database name`,
        name,
        status,
      );
    return new OdooNotFoundError(
      `Odoo has no ${context.where} (HTTP 404${htmlTitleSuffix(answer)}): check the URL and the database name, and that the JSON-2 API exists (Odoo 19 or later)`,
      name,
      status,
    );
  }
  if (status === 422 && payload)
    return new OdooUserError(text("the request is not valid for Odoo"), name, status);
  if (status === 500 || (status > 500 && payload))
    return new OdooServerError(
      message && name
        ? `${message} (${shortName(name)})`
        : text(`Odoo failed with HTTP ${status}${htmlTitleSuffix(answer)}`),
      name,
      status,
    );
  if (payload && name && status >= 400) {
    const byName = faultFromName(name, message ?? name, status);
    if (!(byName instanceof OdooServerError)) return byName;
  }
  return new OdooProtocolError(
    `Odoo answered HTTP ${status} (${describeType(answer.contentType)}) to ${context.where}${message ? `: ${message}` : htmlTitleSuffix(answer)}`,
  );
}

/** Maps the `error` member of a JSON-RPC answer (HTTP 200). */
export function faultFromJsonRpcError(error: unknown, context: FaultContext): OdooError {
  if (!isObject(error))
    return new OdooProtocolError(`Odoo answered a JSON-RPC error that is not an object to ${context.where}`);
  const data = isObject(error.data) ? error.data : undefined;
  const name = data ? stringMember(data, "name") : undefined;
  const message =
    (data ? messageOf(data) : undefined) ?? stringMember(error, "message") ?? "Odoo Server Error";
  if (!name) return new OdooServerError(clean(message), undefined, undefined);
  return faultFromName(name, message, undefined);
}

/** The name-based half of the mapping, shared by JSON-2 bodies and JSON-RPC errors. */
export function faultFromName(
  name: string,
  rawMessage: string,
  httpStatus: number | undefined,
): OdooFaultError {
  const message = clean(rawMessage);
  if (
    name === EXCEPTIONS.accessDenied ||
    name === EXCEPTIONS.unauthorized ||
    name === EXCEPTIONS.sessionExpired
  )
    return new OdooAuthError(`Odoo refused the credentials: ${message}`, name, httpStatus);
  if (name === EXCEPTIONS.accessError || name === EXCEPTIONS.forbidden)
    return accessError(message, name, httpStatus);
  if (name === EXCEPTIONS.missingError) return new OdooMissingError(message, name, httpStatus);
  if (name === EXCEPTIONS.notFound) return new OdooNotFoundError(message, name, httpStatus);
  // JSON-RPC says "unknown model" as a UserError and "unknown method" as an AttributeError; JSON-2 says
  // 404 NotFound for both. Keep them the same whatever the transport.
  if (name === EXCEPTIONS.userError && /^Object \S+ doesn't exist\.?$/.test(message))
    return new OdooNotFoundError(message, name, httpStatus);
  if (name === EXCEPTIONS.attributeError && /^The method '[^']+' does not exist/.test(message))
    return new OdooNotFoundError(message, name, httpStatus);
  if (USER_ERRORS.has(name)) return new OdooUserError(message, name, httpStatus);
  if (name === EXCEPTIONS.operational) {
    const database = /database "([^"]+)" does not exist/.exec(message)?.[1];
    if (database !== undefined)
      return new OdooNotFoundError(
        `the database "${database}" does not exist on this Odoo server: check the database name`,
        name,
        httpStatus,
      );
  }
  return new OdooServerError(`${message} (${shortName(name)})`, name, httpStatus);
}

function shortName(name: string): string {
  return name.replace(/^builtins\./, "");
}

function messageOf(payload: Record<string, unknown>): string | undefined {
  const message = stringMember(payload, "message");
  if (message !== undefined && message.trim() !== "") return clean(message);
  const args = payload.arguments;
  if (Array.isArray(args) && typeof args[0] === "string" && args[0].trim() !== "") return clean(args[0]);
  return undefined;
}

function clean(message: string): string {
  const trimmed = message.trim();
  const short = trimmed.length > MAX_MESSAGE ? `${trimmed.slice(0, MAX_MESSAGE)}…` : trimmed;
  return redact(short);
}

function stringMember(value: Record<string, unknown>, key: string): string | undefined {
  const member = value[key];
  return typeof member === "string" ? member : undefined;
}

function tryParseObject(body: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(body);
    return isObject(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function describeType(contentType: string): string {
  return contentType.split(";")[0]?.trim() || "no content type";
}

/** A hint of what the body said: an HTML page's title, or a short plain-text body. */
function htmlTitleSuffix(answer: AnswerLike): string {
  const title = /<title>([^<]{1,200})<\/title>/i.exec(answer.body)?.[1]?.trim();
  if (title) return `: "${redact(title)}"`;
  const text = answer.body.trim();
  if (text !== "" && text.length <= 200 && !text.includes("<") && !text.startsWith("{"))
    return `: "${redact(text)}"`;
  return "";
}

function locationSuffix(answer: AnswerLike): string {
  const location = answer.headers?.location;
  const value = Array.isArray(location) ? location[0] : location;
  return value ? ` to ${redact(value.split("?")[0] ?? value)}` : "";
}

function quoted(database: string | undefined): string {
  return database ? `"${database}" ` : "";
}

/** An AccessError: the API key's scope refusing the call (Odoo 20's scoped keys) or the user lacking a right. */
function accessError(message: string, name: string | undefined, status: number | undefined): OdooAccessError {
  const scope = scopeOfRefusal(message);
  return scope === undefined
    ? new OdooAccessError(message, name, status)
    : new OdooScopeError(message, scope, name, status);
}
