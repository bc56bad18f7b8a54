import { registerSecret } from "../log.js";
import { OdooAuthError, OdooProtocolError } from "./errors.js";
import {
  type FaultContext,
  faultFromHttpAnswer,
  faultFromJsonRpcError,
  isObject,
  parseJsonAnswer,
} from "./fault.js";
import type { HttpPool, HttpRequestOptions } from "./http.js";
import type { CallOptions, OdooCall, OdooTransport } from "./types.js";

export interface JsonRpcSettings {
  database: string;
  username: string;
  /** Password or API key; it travels in every request body, so bodies never go into a message. */
  secret: string;
}

const WHERE = "POST /jsonrpc";

/**
 * Odoo's JSON-RPC (`POST /jsonrpc`), which every version from 17 to 21 serves: `common.login` once for the
 * uid, then `object.execute_kw(db, uid, secret, model, method, [ids] or [], {...named, context})`.
 * Errors come with HTTP 200 in an `error` member; a method returning None answers without `result`.
 */
export class JsonRpcTransport implements OdooTransport {
  readonly api = "jsonrpc" as const;
  readonly #http: HttpPool;
  readonly #database: string;
  readonly #username: string;
  readonly #secret: string;
  #nextId = 1;
  #uid: Promise<number> | undefined;

  constructor(http: HttpPool, settings: JsonRpcSettings) {
    this.#http = http;
    this.#database = settings.database;
    this.#username = settings.username;
    this.#secret = settings.secret;
    registerSecret(settings.secret);
  }

  async call<T = unknown>(call: OdooCall, options: CallOptions): Promise<T> {
    const uid = await this.uid();
    const { positional, named } = executeKwArguments(call);
    try {
      return (await this.rpc(
        "object",
        "execute_kw",
        [this.#database, uid, this.#secret, call.model, call.method, positional, named],
        { timeoutMs: options.timeoutMs, signal: options.signal },
      )) as T;
    } catch (error) {
      // A key revoked since the login: log in again next time.
      if (error instanceof OdooAuthError) this.#uid = undefined;
      throw error;
    }
  }

  /** `common.login`: the uid, or `false` for a bad login or secret (an `OdooAuthError`). Asked once. */
  uid(): Promise<number> {
    if (this.#uid) return this.#uid;
    const asking = this.rpc("common", "login", [this.#database, this.#username, this.#secret], {}).then(
      (uid) => {
        if (uid === false || uid === null)
          throw new OdooAuthError(
            `Odoo refused the login of user "${this.#username}" on database "${this.#database}" (wrong user, password or API key)`,
            "odoo.exceptions.AccessDenied",
            undefined,
          );
        if (typeof uid !== "number" || !Number.isInteger(uid))
          throw new OdooProtocolError("common.login did not answer a user id");
        return uid;
      },
    );
    this.#uid = asking;
    asking.catch(() => {
      if (this.#uid === asking) this.#uid = undefined;
    });
    return this.#uid;
  }

  /** One JSON-RPC request to a service (`common`, `object`, `db`). */
  async rpc(service: string, method: string, args: unknown[], options: HttpRequestOptions): Promise<unknown> {
    const id = this.#nextId++;
    const answer = await this.#http.postJson(
      "/jsonrpc",
      { jsonrpc: "2.0", method: "call", id, params: { service, method, args } },
      options,
    );
    return readJsonRpcAnswer(answer, id, {
      where: `${WHERE} (${service}.${method})`,
      database: this.#database,
    });
  }

  async close(): Promise<void> {}
}

/**
 * The positional and named arguments of `execute_kw`. Named arguments work for every method except
 * `create` on Odoo 17 and 18, whose RPC wrapper reads `args[0]` (an IndexError without it): there
 * `vals_list` goes first, positionally, as Odoo's own clients send it.
 */
export function executeKwArguments(call: OdooCall): {
  positional: unknown[];
  named: Record<string, unknown>;
} {
  const named: Record<string, unknown> = { ...call.args };
  if (call.context !== undefined) named.context = call.context;
  if (call.ids !== undefined) return { positional: [call.ids], named };
  if (call.method === "create" && "vals_list" in named) {
    const { vals_list: valsList, ...rest } = named;
    return { positional: [valsList], named: rest };
  }
  return { positional: [], named };
}

/** Unwraps a JSON-RPC answer: `result`, `null` when there is none (None), or the mapped `error`. */
export function readJsonRpcAnswer(
  answer: {
    status: number;
    contentType: string;
    body: string;
    headers?: Record<string, string | string[] | undefined>;
  },
  id: number | undefined,
  context: FaultContext,
): unknown {
  if (answer.status !== 200) throw faultFromHttpAnswer(answer, context);
  const envelope = parseJsonAnswer(answer, context);
  if (!isObject(envelope) || envelope.jsonrpc !== "2.0" || !("id" in envelope))
    throw new OdooProtocolError(`Odoo answered JSON that is not a JSON-RPC 2.0 answer to ${context.where}`);
  if (id !== undefined && envelope.id !== id)
    throw new OdooProtocolError(`Odoo answered another request's id to ${context.where}`);
  if ("error" in envelope && envelope.error !== undefined && envelope.error !== null)
    throw faultFromJsonRpcError(envelope.error, context);
  if (!("result" in envelope)) return null;
  return envelope.result;
}
