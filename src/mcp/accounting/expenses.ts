/**
 * `create_expense`: an `hr.expense` for the employee linked to the configured Odoo user, in one of Odoo's
 * expense categories (`product.product` with `can_be_expensed`), with the receipt attached as the expense's main
 * attachment, then submitted:
 *
 * - Odoo 19 (and 20) has no expense reports: `hr.expense.action_submit` (an administrator's own expense is approved
 *   at once: `state`/`approval_state` `approved`).
 * - Odoo 17/18 keep expenses in reports: `hr.expense.action_submit_expenses` creates an `hr.expense.sheet`
 *   (expense `reported`), then `hr.expense.sheet.action_submit_sheet` submits it (expense `submitted`). Approving
 *   the report stays a manager's act in Odoo.
 *
 * Which flow, and which field takes the receipt's content, is asked of Odoo (`fields_get`, once per session), never
 * read from the version number: `hr.expense.sheet_id` means reports, `approval_state` the direct submission; an
 * `ir.attachment` without `datas` (removed by Odoo 20) takes the content as `raw`. An Odoo with neither is refused
 * before anything is written.
 *
 * The contract's `status` is `submitted` once Odoo has accepted the submission (19's `approved` included). When
 * Odoo refuses to submit (its UserError/ValidationError), the expense is kept as it is: `status: "draft"` with
 * Odoo's reason in `warnings`, for the human to fix in Odoo.
 *
 * `expense_id` is the expense's Odoo record id as a string: Odoo numbers neither expenses nor (on 17/18) their
 * reports by default; the expense's `name` is its description.
 *
 * `vendor`: `hr.expense.vendor_id` is a partner link that not every version has and that would need a partner;
 * the vendor is written into the expense's description instead (`"Client lunch (Joe's Diner)"`), where every
 * version shows it in lists and reports.
 *
 * Categories whose product has a cost (Odoo's "Mileage": 1 USD per km) compute their total as quantity × cost in
 * Odoo and would ignore the amount; they are refused with a message saying so.
 *
 * Exactly once: the expense is created with the approval id in its `description` ("Internal Notes" on 17, 18
 * and 19: shown on the expense's form in Odoo, printed on no customer document), so the tag is atomic with the
 * creation and no watermark is needed (`mark` records nothing). `findApplied` looks for the expense whose
 * internal notes name this approval. When an earlier attempt stopped half-way (created, not yet attached or
 * submitted), `findApplied` finishes the missing steps, each one checked against Odoo's state first, because
 * the executor would otherwise run `apply` again and create a second expense.
 */

import path from "node:path";
import { z } from "zod";
import type { RequestDocument } from "../../shared/document.js";
import { dateText, documentText } from "../../shared/document-text.js";
import { assertIsoDate, isFutureDate, odooDatetimeToIso, todayIn } from "../dates.js";
import { ToolError } from "../errors.js";
import {
  displayMoney,
  formatMinor,
  fromOdooAmount,
  minorToNumber,
  parseDecimal,
  rescale,
  toMinor,
} from "../money.js";
import { OdooAccessError, OdooNotFoundError, OdooUserError } from "../odoo/errors.js";
import { attachmentContentField, fieldsPresent } from "../odoo/fields.js";
import type { Odoo } from "../odoo/types.js";
import { approvalNoteText, mentions } from "./approval-tag.js";
import { type AttemptMarker, assertBound, type Binding, type WriteOperation } from "./operation.js";
import {
  formatBytes,
  type LoadedReceipt,
  loadReceipt,
  RECEIPT_TYPES,
  type ReceiptFile,
  receiptFacts,
  resolveReceiptPath,
} from "./receipts.js";
import {
  type AccountingSession,
  companyFact,
  companyRows,
  getSession,
  recordUrl,
  withCompany,
} from "./session.js";
import { m2oId, m2oName, num, type OdooRecord, str } from "./values.js";

