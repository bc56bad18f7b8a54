import { registerSecret } from "../log.js";
import { OdooProtocolError } from "./errors.js";
import { type FaultContext, faultFromHttpAnswer, isObject, parseJsonAnswer } from "./fault.js";
import type { HttpPool } from "./http.js";
import type { CallOptions, OdooCall, OdooTransport } from "./types.js";

export interface Json2Settings {
  database: string;
  /** The API key; kept in a private field, never in a message. */
  secret: string;
}

/**
 * Odoo 19's External JSON-2 API: `POST /json/2/<model>/<method>` with the named arguments as the body
 * (`ids` and `context` are body keys too), `Authorization: bearer <API key>`, `X-Odoo-Database`. The body
 * of a 200 is the method's return value (`null` for None); errors come with their HTTP status.
 */
export class Json2Transport implements OdooTransport {
  readonly api = "json2" as const;
  readonly #http: HttpPool;
  readonly #database: string;
  readonly #secret: string;
  #uid: Promise<number> | undefined;

  constructor(http: HttpPool, settings: Json2Settings) {
    this.#http = http;
    this.#database = settings.database;
    this.#secret = settings.secret;
    registerSecret(settings.secret);
  }

  async call<T = unknown>(call: OdooCall, options: CallOptions): Promise<T> {
    const path = `/json/2/${encodeURIComponent(call.model)}/${encodeURIComponent(call.method)}`;
    const context: FaultContext = { where: `POST ${path}`, database: this.#database };
    const body: Record<string, unknown> = {};
    if (call.ids !== undefined) body.ids = call.ids;
    if (call.context !== undefined) body.context = call.context;
    Object.assign(body, call.args);
    const headers: Record<string, string> = { Authorization: `bearer ${this.#secret}` };
    if (this.#database) headers["X-Odoo-Database"] = this.#database;
    const answer = await this.#http.postJson(path, body, {
      headers,
      timeoutMs: options.timeoutMs,
      signal: options.signal,
    });
    if (answer.status !== 200) throw faultFromHttpAnswer(answer, context);
    return parseJsonAnswer(answer, context) as T;
  }

  /** `res.users.context_get` answers the uid of the key's user; asked once. */
  uid(): Promise<number> {
    if (this.#uid) return this.#uid;
    const asking = this.call<unknown>(
      { model: "res.users", method: "context_get" },
      { idempotent: true },
    ).then((context) => {
      const uid = isObject(context) ? context.uid : undefined;
      if (typeof uid !== "number" || !Number.isInteger(uid))
        throw new OdooProtocolError("res.users.context_get did not answer a user id");
      return uid;
    });
    this.#uid = asking;
    asking.catch(() => {
      if (this.#uid === asking) this.#uid = undefined;
    });
    return this.#uid;
  }

  async close(): Promise<void> {}
}
