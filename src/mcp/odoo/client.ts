import { type Logger, registerSecret, silentLogger } from "../log.js";
import { OdooAuthError, OdooNotFoundError, OdooProtocolError } from "./errors.js";
import { HttpPool } from "./http.js";
import { Json2Transport } from "./json2.js";
import { JsonRpcTransport } from "./jsonrpc.js";
import { type Sleep, withRetry } from "./retry.js";
import type {
  CallOptions,
  Domain,
  Odoo,
  OdooApi,
  OdooCall,
  OdooConnectionSettings,
  OdooContext,
  OdooStats,
  OdooTransport,
  OdooVersion,
  SearchReadOptions,
} from "./types.js";
import { detectVersion } from "./version.js";

export interface OdooClientDeps {
  logger?: Logger;
  /** Backoff between retries; tests inject one that does not wait. */
  sleep?: (ms: number) => Promise<void>;
  /** Backoff delays (ms); defaults to 1 s, 2 s, 4 s, 8 s. */
  retryDelaysMs?: readonly number[];
}

/** First major version with the JSON-2 API. */
export const JSON2_MIN_MAJOR = 19;

/** The API `settings.api` asks for on this version, or an error saying why it cannot be used. */
export function chooseApi(
  settings: Pick<OdooConnectionSettings, "api" | "secretKind">,
  version: OdooVersion,
): OdooApi {
  if (settings.api === "jsonrpc") return "jsonrpc";
  if (settings.api === "json2") {
    if (version.major < JSON2_MIN_MAJOR)
      throw new OdooNotFoundError(
        `the JSON-2 API needs Odoo ${JSON2_MIN_MAJOR} or later, and this server runs Odoo ${version.serverVersion}: set the API to "auto" or "jsonrpc"`,
        undefined,
        undefined,
      );
    if (settings.secretKind !== "api_key")
      throw new OdooAuthError(
        "the JSON-2 API authenticates with an API key, not a password: create an API key in Odoo (Preferences > Account Security)",
        undefined,
        undefined,
      );
    return "json2";
  }
  return version.major >= JSON2_MIN_MAJOR && settings.secretKind === "api_key" ? "json2" : "jsonrpc";
}

/**
 * Builds the client every other module talks to. Nothing touches the network here: the version is
 * detected on first use (once), the API is chosen from it, and JSON-RPC logs in on first use.
 */
export function createOdooClient(settings: OdooConnectionSettings, deps: OdooClientDeps = {}): Odoo {
  return new OdooClient(settings, deps);
}

export class OdooClient implements Odoo {
  readonly settings: Readonly<Omit<OdooConnectionSettings, "secret">>;
  readonly #secret: string;
  readonly #http: HttpPool;
  readonly #logger: Logger;
  readonly #sleep: Sleep | undefined;
  readonly #delays: readonly number[] | undefined;
  #version: Promise<OdooVersion> | undefined;
  #transport: Promise<OdooTransport> | undefined;

  constructor(settings: OdooConnectionSettings, deps: OdooClientDeps = {}) {
    registerSecret(settings.secret);
    const { secret, ...visible } = settings;
    this.settings = Object.freeze({ ...visible });
    this.#secret = secret;
    this.#logger = deps.logger ?? silentLogger;
    this.#sleep = deps.sleep;
    this.#delays = deps.retryDelaysMs;
    this.#http = new HttpPool(settings.url, { timeoutMs: settings.timeoutMs });
  }