export interface CreateExpenseInput {
  description: string;
  amount: number;
  expense_date: string;
  category: string;
  vendor?: string;
  receipt_path?: string;
  /**
   * SHA-256 of the receipt as it was when the request was made, added by the tool (never by the agent: the
   * tool's schema refuses the field). `apply` refuses a receipt whose content differs.
   */
  receipt_sha256?: string;
}

/** What `create_expense` answers once created: the one definition (the tool's output schema extends it). */
export const createExpenseResult = z.object({
  expense_id: z.string(),
  status: z
    .enum(["draft", "submitted"])
    .describe("submitted once Odoo accepted the submission; draft (with warnings) when it refused"),
  category: z.string(),
  receipt_attached: z.boolean(),
  created_at: z.string(),
  record_id: z.number().int(),
  odoo_url: z.string(),
  total_amount: z.number(),
  currency: z.string(),
  description: z.string(),
  expense_date: z.string(),
  category_name: z.string(),
  employee: z.string(),
  odoo_state: z.string(),
  report_id: z.number().int().nullable(),
  attachment_id: z.number().int().nullable(),
  warnings: z.array(z.string()),
});
export type CreateExpenseOutput = z.infer<typeof createExpenseResult>;

export const expenseCategorySchema = z.object({
  id: z.number().int(),
  name: z.string(),
  reference: z.string().nullable(),
  category: z.string(),
  fixed_unit_cost: z.number().nullable(),
  unit: z.string().nullable(),
});
export type ExpenseCategory = z.infer<typeof expenseCategorySchema>;

export interface Employee {
  id: number;
  name: string;
}

/** Lower case, accents dropped, every run of other characters one space: `Office_Supplies` = `office supplies`. */
export function normalizeCategory(value: string): string {
  return value
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, " ")
    .trim();
}

export function categorySlug(name: string): string {
  return normalizeCategory(name).replace(/ /g, "_");
}

async function readCategories(odoo: Odoo): Promise<OdooRecord[]> {
  return odoo.searchRead(
    "product.product",
    [["can_be_expensed", "=", true]],
    ["name", "default_code", "standard_price", "uom_id"],
    { order: "name, id" },
  );
}

function toCategory(row: OdooRecord): ExpenseCategory {
  const name = str(row.name) ?? "";
  const cost = num(row.standard_price);
  return {
    id: row.id as number,
    name,
    reference: str(row.default_code),
    category: categorySlug(name),
    fixed_unit_cost: cost !== 0 ? cost : null,
    unit: m2oName(row.uom_id),
  };
}

/** The company's expense categories, by name. */
export async function listExpenseCategories(odoo: Odoo): Promise<ExpenseCategory[]> {
  return (await readCategories(odoo)).map(toCategory);
}

/**
 * The category `wanted` names: its internal reference or its name, compared after `normalizeCategory`; else the
 * one category whose name starts with it as whole words (`travel` → "Travel & Accommodation").
 */
export function matchCategory(categories: ExpenseCategory[], wanted: string): ExpenseCategory {
  const n = normalizeCategory(wanted);
  const describe = (list: ExpenseCategory[]) =>
    list.map((c) => `${c.category}${c.reference ? ` (${c.reference})` : ""}`).join(", ");
  const candidates = (list: ExpenseCategory[]) =>
    list.map((c) => ({ category: c.category, name: c.name, reference: c.reference }));
  if (n !== "") {
    const exact = categories.filter(
      (c) =>
        normalizeCategory(c.name) === n || (c.reference !== null && normalizeCategory(c.reference) === n),
    );
    const prefix = categories.filter((c) => normalizeCategory(c.name).startsWith(`${n} `));
    for (const found of [exact, prefix]) {
      if (found.length === 1 && found[0]) return found[0];
      if (found.length > 1) {
        throw new ToolError(
          "INVALID_CATEGORY",
          `category ${JSON.stringify(wanted)} matches several expense categories in Odoo: ${describe(found)}. Pass one of these exactly.`,
          { candidates: candidates(found) },
        );
      }
    }
  }
  throw new ToolError(
    "INVALID_CATEGORY",
    categories.length === 0
      ? "Odoo has no expense categories (products that can be expensed); create one in Odoo's Expenses app."
      : `category ${JSON.stringify(wanted)} is not an expense category in Odoo. The categories are: ${describe(categories)} (list_expense_categories shows them).`,
    { candidates: candidates(categories) },
  );
}

