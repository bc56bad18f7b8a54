import { type Logger, registerSecret, silentLogger } from "../log.js";
import { OdooAccessError, OdooAuthError, OdooNotFoundError, OdooProtocolError } from "./errors.js";
import { HttpPool } from "./http.js";
import { Json2Transport } from "./json2.js";
import { JsonRpcTransport } from "./jsonrpc.js";
import { type Sleep, withRetry } from "./retry.js";
import type {
  CallOptions,
  CompanyScope,
  Domain,
  Odoo,
  OdooApi,
  OdooCall,
  OdooCompany,
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
  #company: Promise<CompanyScope> | undefined;

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

  company(): Promise<CompanyScope> {
    if (!this.#company) {
      const resolving = this.#resolveCompany();
      this.#company = resolving;
      resolving.then(
        (scope) =>
          this.#logger.debug("Odoo company", { company: scope.current.id, companies: scope.choices.length }),
        () => {
          if (this.#company === resolving) this.#company = undefined;
        },
      );
    }
    return this.#company;
  }

  async call<T = unknown>(call: OdooCall, options: Partial<CallOptions> = {}): Promise<T> {
    const transport = await this.#connect();
    // JSON-RPC needs the uid first; logging in is safe to retry even when the call itself is not.
    if (transport.api === "jsonrpc")
      await withRetry(() => transport.uid(), this.#retry(true, "login", options));
    // Every call works in one company (see `company()`), unless the caller names the companies itself.
    const scope = await this.company();
    if (call.context?.allowed_company_ids === undefined)
      call = { ...call, context: { ...call.context, allowed_company_ids: [scope.current.id] } };
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

  /**
   * The user's companies (`res.users` `company_id`, `company_ids`, then the companies' names when there are
   * several or `ODOO_COMPANY` names one), and the one to work in. Asked without `allowed_company_ids`, i.e. with
   * every company of the user allowed, which is what these reads need.
   */
  async #resolveCompany(): Promise<CompanyScope> {
    const transport = await this.#connect();
    const uid = await withRetry(() => transport.uid(), this.#retry(true, "login"));
    const ask = async (call: OdooCall) => {
      const rows = await withRetry(
        () => transport.call<unknown>(call, { idempotent: true, timeoutMs: this.settings.timeoutMs }),
        this.#retry(true, `${call.model}.${call.method}`),
      );
      return expectArray<Record<string, unknown>>(rows, `${call.model}.${call.method}`);
    };
    const [user] = await ask({
      model: "res.users",
      method: "read",
      ids: [uid],
      args: { fields: ["company_id", "company_ids"] },
    });
    const own = user?.company_id;
    const ownId = Array.isArray(own) && typeof own[0] === "number" ? own[0] : undefined;
    const listed = Array.isArray(user?.company_ids)
      ? user.company_ids.filter((id): id is number => typeof id === "number" && Number.isInteger(id))
      : [];
    const ids = listed.length > 0 ? listed : ownId !== undefined ? [ownId] : [];
    if (ids.length === 0) throw new OdooProtocolError("res.users.read did not answer the user's companies");
    const names = new Map<number, string>();
    if (ownId !== undefined && Array.isArray(own) && typeof own[1] === "string") names.set(ownId, own[1]);
    const wanted = this.settings.company;
    if (ids.some((id) => !names.has(id)) && (ids.length > 1 || wanted !== undefined)) {
      const rows = await ask({
        model: "res.company",
        method: "search_read",
        args: { domain: [["id", "in", ids]], fields: ["name"], order: "id" },
      });
      for (const row of rows)
        if (typeof row.id === "number") names.set(row.id, typeof row.name === "string" ? row.name : "");
    }
    const choices: OdooCompany[] = [...ids]
      .sort((x, y) => x - y)
      .map((id) => ({ id, name: names.get(id) ?? "" }));
    if (wanted === undefined) {
      const current = choices.find((c) => c.id === ownId) ?? (choices[0] as OdooCompany);
      return { current, choices, source: "user" };
    }
    return { current: chooseCompany(wanted, choices, this.settings.username), choices, source: "configured" };
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

/**
 * The company `ODOO_COMPANY` names among the user's: an id, or a name (exact, then ignoring case and spaces at
 * the ends). None, or a name two companies share, is an `OdooAccessError` that lists the choices.
 */
export function chooseCompany(
  wanted: number | string,
  choices: OdooCompany[],
  username: string,
): OdooCompany {
  const listed = choices.map((c) => `${c.id} "${c.name}"`).join(", ");
  const fix = `Set ODOO_COMPANY to one of them (its id or name), or give the user access to that company in Odoo (Settings > Users > Allowed Companies).`;
  if (typeof wanted === "number") {
    const found = choices.find((c) => c.id === wanted);
    if (found) return found;
    throw new OdooAccessError(
      `ODOO_COMPANY ${wanted}: user "${username}" cannot work in the company with id ${wanted}. The user's companies: ${listed}. ${fix}`,
      undefined,
      undefined,
    );
  }
  const exact = choices.filter((c) => c.name === wanted);
  const loose = choices.filter((c) => c.name.trim().toLowerCase() === wanted.trim().toLowerCase());
  const found = exact.length > 0 ? exact : loose;
  if (found.length === 1) return found[0] as OdooCompany;
  if (found.length > 1)
    throw new OdooAccessError(
      `ODOO_COMPANY "${wanted}": several of user "${username}"'s companies have this name (ids ${found.map((c) => c.id).join(", ")}). Set ODOO_COMPANY to the id of the one to use.`,
      undefined,
      undefined,
    );
  throw new OdooAccessError(
    `ODOO_COMPANY "${wanted}": user "${username}" has no company of this name. The user's companies: ${listed}. ${fix}`,
    undefined,
    undefined,
  );
}

function expectArray<T>(value: unknown, what: string): T[] {
  if (!Array.isArray(value)) throw new OdooProtocolError(`${what} did not answer a list`);
  return value as T[];
}
