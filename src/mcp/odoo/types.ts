/**
 * The shapes shared by the Odoo transports, the client and the accounting code.
 *
 * A call is always expressed with named arguments (`{ ids?, ...named }`), the way JSON-2 wants it; the
 * JSON-RPC transport turns it into `execute_kw(db, uid, secret, model, method, [ids] or [], named)`, which every
 * Odoo version accepts. No caller ever builds a positional argument list.
 */

export type OdooApi = "json2" | "jsonrpc";

/** A many2one as Odoo reads it: `[id, display_name]` or `false`. */
export type Many2one = [number, string] | false;

export type OdooContext = Record<string, unknown>;

/** Odoo domain: a list of `[field, operator, value]` triples and the prefix operators `&`, `|`, `!`. */
export type DomainTerm = [string, string, unknown] | "&" | "|" | "!";
export type Domain = DomainTerm[];

export interface OdooCall {
  model: string;
  method: string;
  /** Records the method runs on (`self`); omitted for model methods (`create`, `search_read`, ...). */
  ids?: number[];
  /** Named arguments of the method (`domain`, `fields`, `vals_list`, `vals`, ...). */
  args?: Record<string, unknown>;
  context?: OdooContext;
}

export interface CallOptions {
  /**
   * Whether the call may be sent again after a failure whose outcome is unknown (timeout, reset after
   * sending). Reads are; writes are not unless the caller has checked, in Odoo, that the first try did not
   * happen. Connection refused (nothing was sent) is retried for every call.
   */
  idempotent: boolean;
  /** Overrides the per-operation timeout (ms). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** One wire format. It sends exactly one request per call and throws only `OdooError`s. */
export interface OdooTransport {
  readonly api: OdooApi;
  call<T = unknown>(call: OdooCall, options: CallOptions): Promise<T>;
  /** The user id the credentials belong to (JSON-RPC: `common.login`; JSON-2: `res.users.context_get`/uid). */
  uid(): Promise<number>;
  close(): Promise<void>;
}

export interface OdooVersion {
  /** `server_version`, e.g. "19.0". */
  serverVersion: string;
  /** `server_version_info`, e.g. `[19, 0, 0, "final", 0, ""]`. */
  versionInfo: (number | string)[];
  major: number;
}

export interface OdooConnectionSettings {
  url: string;
  database: string;
  username: string;
  /** API key (preferred) or password. Never logged, never put in an error message. */
  secret: string;
  secretKind: "api_key" | "password";
  /** `auto` picks JSON-2 on 19+ with an API key, JSON-RPC otherwise. */
  api: "auto" | OdooApi;
  timeoutMs: number;
  /**
   * The company every call works in (`ODOO_COMPANY`): its id, or its name. Absent: the user's current company in
   * Odoo (`res.users.company_id`), as Odoo's own web client starts. Either way it is sent as
   * `allowed_company_ids: [id]` in the context of every call, so that a write lands in that company and a read
   * never sums several companies' books. A company the user is not in is an `OdooAccessError`.
   */
  company?: number | string;
  /** Accept a server that answers with the sandbox mark (`odoo-mcp sandbox`): demo, bench and tests only. */
  allowSandbox?: boolean;
}

/** Counters the bench and `doctor` read: how many HTTP round trips and how long Odoo took. */
export interface OdooStats {
  roundTrips: number;
  odooMs: number;
}

/** A company as the user may choose it. */
export interface OdooCompany {
  id: number;
  name: string;
}

/** The company the client works in, and the ones the user could choose (`res.users.company_ids`). */
export interface CompanyScope {
  current: OdooCompany;
  /** Every company of the user, in Odoo's order (the current one among them). */
  choices: OdooCompany[];
  /** `configured`: chosen by `ODOO_COMPANY`; `user`: the user's current company in Odoo. */
  source: "configured" | "user";
}

export interface SearchReadOptions {
  limit?: number;
  offset?: number;
  order?: string;
  context?: OdooContext;
}

/**
 * The client every other module talks to. It picks the transport (JSON-2 or JSON-RPC), retries what is
 * safe to retry, maps faults to `OdooError`s and counts round trips. Implemented by `OdooClient`
 * (`odoo/client.ts`).
 */
export interface Odoo {
  readonly settings: Readonly<Omit<OdooConnectionSettings, "secret">>;
  /** Detected once per client (`/web/webclient/version_info`), then cached. */
  version(): Promise<OdooVersion>;
  /** The API actually in use once connected. */
  api(): Promise<OdooApi>;
  uid(): Promise<number>;
  /**
   * The company every call is scoped to (asked once, then cached; a failure is forgotten). Optional so that a
   * test double may leave it out; `OdooClient` always has it.
   */
  company?(): Promise<CompanyScope>;
  /** Any method, named arguments only. `idempotent` defaults to false (writes are not blindly retried). */
  call<T = unknown>(call: OdooCall, options?: Partial<CallOptions>): Promise<T>;
  searchRead<T = Record<string, unknown>>(
    model: string,
    domain: Domain,
    fields: string[],
    options?: SearchReadOptions,
  ): Promise<T[]>;
  read<T = Record<string, unknown>>(
    model: string,
    ids: number[],
    fields: string[],
    context?: OdooContext,
  ): Promise<T[]>;
  searchCount(model: string, domain: Domain, context?: OdooContext): Promise<number>;
  /** Creates one record and answers its id. Never retried after an unknown outcome. */
  create(model: string, values: Record<string, unknown>, context?: OdooContext): Promise<number>;
  write(
    model: string,
    ids: number[],
    values: Record<string, unknown>,
    context?: OdooContext,
  ): Promise<boolean>;
  stats(): OdooStats;
  close(): Promise<void>;
}
