import { hooks } from "./base-methods.js";
import { userError, validationError } from "./fault.js";
import { char, date, define, int, m2m, m2o, money, sel } from "./fields.js";
import { browse, createGeneric, type Database, type Rec, today } from "./orm.js";
import { NONE } from "./rpc.js";

export function defineExpenses(db: Database): void {
  const v = db.version;
  const states: Array<[string, string]> =
    v === 19
      ? [
          ["draft", "Draft"],
          ["submitted", "Submitted"],
          ["approved", "Approved"],
          ["posted", "Posted"],
          ["in_payment", "In Payment"],
          ["paid", "Paid"],
          ["refused", "Refused"],
        ]
      : [
          ["draft", "To Report"],
          ["reported", "To Submit"],
          ["submitted", "Submitted"],
          ["approved", "Approved"],
          ["done", "Done"],
          ["refused", "Refused"],
        ];
  const attachmentsOf = (r: Rec) =>
    [...db.model("ir.attachment").records.values()]
      .filter((a) => a.res_model === "hr.expense" && a.res_id === r.id)
      .map((a) => a.id);
  const expense = define(
    db,
    "hr.expense",
    {
      name: char("Description"),
      state: sel("Status", states),
      ...(v === 19
        ? {
            approval_state: sel("Approval State", [
              ["submitted", "Submitted"],
              ["approved", "Approved"],
              ["refused", "Refused"],
            ]),
          }
        : { sheet_id: m2o("hr.expense.sheet", "Expense Report") }),
      total_amount: money("Total", { compute: (r) => Number(r.total_amount_currency ?? 0) }),
      total_amount_currency: money("Total In Currency"),
      currency_id: m2o("res.currency", "Currency"),
      product_id: m2o("product.product", "Category"),
      employee_id: m2o("hr.employee", "Employee"),
      date: date("Expense Date"),
      payment_mode: sel("Paid By", [
        ["own_account", "Employee (to reimburse)"],
        ["company_account", "Company"],
      ]),
      nb_attachment: int("Number of Attachments", { compute: (r) => attachmentsOf(r).length }),
      attachment_ids: m2m("ir.attachment", "Attachments", { compute: (r) => attachmentsOf(r) }),
      message_main_attachment_id: m2o("ir.attachment", "Main Attachment"),
      account_move_id: m2o("account.move", "Journal Entry"),
      company_id: m2o("res.company", "Company"),
    },
    {},
    {
      ...(v === 19
        ? {
            action_submit: {
              kind: "records",
              params: [],
              fn: ({ model, ids }) => {
                for (const r of browse(model, ids)) {
                  if (!r.product_id) throw userError("You can not submit an expense without a category.");
                  if (!Number(r.total_amount_currency))
                    throw validationError("Only draft expenses can have a total of 0.");
                  r.state = "approved";
                  r.approval_state = "approved";
                  if (!r.message_main_attachment_id)
                    r.message_main_attachment_id = attachmentsOf(r)[0] ?? false;
                }
                return NONE;
              },
            },
          }
        : {
            action_submit_expenses: {
              kind: "records",
              params: [],
              fn: ({ env, model, ids }) => {
                const recs = browse(model, ids);
                for (const r of recs) {
                  if (!r.product_id) throw userError("You can not create report without category.");
                  if (!Number(r.total_amount_currency))
                    throw userError("You cannot report the expenses without amount!");
                }
                const sheet = createGeneric(env, db.model("hr.expense.sheet"), {
                  name: String(recs[0]?.name ?? ""),
                  employee_id: recs[0]?.employee_id ?? 1,
                });
                Object.assign(sheet, {
                  state: "draft",
                  approval_state: false,
                  payment_state: "not_paid",
                  company_id: 1,
                });
                for (const r of recs) {
                  r.sheet_id = sheet.id;
                  r.state = "reported";
                }
                return {
                  name: "New Expense Reports",
                  type: "ir.actions.act_window",
                  views: [[false, "form"]],
                  res_model: "hr.expense.sheet",
                  target: "current",
                  res_id: sheet.id,
                  context: {},
                };
              },
            },
          }),
    },
  );
  hooks.set(expense, {
    create: (env, model, vals) =>
      createGeneric(env, model, vals, {
        state: "draft",
        ...(v === 19 ? { approval_state: false } : {}),
        currency_id: 1,
        company_id: 1,
        payment_mode: "own_account",
        date: today(env),
        message_main_attachment_id: false,
        account_move_id: false,
      }),
  });
  if (v === 19) return;
  const expensesOf = (sheetId: number) => [...expense.records.values()].filter((e) => e.sheet_id === sheetId);
  define(
    db,
    "hr.expense.sheet",
    {
      name: char("Expense Report Summary"),
      state: sel("Status", [
        ["draft", "To Submit"],
        ["submit", "Submitted"],
        ["approve", "Approved"],
        ["post", "Posted"],
        ["done", "Done"],
        ["cancel", "Refused"],
      ]),
      approval_state: sel("Approval State", [
        ["submit", "Submitted"],
        ["approve", "Approved"],
        ["cancel", "Refused"],
      ]),
      payment_state: sel("Payment Status", [
        ["not_paid", "Not Paid"],
        ["in_payment", "In Payment"],
        ["paid", "Paid"],
        ["partial", "Partially Paid"],
      ]),
      employee_id: m2o("hr.employee", "Employee"),
      expense_line_ids: {
        type: "one2many",
        relation: "hr.expense",
        inverse: "sheet_id",
        string: "Expense Lines",
      },
      account_move_ids: {
        type: "one2many",
        relation: "account.move",
        inverse: "expense_sheet_id",
        string: "Journal Entries",
      },
      total_amount: money("Total", {
        compute: (r) => expensesOf(r.id).reduce((a, e) => a + Number(e.total_amount_currency ?? 0), 0),
      }),
      company_id: m2o("res.company", "Company"),
    },
    {},
    {
      action_submit_sheet: {
        kind: "records",
        params: [],
        fn: ({ model, ids }) => {
          for (const s of browse(model, ids)) {
            s.state = "submit";
            s.approval_state = "submit";
            for (const e of expensesOf(s.id)) e.state = "submitted";
          }
          return NONE;
        },
      },
      action_approve_expense_sheets: {
        kind: "records",
        params: [],
        fn: ({ model, ids }) => {
          for (const s of browse(model, ids)) {
            s.state = "approve";
            s.approval_state = "approve";
            for (const e of expensesOf(s.id)) e.state = "approved";
          }
          return NONE;
        },
      },
    },
  );
  const moveModel = db.model("account.move");
  moveModel.fields.expense_sheet_id = m2o("hr.expense.sheet", "Expense Sheet");
}