/** The employee linked to the configured Odoo user; `VALIDATION_ERROR` when there is none. */
export async function findEmployee(odoo: Odoo, session: AccountingSession): Promise<Employee> {
  const rows = await odoo.searchRead("hr.employee", [["user_id", "=", session.uid]], ["name", "company_id"], {
    order: "id",
  });
  const row = rows.find((r) => m2oId(r.company_id) === session.company.id) ?? rows[0];
  if (!row || typeof row.id !== "number") {
    throw new ToolError(
      "VALIDATION_ERROR",
      `The Odoo user odoo-mcp signs in as (user id ${session.uid}) has no employee${session.companies.length > 1 ? ` in company ${session.company.name}` : ""}, and Odoo records expenses per employee. In Odoo, open Employees${session.companies.length > 1 ? ` (in that company)` : ""}, pick (or create) the employee and set its Related User to this user, then try again.`,
      { uid: session.uid },
    );
  }
  return { id: row.id, name: str(row.name) ?? "" };
}

/** Whether an expense of `amount` needs a human: at or above `threshold` (both decimal strings, compared exactly). */
export function expenseNeedsApproval(amount: string, threshold: string): boolean {
  const a = parseDecimal(amount);
  const t = parseDecimal(threshold);
  if (!a || !t) return true;
  const scale = Math.max(a.scale, t.scale);
  return rescale(a, scale) >= rescale(t, scale);
}

/** The description Odoo stores: the vendor is appended unless the description already names it. */
export function expenseName(description: string, vendor: string | undefined): string {
  const text = description.trim();
  const v = vendor?.trim();
  if (!v || text.toLowerCase().includes(v.toLowerCase())) return text;
  return `${text} (${v})`;
}

/** How this Odoo files an expense: in a report (17/18) or submitted alone (19, 20). */
type ExpenseFlow = "report" | "submit";

/**
 * What the expense needs of this Odoo, asked of it (`fields_get`) before anything is written: a refusal here names
 * the version and the missing piece, and nothing was created.
 */
async function expenseFlow(odoo: Odoo, session: AccountingSession): Promise<ExpenseFlow> {
  const fields = await fieldsPresent(odoo, "hr.expense", ["sheet_id", "approval_state"]);
  if (fields.has("sheet_id")) return "report";
  if (fields.has("approval_state")) return "submit";
  throw new ToolError(
    "ODOO_ERROR",
    `Odoo ${session.serverVersion}'s expenses have neither expense reports (hr.expense sheet_id) nor the approval state odoo-mcp submits them with (hr.expense approval_state): odoo-mcp does not know this expense flow, so nothing was created. Record the expense in Odoo directly.`,
    { odoo_version: session.serverVersion, missing: ["hr.expense.sheet_id", "hr.expense.approval_state"] },
  );
}

/** The attachment field the receipt's content goes in (`attachmentContentField`); refused before anything is written. */
async function receiptContentField(odoo: Odoo, session: AccountingSession): Promise<"datas" | "raw"> {
  const field = await attachmentContentField(odoo);
  if (field) return field;
  throw new ToolError(
    "ODOO_ERROR",
    `Odoo ${session.serverVersion}'s attachments have neither datas nor raw, so odoo-mcp cannot attach the receipt; nothing was created. Record the expense in Odoo directly, or leave receipt_path out.`,
    { odoo_version: session.serverVersion, missing: ["ir.attachment.datas", "ir.attachment.raw"] },
  );
}

