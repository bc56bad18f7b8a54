import { inline } from "./display.js";

/** What each gated tool does, as the person reads it (the app's windows, the tray's notifications). */
export const TOOL_LABELS: Readonly<Record<string, string>> = {
  create_invoice: "Create invoice",
  send_invoice: "Send invoice",
  record_payment: "Record payment",
  post_invoice: "Post invoice",
  create_expense: "File expense",
  create_vendor_bill: "Create vendor bill",
  create_credit_note: "Create credit note",
};

/** "Send invoice"; an unknown tool by its name, escaped. */
export const toolLabel = (tool: string): string =>
  Object.hasOwn(TOOL_LABELS, tool) ? TOOL_LABELS[tool]! : inline(tool.replace(/_/g, " "), 40);
