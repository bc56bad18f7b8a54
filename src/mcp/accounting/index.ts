/** The accounting domain: what the tools call. Write operations are keyed by tool name for the approval machinery. */
import {
  type CreateCreditNoteInput,
  type CreateCreditNoteOutput,
  createCreditNoteOperation,
} from "./credit-notes.js";
import { type CreateExpenseInput, type CreateExpenseOutput, createExpenseOperation } from "./expenses.js";
import {
  type CreateInvoiceInput,
  type CreateInvoiceOutput,
  createInvoiceOperation,
  type PostInvoiceInput,
  type PostInvoiceOutput,
  postInvoiceOperation,
} from "./invoices.js";
import type { WriteOperation } from "./operation.js";
import { type RecordPaymentInput, type RecordPaymentOutput, recordPaymentOperation } from "./payments.js";
import { type ReconcileInput, type ReconcileOutput, reconcileBankLinesOperation } from "./reconcile.js";
import { type SendReminderInput, type SendReminderOutput, sendReminderOperation } from "./reminders.js";
import { type SendInvoiceInput, type SendInvoiceOutput, sendInvoiceOperation } from "./send.js";
import {
  type UnreconcileInput,
  type UnreconcileOutput,
  unreconcileBankLineOperation,
} from "./unreconcile.js";

export * from "./bank-match.js";

export * from "./credit-notes.js";
export * from "./expenses.js";
export * from "./invoices.js";
export * from "./lookups.js";
export * from "./moves.js";
export * from "./operation.js";
export * from "./partner-create.js";
export * from "./partners.js";
export * from "./payments.js";
export * from "./receipts.js";
export * from "./recent-party.js";
export * from "./reconcile.js";
export * from "./records.js";
export * from "./reminders.js";
export * from "./send.js";
export * from "./session.js";
export * from "./unreconcile.js";

const operations: [string, WriteOperation<never, unknown>][] = [
  [
    createInvoiceOperation.tool,
    createInvoiceOperation satisfies WriteOperation<CreateInvoiceInput, CreateInvoiceOutput>,
  ],
  [
    sendInvoiceOperation.tool,
    sendInvoiceOperation satisfies WriteOperation<SendInvoiceInput, SendInvoiceOutput>,
  ],
  [
    recordPaymentOperation.tool,
    recordPaymentOperation satisfies WriteOperation<RecordPaymentInput, RecordPaymentOutput>,
  ],
  [
    postInvoiceOperation.tool,
    postInvoiceOperation satisfies WriteOperation<PostInvoiceInput, PostInvoiceOutput>,
  ],
  [
    createExpenseOperation.tool,
    createExpenseOperation satisfies WriteOperation<CreateExpenseInput, CreateExpenseOutput>,
  ],
  [
    createCreditNoteOperation.tool,
    createCreditNoteOperation satisfies WriteOperation<CreateCreditNoteInput, CreateCreditNoteOutput>,
  ],
  [
    reconcileBankLinesOperation.tool,
    reconcileBankLinesOperation satisfies WriteOperation<ReconcileInput, ReconcileOutput>,
  ],
  [
    unreconcileBankLineOperation.tool,
    unreconcileBankLineOperation satisfies WriteOperation<UnreconcileInput, UnreconcileOutput>,
  ],
  [
    sendReminderOperation.tool,
    sendReminderOperation satisfies WriteOperation<SendReminderInput, SendReminderOutput>,
  ],
];

/**
 * `create_invoice`, `send_invoice`, `record_payment`, `post_invoice`, `create_expense`, `create_credit_note`,
 * `reconcile_bank_lines`, `unreconcile_bank_line`, `send_reminder`. The tool layer has validated the input's
 * shape with its zod schema before any of these runs, hence the widening to `unknown`.
 */
export const writeOperations: ReadonlyMap<string, WriteOperation<unknown, unknown>> = new Map(
  operations as unknown as [string, WriteOperation<unknown, unknown>][],
);