interface ExpensePlan {
  session: AccountingSession;
  flow: ExpenseFlow;
  /** The attachment field the receipt's content goes in; null without a receipt. */
  contentField: "datas" | "raw" | null;
  employee: Employee;
  category: ExpenseCategory;
  amount: bigint;
  decimals: number;
  currency: string;
  name: string;
  receipt: LoadedReceipt | null;
}

/** All checks of `create_expense`, read-only; shared by prepare, apply and findApplied. */
async function planExpense(
  odoo: Odoo,
  input: CreateExpenseInput,
  options: { loadReceipt: boolean; now?: Date },
): Promise<ExpensePlan> {
  assertIsoDate(input.expense_date, "expense_date", "EXPENSE_DATE_INVALID");
  const session = await getSession(odoo);
  const now = options.now ?? new Date();
  if (isFutureDate(input.expense_date, session.timeZone, now)) {
    throw new ToolError(
      "EXPENSE_DATE_INVALID",
      `expense_date ${input.expense_date} is in the future (today is ${todayIn(session.timeZone, now)} in ${session.timeZone}); record an expense once it has been incurred.`,
    );
  }
  const { decimals, currency } = session.company;
  const amount = toMinor(input.amount, decimals, { field: "amount", code: "INVALID_AMOUNT" });
  if (amount <= 0n)
    throw new ToolError("INVALID_AMOUNT", `amount must be greater than 0, got ${input.amount}.`);
  if (amount > 10n ** BigInt(9 + decimals)) {
    throw new ToolError(
      "INVALID_AMOUNT",
      `amount ${input.amount} is not a plausible expense (at most 1,000,000,000).`,
    );
  }
  const description = input.description.trim();
  if (description === "") throw new ToolError("VALIDATION_ERROR", "description must not be empty.");

  const receipt =
    options.loadReceipt && input.receipt_path !== undefined ? await loadReceipt(input.receipt_path) : null;
  if (receipt && input.receipt_sha256 !== undefined && receipt.sha256 !== input.receipt_sha256) {
    throw new ToolError(
      "VALIDATION_ERROR",
      `The receipt ${receipt.name} has changed since this expense was requested (its content is not the file that was approved). Nothing was created; ask again with the current file.`,
      { receipt_path: input.receipt_path },
    );
  }
  const [employee, categories, flow, contentField] = await Promise.all([
    findEmployee(odoo, session),
    listExpenseCategories(odoo),
    expenseFlow(odoo, session),
    input.receipt_path !== undefined ? receiptContentField(odoo, session) : null,
  ]);
  const category = matchCategory(categories, input.category);
  if (category.fixed_unit_cost !== null) {
    throw new ToolError(
      "VALIDATION_ERROR",
      `The category ${category.name} has a fixed cost in Odoo (${category.fixed_unit_cost} ${currency} per ${category.unit ?? "unit"}), so Odoo computes its total from a quantity and would ignore the amount. Record it in Odoo directly, or choose another category.`,
      { category: category.category },
    );
  }
  return {
    session,
    flow,
    contentField,
    employee,
    category,
    amount,
    decimals,
    currency,
    name: expenseName(description, input.vendor),
    receipt,
  };
}

