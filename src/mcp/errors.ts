/**
 * The error codes a tool can answer, and the one error type the domain code throws to produce them.
 *
 * Codes come from the binding contract (`odoo_mcp_contract.md` and its seed). The few codes beyond it
 * (marked "beyond the contract") cover situations the seed does not name; they never replace a contract code.
 *
 * Domain code throws `ToolError` (or an `OdooError`, see `odoo/errors.ts`); exactly one place maps whatever
 * was thrown to a `ToolError` (`toToolError` in `error-map.ts`), and the tools/call handler in `server.ts` turns
 * that into the tool's error result.
 */
export const ERROR_CODES = [
  // every tool that reaches Odoo
  "ODOO_CONNECTION_ERROR",
  "VALIDATION_ERROR",
  // create_invoice
  "CUSTOMER_NOT_FOUND",
  "INVALID_DATE",
  // send_invoice, record_payment, post_invoice, create_credit_note
  "INVOICE_NOT_FOUND",
  "INVOICE_ALREADY_SENT",
  "EMAIL_SEND_FAILED",
  "INVALID_STATUS",
  // record_payment
  "INVALID_AMOUNT",
  "PAYMENT_DATE_INVALID",
  "RECONCILIATION_FAILED",
  // create_expense
  "INVALID_CATEGORY",
  "RECEIPT_NOT_FOUND",
  "EXPENSE_DATE_INVALID",
  // create_vendor_bill (beyond the contract): the vendor already has a bill with this reference, named in the error
  "DUPLICATE_BILL",
  // generate_report
  "INVALID_REPORT_TYPE",
  "INVALID_DATE_RANGE",
  "NO_DATA",
  // create_partner (beyond the contract): the partner exists already (same VAT or email, or a retried call); the
  // message and details name it (id, name) so that the agent uses it
  "PARTNER_EXISTS",
  // send_reminder (beyond the contract): the customer was reminded within ODOO_MCP_REMINDER_DAYS; `again: true` overrides
  "ALREADY_REMINDED",
  // beyond the contract
  "AUTHENTICATION_ERROR", // Odoo refused the credentials: never retried, the user must fix them
  "PERMISSION_DENIED", // Odoo's AccessError: the configured user may not do this
  "APPROVAL_NOT_FOUND", // get_approval with an unknown id
  "APPROVAL_REJECTED", // a human said no; kept as the request's outcome
  "APPROVAL_EXPIRED", // nobody decided in time
  "APPROVAL_INVALID", // a request or decision failed its integrity checks (changed outside odoo-mcp): it never runs;
  // also: something that is not a file (a FIFO, a link, a folder) where the data folder's file should be
  "APPROVAL_REQUIRED", // a person must decide this where the agent cannot (the CLI or the app), not in this channel
  "TOO_MANY_PENDING", // too many requests of this client wait for a person; decide them first
  "AGENT_PAUSED", // the person paused the agent (tray menu): no new request is taken until they resume it
  "AUDIT_LOG_UNAVAILABLE", // the audit line could not be written, so nothing ran
  "ODOO_ERROR", // Odoo failed in a way none of the above describes (its message is kept, its traceback never)
  "INTERNAL_ERROR", // a bug of ours; the message says so without a stack trace
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** A failure with a contract code and a message written for the person (or agent) reading the tool result. */
export class ToolError extends Error {
  override readonly name = "ToolError";
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Safe, structured hints for the agent (candidates, allowed values). Never secrets, never raw payloads. */
    readonly details?: Record<string, unknown>,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function isToolError(error: unknown): error is ToolError {
  return error instanceof ToolError;
}
