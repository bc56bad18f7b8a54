import { accountByCode, postMove } from "./accounting.js";
import { doCreate, hooks } from "./base-methods.js";
import { checkCompanyField, companyMismatchError, currentCompanyId, dropFailed } from "./companies.js";
import { userError, validationError } from "./fault.js";
import { char, date, define, html, int, m2m, m2o, money, sel, text } from "./fields.js";
import { browse, createGeneric, type Database, type Env, type MethodDef, type Rec, today } from "./orm.js";
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
  /** 17/18: an expense's state follows its report (hr.expense._compute_state). */
  const expenseStateFromSheet = (r: Rec): unknown => {
    if (typeof r.sheet_id !== "number") return r.state ?? "draft";
    const sheet = db.model("hr.expense.sheet").rec(r.sheet_id);
    if (!sheet) return r.state ?? "draft";
    const state = sheetState(sheet);
    if (state === "draft") return "reported";
    if (state === "cancel") return "refused";
    if (state === "approve" || state === "post") return "approved";
    return movesOf(sheet.id).length === 0 ? "submitted" : "done";
  };
  const movesOf = (sheetId: number): Rec[] =>
    [...db.model("account.move").records.values()].filter((m) => m.expense_sheet_id === sheetId);
  /** Own-account reports: the payment state of the posted entry, else not paid. */
  const sheetPaymentState = (sheet: Rec): string => {
    const moves = movesOf(sheet.id);
    if (!moves.some((m) => m.state === "posted")) return "not_paid";
    return String(moves[0]?.payment_state ?? "not_paid");
  };
  /** hr.expense.sheet._compute_state: from the approval and the journal entries. */
  const sheetState = (sheet: Rec): string => {
    if (!sheet.approval_state) return "draft";
    if (sheet.approval_state === "cancel") return "cancel";
    const moves = movesOf(sheet.id);
    if (moves.length === 0) return String(sheet.approval_state);
    if (sheetPaymentState(sheet) !== "not_paid") return "done";
    return moves.every((m) => m.state === "draft") ? "approve" : "post";
  };
  const expense = define(
    db,
    "hr.expense",
    {
      name: char("Description"),
      state: sel("Status", states, v === 19 ? {} : { compute: (r) => expenseStateFromSheet(r) }),
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
      // "Internal Notes": Text on 19, Html on 17/18.
      description: v === 19 ? text("Internal Notes") : html("Internal Notes"),
      payment_mode: sel("Paid By", [
        ["own_account", "Employee (to reimburse)"],
        ["company_account", "Company"],
      ]),
      nb_attachment: int("Number of Attachments", { compute: (r) => attachmentsOf(r).length }),
      attachment_ids: m2m("ir.attachment", "Attachments", { compute: (r) => attachmentsOf(r) }),
      message_main_attachment_id: m2o("ir.attachment", "Main Attachment"),
      account_move_id: m2o("account.move", "Journal Entry"),
      account_id: m2o("account.account", "Account"),
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
                // The report is in its expenses' company, with that company's purchase journal.
                const companyId = typeof recs[0]?.company_id === "number" ? recs[0].company_id : 1;
                const journal = [...db.model("account.journal").records.values()].find(
                  (j) => j.type === "purchase" && j.company_id === companyId,
                );
                Object.assign(sheet, {
                  approval_state: false,
                  company_id: companyId,
                  journal_id: journal?.id ?? false,
                  user_id: false,
                });
                for (const r of recs) r.sheet_id = sheet.id;
                const allowed = env.context.allowed_company_ids;
                return {
                  name: "New Expense Reports",
                  type: "ir.actions.act_window",
                  res_model: "hr.expense.sheet",
                  context: Array.isArray(allowed) ? { allowed_company_ids: allowed } : {},
                  views: [[false, "form"]],
                  domain: [["id", "in", [sheet.id]]],
                  res_id: sheet.id,
                };
              },
            },
          }),
    },
  );
  hooks.set(expense, {
    create: (env, model, vals) => {
      const rec = createGeneric(env, model, vals, {
        state: "draft",
        ...(v === 19 ? { approval_state: false } : {}),
        currency_id: 1,
        company_id: currentCompanyId(env),
        payment_mode: "own_account",
        date: today(env),
        message_main_attachment_id: false,
        account_move_id: false,
      });
      const companyId = typeof rec.company_id === "number" ? rec.company_id : undefined;
      const mismatch = checkCompanyField(env, model, rec, "employee_id", companyId);
      if (mismatch) {
        dropFailed(model, rec);
        throw companyMismatchError(env, [mismatch]);
      }
      if (!rec.account_id) {
        const product = db.model("product.product").rec(rec.product_id as number);
        rec.account_id = product?.property_account_expense_id || accountByCode(env, "600000", rec.company_id);
      }
      return rec;
    },
  });
  if (v === 19) return;
  const expensesOf = (sheetId: number) => [...expense.records.values()].filter((e) => e.sheet_id === sheetId);
  define(
    db,
    "hr.expense.sheet",
    {
      name: char("Expense Report Summary"),
      state: sel(
        "Status",
        [
          ["draft", "To Submit"],
          ["submit", "Submitted"],
          ["approve", "Approved"],
          ["post", "Posted"],
          ["done", "Done"],
          ["cancel", "Refused"],
        ],
        { compute: (r) => sheetState(r) },
      ),
      approval_state: sel("Approval State", [
        ["submit", "Submitted"],
        ["approve", "Approved"],
        ["cancel", "Refused"],
      ]),
      payment_state: sel(
        "Payment Status",
        [
          ["not_paid", "Not Paid"],
          ["in_payment", "In Payment"],
          ["paid", "Paid"],
          ["partial", "Partially Paid"],
        ],
        { compute: (r) => sheetPaymentState(r) },
      ),
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
      journal_id: m2o("account.journal", "Expense Journal"),
      user_id: m2o("res.users", "Manager"),
    },
    {},
    {
      action_submit_sheet: {
        kind: "records",
        params: [],
        fn: ({ model, ids }) => {
          for (const s of browse(model, ids)) s.approval_state = "submit";
          model.touch(browse(model, ids));
          return NONE;
        },
      },
      action_approve_expense_sheets: {
        kind: "records",
        params: [],
        fn: ({ env, model, ids }) => {
          for (const s of browse(model, ids)) {
            // 18 creates the (draft) journal entry at approval; 17 waits for action_sheet_move_create.
            if (v === 18 && (sheetState(s) === "submit" || sheetState(s) === "draft"))
              createSheetMove(env, s);
            s.approval_state = "approve";
            s.user_id = env.uid;
          }
          model.touch(browse(model, ids));
          return NONE;
        },
      },
      ...(v === 17
        ? {
            action_sheet_move_create: {
              kind: "records",
              params: [],
              fn: ({ env, model, ids }) => {
                const sheets = browse(model, ids);
                for (const s of sheets) {
                  if (sheetState(s) !== "approve")
                    throw userError("You can only generate accounting entry for approved expense(s).");
                }
                for (const s of sheets) postMove(env, createSheetMove(env, s));
                model.touch(sheets);
                return NONE;
              },
            } satisfies MethodDef,
          }
        : {
            action_sheet_move_post: {
              kind: "records",
              params: [],
              fn: ({ env, model, ids }) => {
                for (const s of browse(model, ids)) {
                  const moves = movesOf(s.id);
                  if (moves.length === 0) moves.push(createSheetMove(env, s));
                  for (const m of moves) if (m.state === "draft") postMove(env, m);
                }
                return NONE;
              },
            } satisfies MethodDef,
          }),
      action_register_payment: {
        kind: "records",
        params: [],
        fn: ({ model, ids }) => {
          const lineIds = browse(model, ids)
            .flatMap((s) => movesOf(s.id))
            .flatMap((m) =>
              [...db.model("account.move.line").records.values()].filter((l) => l.move_id === m.id),
            )
            .map((l) => l.id)
            .sort((a, b) => a - b);
          return {
            name: "Register Payment",
            res_model: "account.payment.register",
            view_mode: "form",
            views: [[false, "form"]],
            context: { active_model: "account.move.line", active_ids: lineIds },
            target: "new",
            type: "ir.actions.act_window",
          };
        },
      },
    },
  );
  const moveModel = db.model("account.move");
  moveModel.fields.expense_sheet_id = m2o("hr.expense.sheet", "Expense Sheet");

  /** The vendor bill of an expense report paid by the employee: one line per expense, to the employee's contact. */
  function createSheetMove(env: Env, sheet: Rec): Rec {
    const expenses = expensesOf(sheet.id);
    const employee = db.model("hr.employee").rec(sheet.employee_id as number);
    const todayStr = today(env);
    // The accounting date: today, unless every expense is of a later month.
    const latest =
      expenses
        .map((e) => String(e.date || todayStr))
        .sort()
        .pop() ?? todayStr;
    const accountingDate = latest.slice(0, 7) > todayStr.slice(0, 7) ? latest : todayStr;
    const products = db.model("product.product");
    const [move] = doCreate(env, moveModel, [
      {
        move_type: "in_invoice",
        partner_id: employee?.work_contact_id ?? false,
        invoice_date: accountingDate,
        ref: sheet.name ?? false,
        expense_sheet_id: sheet.id,
        ...(typeof sheet.company_id === "number" ? { company_id: sheet.company_id } : {}),
        line_ids: expenses.map((e) => [
          0,
          0,
          {
            name: `${String(employee?.name ?? "")}: ${String(e.name ?? "")
              .split("\n")[0]
              ?.slice(0, 64)}`,
            product_id: e.product_id ?? false,
            quantity: 1,
            price_unit: Number(e.total_amount_currency ?? 0),
            tax_ids: [],
            account_id:
              products.rec(e.product_id as number)?.property_account_expense_id ||
              accountByCode(env, "600000", sheet.company_id),
          },
        ]),
      },
    ]);
    if (!move) throw userError("No journal entry was created.");
    return move;
  }
}