  version(): Promise<OdooVersion> {
    if (!this.#version) {
      const detecting = withRetry(
        () => detectVersion(this.#http, { allowSandbox: this.settings.allowSandbox === true }),
        this.#retry(true, "version detection"),
      );
      this.#version = detecting;
      detecting.then(
        (version) => this.#logger.debug("Odoo version detected", { version: version.serverVersion }),
        () => {
          if (this.#version === detecting) this.#version = undefined;
        },
      );
    }
    return this.#version;
  }

  async api(): Promise<OdooApi> {
    return (await this.#connect()).api;
  }

  async uid(): Promise<number> {
    const transport = await this.#connect();
    return withRetry(() => transport.uid(), this.#retry(true, "login"));
  }

  async call<T = unknown>(call: OdooCall, options: Partial<CallOptions> = {}): Promise<T> {
    const transport = await this.#connect();
    // JSON-RPC needs the uid first; logging in is safe to retry even when the call itself is not.
    if (transport.api === "jsonrpc")
      await withRetry(() => transport.uid(), this.#retry(true, "login", options));
    const full: CallOptions = {
      idempotent: options.idempotent ?? false,
      timeoutMs: options.timeoutMs ?? this.settings.timeoutMs,
      signal: options.signal,
    };
    const what = `${call.model}.${call.method}`;
    const started = performance.now();
    const result = await withRetry(
      () => transport.call<T>(call, full),
      this.#retry(full.idempotent, what, options),
    );
    this.#logger.debug("Odoo call", { what, ms: Math.round(performance.now() - started) });
    return result;
  }

  async searchRead<T = Record<string, unknown>>(
    model: string,
    domain: Domain,
    fields: string[],
    options: SearchReadOptions = {},
  ): Promise<T[]> {
    const args: Record<string, unknown> = { domain, fields };
    if (options.limit !== undefined) args.limit = options.limit;
    if (options.offset !== undefined) args.offset = options.offset;
    if (options.order !== undefined) args.order = options.order;
    const rows = await this.call<unknown>(
      { model, method: "search_read", args, context: options.context },
      { idempotent: true },
    );
    return expectArray<T>(rows, `${model}.search_read`);
  }

  async read<T = Record<string, unknown>>(
    model: string,
    ids: number[],
    fields: string[],
    context?: OdooContext,
  ): Promise<T[]> {
    if (ids.length === 0) return [];
    const rows = await this.call<unknown>(
      { model, method: "read", ids, args: { fields }, context },
      { idempotent: true },
    );
    return expectArray<T>(rows, `${model}.read`);
  }

  async searchCount(model: string, domain: Domain, context?: OdooContext): Promise<number> {
    const count = await this.call<unknown>(
      { model, method: "search_count", args: { domain }, context },
      { idempotent: true },
    );
    if (typeof count !== "number" || !Number.isInteger(count))
      throw new OdooProtocolError(`${model}.search_count did not answer a number`);
    return count;
  }

  async create(model: string, values: Record<string, unknown>, context?: OdooContext): Promise<number> {
    const result = await this.call<unknown>(
      { model, method: "create", args: { vals_list: [values] }, context },
      { idempotent: false },
    );
    const id = Array.isArray(result) ? result[0] : result;
    if (typeof id !== "number" || !Number.isInteger(id))
      throw new OdooProtocolError(`${model}.create did not answer a record id`);
    return id;
  }

  async write(
    model: string,
    ids: number[],
    values: Record<string, unknown>,
    context?: OdooContext,
  ): Promise<boolean> {
    const result = await this.call<unknown>(
      { model, method: "write", ids, args: { vals: values }, context },
      { idempotent: false },
    );
    if (typeof result !== "boolean") throw new OdooProtocolError(`${model}.write did not answer a boolean`);
    return result;
  }

  stats(): OdooStats {
    return this.#http.stats();
  }

  async close(): Promise<void> {
    const transport = this.#transport;
    this.#transport = undefined;
    if (transport) await transport.then((t) => t.close()).catch(() => undefined);
    await this.#http.close();
  }

  #connect(): Promise<OdooTransport> {
    if (this.#transport) return this.#transport;
    const connecting = this.version().then((version) => {
      const api = chooseApi(this.settings, version);
      this.#logger.debug("Odoo API chosen", { api, version: version.serverVersion });
      return api === "json2"
        ? new Json2Transport(this.#http, { database: this.settings.database, secret: this.#secret })
        : new JsonRpcTransport(this.#http, {
            database: this.settings.database,
            username: this.settings.username,
            secret: this.#secret,
          });
    });
    this.#transport = connecting;
    connecting.catch(() => {
      if (this.#transport === connecting) this.#transport = undefined;
    });
    return connecting;
  }

  #retry(idempotent: boolean, what: string, options: Partial<CallOptions> = {}) {
    return {
      idempotent,
      what,
      logger: this.#logger,
      sleep: this.#sleep,
      delaysMs: this.#delays,
      signal: options.signal,
    };
  }
}

function expectArray<T>(value: unknown, what: string): T[] {
  if (!Array.isArray(value)) throw new OdooProtocolError(`${what} did not answer a list`);
  return value as T[];
}