/** The expense as the person reads it: what and whose (once each), its category, date, vendor and receipt. */
function expenseDocument(
  plan: ExpensePlan,
  input: CreateExpenseInput,
  receipt: ReceiptFile | null,
): RequestDocument {
  const money = displayMoney(plan.amount, plan.decimals, plan.currency);
  const category = `${plan.category.name}${plan.category.reference ? ` [${plan.category.reference}]` : ""}`;
  return {
    name: `${plan.name}, ${plan.employee.name}`,
    // Odoo 19's action_submit approves at once an expense nobody is set to approve (no expense manager, department
    // manager or team leader): the lab's administrator's own expense reads `approved` right after (issue 15).
    effect:
      plan.flow === "submit"
        ? `Files an expense of ${money} for ${plan.employee.name} in Odoo and submits it there. Odoo ${plan.session.major} approves it ` +
          "at once when the employee has no expense approver (otherwise it waits for theirs). Nothing is paid until " +
          "it is paid in Odoo."
        : `Files an expense of ${money} for ${plan.employee.name} in Odoo and submits it for approval there (Odoo ` +
          `${plan.session.major} puts it in an expense report and submits the report). Nothing is paid until it is ` +
          "approved and paid in Odoo.",
    party: { role: "Employee", name: plan.employee.name },
    amounts: [{ label: "Amount", amount: money, strong: true }],
    rows: [
      ...companyRows(plan.session),
      { label: "Category", value: category },
      { label: "Date", value: dateText(input.expense_date) },
      ...(input.vendor?.trim() ? [{ label: "Vendor", value: input.vendor.trim() }] : []),
      {
        label: "Receipt",
        value: receipt
          ? `${receipt.name} (${RECEIPT_TYPES[receipt.kind].label}, ${formatBytes(receipt.size)}, SHA-256 ${receipt.sha256.slice(0, 16)}…)`
          : "none attached",
      },
    ],
  };
}

/** What a person approves of an expense, by id: whose it is, its category (the expense product), its currency. */
function expenseBinding(plan: ExpensePlan): Binding {
  return { employee_id: plan.employee.id, product_id: plan.category.id, currency: plan.currency };
}

function expenseFields(flow: ExpenseFlow): string[] {
  return [
    "name",
    "state",
    "total_amount_currency",
    "currency_id",
    "product_id",
    "employee_id",
    "date",
    "message_main_attachment_id",
    "create_date",
    ...(flow === "submit" ? ["approval_state"] : ["sheet_id"]),
  ];
}

/** Odoo states that mean the expense went through submission (19 approves an admin's own expense at once). */
const SUBMITTED_STATES = new Set(["submitted", "approved", "posted", "in_payment", "paid", "done"]);

interface Progress {
  attachmentId: number | null;
  warnings: string[];
}

async function readExpense(odoo: Odoo, plan: ExpensePlan, id: number): Promise<OdooRecord> {
  const [row] = await odoo.read("hr.expense", [id], expenseFields(plan.flow));
  if (!row) throw new ToolError("ODOO_ERROR", `Odoo created expense ${id} but does not return it.`);
  return row;
}

async function receiptAttachment(odoo: Odoo, expenseId: number, name: string): Promise<number | null> {
  const rows = await odoo.searchRead(
    "ir.attachment",
    [
      ["res_model", "=", "hr.expense"],
      ["res_id", "=", expenseId],
      ["name", "=", name],
    ],
    ["name"],
    { order: "id", limit: 1 },
  );
  const id = rows[0]?.id;
  return typeof id === "number" ? id : null;
}

/**
 * Brings an existing expense to the end of the flow: receipt attached and made the main attachment, then
 * submitted. Every step looks at Odoo first, so that running it again after a crash never repeats one.
 */
