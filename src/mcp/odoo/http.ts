import http from "node:http";
import https from "node:https";
import type { Socket } from "node:net";
import { OdooConnectionError, type OdooError, OdooProtocolError } from "./errors.js";
import { gatewayStatusError } from "./fault.js";
import type { OdooStats } from "./types.js";

/**
 * One keep-alive connection pool per Odoo client, and the only code that touches sockets. It answers the
 * raw HTTP answer (status, content type, text) and throws only `OdooConnectionError` (network failures,
 * timeouts, HTTP 502/503/504/429) or `OdooProtocolError` (an oversized answer). What the answer means is
 * for `fault.ts` and the transports.
 *
 * `maybeApplied` on a connection error says whether the request can have reached Odoo: false when no
 * connection was ever made (refused, DNS, connect timeout), true once the request was on the wire.
 */

export interface HttpAnswer {
  status: number;
  contentType: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface HttpRequestOptions {
  /** Overrides the pool's timeout for this request (ms). */
  timeoutMs?: number;
  signal?: AbortSignal;
  headers?: Record<string, string>;
}

export interface HttpPoolOptions {
  /** Per-request timeout (ms): connecting, sending and reading the whole answer. */
  timeoutMs: number;
  /** Idle keep-alive sockets are closed after this long (ms), before a server would close them. */
  idleSocketMs?: number;
  maxSockets?: number;
  /** Answers larger than this are refused (`OdooProtocolError`). */
  maxResponseBytes?: number;
  /** Clock for the time-spent counter (tests). */
  now?: () => number;
}

const NOT_SENT_CODES: ReadonlySet<string> = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EAI_FAIL",
  "EAI_NONAME",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EHOSTDOWN",
  "ENETDOWN",
  "EADDRNOTAVAIL",
]);

const DESCRIPTIONS: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ENOTFOUND: "host name not found",
  EAI_AGAIN: "host name lookup failed (temporary)",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
  ECONNRESET: "connection reset",
  EPIPE: "connection closed while sending",
  ETIMEDOUT: "connection timed out",
};

const DEFAULT_MAX_RESPONSE_BYTES = 128 * 1024 * 1024;

export class HttpPool {
  readonly #base: URL | undefined;
  readonly #baseError: string | undefined;
  readonly #agent: http.Agent;
  readonly #timeoutMs: number;
  readonly #maxResponseBytes: number;
  readonly #now: () => number;
  #roundTrips = 0;
  /** Wall time with at least one request in flight: concurrent requests are not counted twice. */
  #ms = 0;
  #inFlight = 0;
  #busySince = 0;
  #closed = false;

  constructor(baseUrl: string, options: HttpPoolOptions) {
    const parsed = parseBaseUrl(baseUrl);
    this.#base = parsed.url;
    this.#baseError = parsed.error;
    this.#timeoutMs = options.timeoutMs > 0 ? options.timeoutMs : 30_000;
    this.#maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    this.#now = options.now ?? (() => performance.now());
    const agentOptions: http.AgentOptions = {
      keepAlive: true,
      maxSockets: options.maxSockets ?? 8,
      timeout: options.idleSocketMs ?? 4_000,
      scheduling: "lifo",
    };
    this.#agent =
      this.#base?.protocol === "https:" ? new https.Agent(agentOptions) : new http.Agent(agentOptions);
  }

  /** Scheme, host and port of Odoo: safe to show (no user info, no path). */
  get origin(): string {
    return this.#base?.origin ?? "(invalid URL)";
  }

