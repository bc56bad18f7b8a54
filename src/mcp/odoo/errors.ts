/**
 * What can go wrong when talking to Odoo, as a small tree of typed errors.
 *
 *   OdooError
 *   ├── OdooTransportError        the request did not get a usable answer
 *   │   ├── OdooConnectionError   refused, reset, DNS, timeout, 502/503/504 — transient, retried
 *   │   ├── OdooProtocolError     an answer that is not Odoo's (garbage, wrong shape, unexpected status)
 *   │   └── OdooSandboxError      the server is odoo-mcp's own sandbox (a fake Odoo), and that is not allowed
 *   └── OdooFaultError            Odoo answered with an error of its own
 *       ├── OdooAuthError         AccessDenied, 401, bad key or password — never retried
 *       ├── OdooAccessError       AccessError, 403 — the user lacks a right
 *       │   └── OdooScopeError    the API key's scope does not reach the model (Odoo 20's scoped keys)
 *       ├── OdooUserError         UserError, ValidationError, 422 — the request is wrong for Odoo
 *       ├── OdooMissingError      MissingError, or a record that does not exist
 *       ├── OdooNotFoundError     unknown model, method or database (404)
 *       └── OdooServerError       any other Python exception (500)
 *
 * `odoo/fault.ts` is the one place that turns HTTP statuses and Odoo fault payloads into these; the
 * tool boundary maps them to contract codes. Messages kept here are Odoo's own human text, never the
 * traceback (`debug`), never request bodies (which hold secrets on JSON-RPC).
 */
export abstract class OdooError extends Error {
  /** Whether trying again later may succeed without anything changing on our side. */
  abstract readonly transient: boolean;
}

export abstract class OdooTransportError extends OdooError {}

export class OdooConnectionError extends OdooTransportError {
  override readonly name = "OdooConnectionError";
  readonly transient = true;
  constructor(
    message: string,
    /** True when the request may have reached Odoo (timeout, reset after sending): a write's outcome is unknown. */
    readonly maybeApplied: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export class OdooProtocolError extends OdooTransportError {
  override readonly name = "OdooProtocolError";
  readonly transient = false;
}

/**
 * The server answered with the sandbox mark (`X-Odoo-Sandbox`): it is `odoo-mcp sandbox`, a fake Odoo, not the
 * user's books. Refused at first contact, before any credential is sent, unless `ODOO_MCP_ALLOW_SANDBOX=true`.
 * Never retried and never queued: the configuration has to change.
 */
export class OdooSandboxError extends OdooTransportError {
  override readonly name = "OdooSandboxError";
  readonly transient = false;
  constructor(readonly origin: string) {
    super(
      `The server at ${origin} is the odoo-mcp sandbox, a fake Odoo for trying things — not your Odoo. Set ODOO_URL to your Odoo server, or ODOO_MCP_ALLOW_SANDBOX=true to use the sandbox on purpose.`,
    );
  }
}

export abstract class OdooFaultError extends OdooError {
  readonly transient = false;
  constructor(
    message: string,
    /** Odoo's exception name, e.g. `odoo.exceptions.UserError`, when it said one. */
    readonly odooName: string | undefined,
    /** HTTP status when the transport has one (JSON-2); JSON-RPC faults come with 200. */
    readonly httpStatus: number | undefined,
  ) {
    super(message);
  }
}

export class OdooAuthError extends OdooFaultError {
  override readonly name = "OdooAuthError";
}
export class OdooAccessError extends OdooFaultError {
  override readonly name: string = "OdooAccessError";
}
/**
 * Odoo refused the call for the API key's scope, not the user's rights: `odoo/service/api_scope.py`
 * (`check_model_operation`) raises an AccessError "The API key's scope '<scope>' does not reach '<model>'." or
 * "... does not allow <operation> on '<model>' (<method>).". Built from Odoo's source, never seen from a real server.
 */
export class OdooScopeError extends OdooAccessError {
  override readonly name = "OdooScopeError";
  constructor(
    message: string,
    /** The key's scope as Odoo named it. */
    readonly scope: string,
    odooName: string | undefined,
    httpStatus: number | undefined,
  ) {
    super(message, odooName, httpStatus);
  }
}

/** The AccessError text of a scope refusal, with the scope it names; `undefined` for any other AccessError. */
export function scopeOfRefusal(message: string): string | undefined {
  return /The API key's scope '([^']*)' does not (?:reach|allow)/.exec(message)?.[1];
}

export class OdooUserError extends OdooFaultError {
  override readonly name = "OdooUserError";
}
export class OdooMissingError extends OdooFaultError {
  override readonly name = "OdooMissingError";
}
export class OdooNotFoundError extends OdooFaultError {
  override readonly name = "OdooNotFoundError";
}
export class OdooServerError extends OdooFaultError {
  override readonly name = "OdooServerError";
}