async function complete(
  odoo: Odoo,
  plan: ExpensePlan,
  input: CreateExpenseInput,
  expenseId: number,
): Promise<Progress> {
  const progress: Progress = { attachmentId: null, warnings: [] };
  let expense = await readExpense(odoo, plan, expenseId);
  if (input.receipt_path !== undefined) {
    const fileName = plan.receipt?.name ?? path.basename(resolveReceiptPath(input.receipt_path));
    let attachmentId = await receiptAttachment(odoo, expenseId, fileName);
    if (attachmentId === null) {
      const receipt = plan.receipt ?? (await loadResumedReceipt(input, expenseId));
      attachmentId =
        (receipt.name === fileName ? null : await receiptAttachment(odoo, expenseId, receipt.name)) ??
        (await odoo.create("ir.attachment", {
          name: receipt.name,
          [plan.contentField ?? "datas"]: receipt.bytes.toString("base64"),
          res_model: "hr.expense",
          res_id: expenseId,
          mimetype: receipt.mimetype,
        }));
    }
    if (m2oId(expense.message_main_attachment_id) !== attachmentId) {
      await odoo.write("hr.expense", [expenseId], { message_main_attachment_id: attachmentId });
    }
    progress.attachmentId = attachmentId;
    expense = await readExpense(odoo, plan, expenseId);
  }
  const state = str(expense.state) ?? "";
  if (SUBMITTED_STATES.has(state)) return progress;
  try {
    if (plan.flow === "submit") {
      await odoo.call({ model: "hr.expense", method: "action_submit", ids: [expenseId] });
    } else {
      let sheetId = m2oId(expense.sheet_id);
      if (state === "draft" || sheetId === null) {
        const action = await odoo.call<OdooRecord | null>({
          model: "hr.expense",
          method: "action_submit_expenses",
          ids: [expenseId],
        });
        sheetId =
          typeof action?.res_id === "number"
            ? action.res_id
            : m2oId((await readExpense(odoo, plan, expenseId)).sheet_id);
      }
      if (sheetId === null)
        throw new ToolError("ODOO_ERROR", `Odoo did not put expense ${expenseId} in a report.`);
      await odoo.call({ model: "hr.expense.sheet", method: "action_submit_sheet", ids: [sheetId] });
    }
  } catch (error) {
    // Odoo has no way to list a model's methods over RPC: a submission method missing on this Odoo is only known once
    // the expense exists. It stays a draft, said as such with the version and the method, for the human to submit.
    if (error instanceof OdooNotFoundError) {
      progress.warnings.push(
        `Odoo ${plan.session.serverVersion} has no ${plan.flow === "submit" ? "hr.expense action_submit" : "expense report submission (action_submit_expenses, action_submit_sheet)"}: ${error.message.split("\n")[0]} The expense is saved as a draft (record ${expenseId}); submit it in Odoo.`,
      );
      return progress;
    }
    if (!(error instanceof OdooUserError || error instanceof OdooAccessError)) throw error;
    progress.warnings.push(
      `Odoo refused to submit the expense: ${error.message.split("\n")[0]} It is saved as a draft (record ${expenseId}); correct it and submit it in Odoo.`,
    );
  }
  return progress;
}

async function loadResumedReceipt(input: CreateExpenseInput, expenseId: number): Promise<LoadedReceipt> {
  try {
    const receipt = await loadReceipt(input.receipt_path ?? "");
    if (input.receipt_sha256 !== undefined && receipt.sha256 !== input.receipt_sha256) {
      throw new ToolError(
        "VALIDATION_ERROR",
        `The receipt ${receipt.name} has changed since it was approved.`,
      );
    }
    return receipt;
  } catch (error) {
    if (!(error instanceof ToolError)) throw error;
    throw new ToolError(
      error.code,
      `Expense record ${expenseId} was created by an earlier attempt, but its receipt cannot be attached now: ${error.message} Attach it in Odoo.`,
      { record_id: expenseId },
    );
  }
}

async function expenseOutput(
  odoo: Odoo,
  plan: ExpensePlan,
  expenseId: number,
  progress: Progress,
): Promise<CreateExpenseOutput> {
  const expense = await readExpense(odoo, plan, expenseId);
  const state = str(expense.state) ?? "";
  const main = m2oId(expense.message_main_attachment_id);
  return {
    expense_id: String(expenseId),
    status: SUBMITTED_STATES.has(state) ? "submitted" : "draft",
    category: plan.category.category,
    receipt_attached: progress.attachmentId !== null && main === progress.attachmentId,
    created_at: odooDatetimeToIso(expense.create_date) ?? new Date().toISOString(),
    record_id: expenseId,
    odoo_url: recordUrl(plan.session, "hr.expense", expenseId),
    total_amount: minorToNumber(fromOdooAmount(expense.total_amount_currency, plan.decimals), plan.decimals),
    currency: m2oName(expense.currency_id) ?? plan.currency,
    description: str(expense.name) ?? plan.name,
    expense_date: str(expense.date) ?? "",
    category_name: plan.category.name,
    employee: m2oName(expense.employee_id) ?? plan.employee.name,
    odoo_state: state,
    report_id: plan.flow === "submit" ? null : m2oId(expense.sheet_id),
    attachment_id: progress.attachmentId,
    warnings: progress.warnings,
  };
}