  postJson(path: string, body: unknown, options: HttpRequestOptions = {}): Promise<HttpAnswer> {
    const payload = JSON.stringify(body);
    return this.#request("POST", path, payload, {
      ...options,
      headers: { "Content-Type": "application/json", Accept: "application/json", ...options.headers },
    });
  }

  get(path: string, options: HttpRequestOptions = {}): Promise<HttpAnswer> {
    return this.#request("GET", path, undefined, options);
  }

  stats(): OdooStats {
    return { roundTrips: this.#roundTrips, odooMs: Math.round(this.#ms) };
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#agent.destroy();
  }

  #request(
    method: "GET" | "POST",
    path: string,
    payload: string | undefined,
    options: HttpRequestOptions,
  ): Promise<HttpAnswer> {
    const base = this.#base;
    if (!base) return Promise.reject(new OdooProtocolError(this.#baseError ?? "the Odoo URL is not valid"));
    if (this.#closed) return Promise.reject(new OdooConnectionError("the Odoo client was closed", false));
    const where = `${method} ${path}`;
    const timeoutMs = options.timeoutMs && options.timeoutMs > 0 ? options.timeoutMs : this.#timeoutMs;
    const signal = options.signal;
    const origin = base.origin;
    const isHttps = base.protocol === "https:";

    return new Promise<HttpAnswer>((resolve, reject) => {
      if (signal?.aborted) {
        reject(new OdooConnectionError(`the request ${where} was cancelled before it was sent`, false));
        return;
      }
      if (this.#inFlight === 0) this.#busySince = this.#now();
      this.#inFlight += 1;
      /** Whether the request can have reached Odoo (a connection existed when it was written). */
      let sent = false;
      let settled = false;
      let timer: NodeJS.Timeout | undefined;

      const headers: Record<string, string | number> = {
        "User-Agent": "odoo-mcp",
        ...options.headers,
      };
      if (payload !== undefined) headers["Content-Length"] = Buffer.byteLength(payload);

      const request = (isHttps ? https : http).request({
        protocol: base.protocol,
        hostname: base.hostname,
        port: base.port || (isHttps ? 443 : 80),
        path: `${base.pathname.replace(/\/+$/, "")}${path}`,
        method,
        agent: this.#agent,
        headers,
      });

      const settle = (error: OdooError | undefined, answer?: HttpAnswer) => {
        if (settled) return;
        settled = true;
        if (timer) clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        if (sent) this.#roundTrips += 1;
        this.#inFlight -= 1;
        if (this.#inFlight === 0) this.#ms += this.#now() - this.#busySince;
        if (error) reject(error);
        else if (answer) resolve(answer);
      };

      const onAbort = () => {
        const applied = sent;
        request.destroy();
        settle(new OdooConnectionError(`the request ${where} was cancelled`, applied));
      };
      signal?.addEventListener("abort", onAbort, { once: true });

      timer = setTimeout(() => {
        const applied = sent;
        request.destroy();
        settle(
          new OdooConnectionError(
            applied
              ? `Odoo did not answer ${where} within ${timeoutMs} ms; the request may have been applied`
              : `could not connect to Odoo at ${origin} within ${timeoutMs} ms`,
            applied,
          ),
        );
      }, timeoutMs);

      request.on("socket", (socket: Socket) => {
        socket.setNoDelay(true);
        if (!socket.connecting) {
          sent = true;
          return;
        }
        socket.once(isHttps ? "secureConnect" : "connect", () => {
          sent = true;
        });
      });

      request.on("error", (error: NodeJS.ErrnoException) => {
        settle(networkError(error, sent, where, origin));
      });

      request.on("response", (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size > this.#maxResponseBytes) {
            request.destroy();
            settle(
              new OdooProtocolError(
                `Odoo's answer to ${where} is larger than ${this.#maxResponseBytes} bytes; refused`,
              ),
            );
            return;
          }
          chunks.push(chunk);
        });
        response.on("aborted", () => {
          settle(
            new OdooConnectionError(
              `the connection to Odoo broke while reading the answer to ${where}`,
              true,
            ),
          );
        });
        response.on("error", (error: NodeJS.ErrnoException) => {
          settle(networkError(error, true, where, origin));
        });
        response.on("end", () => {
          if (!response.complete) {
            settle(
              new OdooConnectionError(
                `the answer of Odoo to ${where} was cut off; it may have been applied`,
                true,
              ),
            );
            return;
          }
          const status = response.statusCode ?? 0;
          const gateway = gatewayStatusError(status, where);
          if (gateway) {
            settle(gateway);
            return;
          }
          settle(undefined, {
            status,
            contentType: headerValue(response.headers["content-type"]),
            headers: response.headers,
            body: Buffer.concat(chunks).toString("utf8"),
          });
        });
      });

      request.end(payload);
    });
  }
}

function networkError(
  error: NodeJS.ErrnoException,
  sent: boolean,
  where: string,
  origin: string,
): OdooConnectionError {
  const code = typeof error.code === "string" ? error.code : undefined;
  const notSent = code !== undefined && NOT_SENT_CODES.has(code);
  const maybeApplied = sent && !notSent;
  const what = (code && DESCRIPTIONS[code]) ?? "network error";
  const message = maybeApplied
    ? `the connection to Odoo at ${origin} failed during ${where} (${what}${code ? `, ${code}` : ""}); the request may have been applied`
    : `cannot connect to Odoo at ${origin} (${what}${code ? `, ${code}` : ""})`;
  return new OdooConnectionError(message, maybeApplied, { cause: error });
}

function headerValue(value: string | string[] | undefined): string {
  return (Array.isArray(value) ? value[0] : value) ?? "";
}

function parseBaseUrl(raw: string): { url?: URL; error?: string } {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return { error: "the Odoo URL is not a valid URL (expected e.g. https://odoo.example.com)" };
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    return { error: `the Odoo URL must start with http:// or https:// (got ${url.protocol})` };
  // Credentials in the URL would end up in logs; they are never used.
  url.username = "";
  url.password = "";
  url.search = "";
  url.hash = "";
  return { url };
}
