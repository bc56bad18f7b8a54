import { type ErrorCode, ToolError } from "./errors.js";
import { NotRegularFileError } from "./fsutil/regular.js";
import { redact } from "./log.js";
import {
  OdooAccessError,
  OdooAuthError,
  OdooConnectionError,
  OdooError,
  OdooMissingError,
  OdooNotFoundError,
  OdooProtocolError,
  OdooSandboxError,
  OdooScopeError,
  OdooUserError,
} from "./odoo/errors.js";

/** Where a user makes an API key in Odoo, as the README says it. */
const NEW_KEY = "In Odoo: avatar menu → My Profile → Account Security → New API Key";

/**
 * The one boundary between what the code throws and what a tool answers: any thrown value becomes a
 * `ToolError` with a contract code and a message fit to show. Odoo's own human message is kept (it tells the
 * user what to fix); its traceback, request bodies and secrets never are.
 */
export function toToolError(error: unknown): ToolError {
  if (error instanceof ToolError)
    return new ToolError(error.code, redact(error.message), redact(error.details));
  if (error instanceof OdooError) return fromOdoo(error);
  // Something in the data folder that is not a file of ours (a FIFO, a link, a folder): refused by name, at once.
  // What reaches a tool this way is the approval machinery's (request files, journal, queue, locks); the audit
  // log's own failures are AUDIT_LOG_UNAVAILABLE before they get here.
  if (error instanceof NotRegularFileError)
    return new ToolError(
      "APPROVAL_INVALID",
      `${redact(error.message)}: odoo-mcp reads and writes only files of its own there, so nothing was done. It must be removed from the data folder.`,
    );
  return new ToolError(
    "INTERNAL_ERROR",
    "odoo-mcp failed unexpectedly; the details are in its log (stderr).",
  );
}

function fromOdoo(error: OdooError): ToolError {
  const text = redact(error.message);
  const make = (code: ErrorCode, message: string) => new ToolError(code, message);
  // Not Odoo at all but odoo-mcp's sandbox: its message says what happened and what to set.
  if (error instanceof OdooSandboxError) return make("ODOO_CONNECTION_ERROR", text);
  if (error instanceof OdooConnectionError)
    return make("ODOO_CONNECTION_ERROR", `Cannot reach Odoo: ${text}`);
  if (error instanceof OdooProtocolError)
    return make(
      "ODOO_CONNECTION_ERROR",
      `Odoo answered something that is not a valid Odoo response: ${text}`,
    );
  // Odoo 20 scopes API keys: RPC takes a key with the `rpc` scope or none. A key of another scope is refused at sign-in
  // exactly like a wrong key (HTTP 401 "Invalid apikey" on JSON-2, `common.login` false on JSON-RPC), so both say so.
  if (error instanceof OdooAuthError)
    return make(
      "AUTHENTICATION_ERROR",
      "Odoo refused the credentials (user, database or API key; on Odoo 20 an API key made for a scope other than `rpc` is refused the same way). Check them with `odoo-mcp doctor`.",
    );
  // A scoped key that signs in but whose scope does not reach a model the tools use (Odoo 20's source).
  if (error instanceof OdooScopeError)
    return make(
      "AUTHENTICATION_ERROR",
      `Odoo refused the call for the API key's scope "${redact(error.scope)}": ${text} odoo-mcp needs an API key with the \`rpc\` scope, or with no scope. ${NEW_KEY} (scope \`rpc\`, or none), then store it with \`odoo-mcp credentials set\`.`,
    );
  if (error instanceof OdooAccessError) return make("PERMISSION_DENIED", `Odoo refused access: ${text}`);
  if (error instanceof OdooUserError) return make("VALIDATION_ERROR", `Odoo refused the request: ${text}`);
  if (error instanceof OdooMissingError)
    return make("VALIDATION_ERROR", `The record no longer exists in Odoo: ${text}`);
  if (error instanceof OdooNotFoundError) return make("ODOO_ERROR", `Odoo does not know this: ${text}`);
  return make("ODOO_ERROR", `Odoo failed: ${text}`);
}