export const createExpenseOperation: WriteOperation<CreateExpenseInput, CreateExpenseOutput> = {
  tool: "create_expense",
  autoApproval: "below-expense-threshold",
  result: createExpenseResult,

  async prepare(odoo, input) {
    const plan = await planExpense(odoo, input, { loadReceipt: true });
    const receipt: ReceiptFile | null = plan.receipt ? receiptFacts(plan.receipt) : null;
    const document = expenseDocument(plan, input, receipt);
    return {
      summary: withCompany(plan.session, documentText(document)),
      document,
      target: document.name,
      // Filed for Odoo's own expense approval: nothing is paid until someone approves and pays it there.
      direction: "none",
      amount: formatMinor(plan.amount, plan.decimals),
      currency: plan.currency,
      facts: {
        ...companyFact(plan.session),
        employee: plan.employee,
        category: {
          id: plan.category.id,
          name: plan.category.name,
          reference: plan.category.reference,
          category: plan.category.category,
        },
        description: plan.name,
        amount: formatMinor(plan.amount, plan.decimals),
        currency: plan.currency,
        expense_date: input.expense_date,
        vendor: input.vendor ?? null,
        receipt,
        odoo_version: plan.session.major,
        expense_flow: plan.flow,
      },
      binding: expenseBinding(plan),
    };
  },

  async mark(): Promise<AttemptMarker> {
    return {}; // the approval id is written with the expense itself: no watermark needed
  },

  async findApplied(odoo, input, ref) {
    const plan = await planExpense(odoo, input, { loadReceipt: false });
    const rows = await odoo.searchRead(
      "hr.expense",
      [["description", "ilike", ref.approvalId]],
      ["description"],
      { order: "id" },
    );
    const found = rows.find((row) => mentions(str(row.description) ?? "", ref.approvalId));
    if (!found || typeof found.id !== "number") return null;
    const progress = await complete(odoo, plan, input, found.id);
    return expenseOutput(odoo, plan, found.id, progress);
  },

  async apply(odoo, input, ref) {
    const plan = await planExpense(odoo, input, { loadReceipt: true });
    assertBound(ref.bound, expenseBinding(plan), `expense "${plan.name}"`, {
      employee_id: plan.employee.name,
      product_id: plan.category.name,
    });
    const expenseId = await odoo.create("hr.expense", {
      name: plan.name,
      product_id: plan.category.id,
      total_amount_currency: minorToNumber(plan.amount, plan.decimals),
      date: input.expense_date,
      employee_id: plan.employee.id,
      payment_mode: "own_account",
      description: approvalNoteText("Created", ref.approvalId),
    });
    const progress = await complete(odoo, plan, input, expenseId);
    return expenseOutput(odoo, plan, expenseId, progress);
  },

  async dryRun(odoo, prepared, input) {
    const plan = await planExpense(odoo, input, { loadReceipt: false });
    const fields = {
      expense_id: null,
      category: plan.category.category,
      receipt_attached: null,
      created_at: null,
      record_id: null,
      odoo_url: null,
      total_amount: minorToNumber(plan.amount, plan.decimals),
      currency: plan.currency,
      description: plan.name,
      expense_date: input.expense_date,
      category_name: plan.category.name,
      employee: plan.employee.name,
      odoo_state: null,
      report_id: null,
      attachment_id: null,
      warnings: [],
    };
    const would = {
      odoo_calls: [
        "hr.expense create",
        ...(input.receipt_path !== undefined
          ? ["ir.attachment create", "hr.expense write message_main_attachment_id"]
          : []),
        plan.flow === "submit"
          ? "hr.expense action_submit"
          : "hr.expense action_submit_expenses, hr.expense.sheet action_submit_sheet",
      ],
      ...prepared.facts,
    };
    return { fields, would };
  },
};
