import { approvalViewTool } from "./approval-view.js";
import { proposeMatchesTool, reconcileBankLinesTool, unreconcileBankLineTool } from "./bank-reconcile.js";
import { createCreditNoteTool } from "./create-credit-note.js";
import { createDraftInvoiceTool } from "./create-draft-invoice.js";
import { createExpenseTool } from "./create-expense.js";
import { createInvoiceTool } from "./create-invoice.js";
import { createPartnerTool } from "./create-partner.js";
import { createVendorBillTool } from "./create-vendor-bill.js";
import type { AnyToolDefinition } from "./definition.js";
import { generateReportTool } from "./generate-report.js";
import { getApprovalTool, listApprovalsTool } from "./get-approval.js";
import { getBankBalancesTool } from "./get-bank-balances.js";
import { importBankStatementTool } from "./import-bank-statement.js";
import { listExpenseCategoriesTool } from "./list-expense-categories.js";
import { listOverdueTool } from "./list-overdue.js";
import { postInvoiceTool } from "./post-invoice.js";
import {
  findPartnersTool,
  getInvoiceTool,
  listInvoicesTool,
  listJournalsTool,
  listTaxesTool,
} from "./read-tools.js";
import { recordPaymentTool } from "./record-payment.js";
import { sendInvoiceTool } from "./send-invoice.js";
import { sendReminderTool } from "./send-reminder.js";

/** Every tool the server offers, in the order `tools/list` shows them. */
export const allTools: readonly AnyToolDefinition[] = [
  createInvoiceTool,
  sendInvoiceTool,
  recordPaymentTool,
  postInvoiceTool,
  createExpenseTool,
  createDraftInvoiceTool,
  createVendorBillTool,
  createPartnerTool,
  generateReportTool,
  findPartnersTool,
  listInvoicesTool,
  getInvoiceTool,
  listJournalsTool,
  listTaxesTool,
  listExpenseCategoriesTool,
  getApprovalTool,
  listApprovalsTool,
  createCreditNoteTool,
  importBankStatementTool,
  proposeMatchesTool,
  reconcileBankLinesTool,
  unreconcileBankLineTool,
  listOverdueTool,
  sendReminderTool,
  getBankBalancesTool,
];

/**
 * Tools only the MCP Apps call (src/mcp/apps): listed, beside `allTools`, to a client that declares MCP Apps
 * support, so that every other client keeps today's tools/list (and its 16 KB) unchanged.
 */
export const appOnlyTools: readonly AnyToolDefinition[] = [approvalViewTool];
