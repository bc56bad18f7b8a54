/**
 * create_expense's operation against the sandbox through the real client: a crash between the steps (created /
 * attached / reported) never creates a second expense, because findApplied finds the expense after the marker
 * and finishes what is missing; Odoo refusing the submission leaves a draft with its reason.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CreateExpenseInput, createExpenseOperation } from "../../src/mcp/accounting/index.js";
import { OdooConnectionError, OdooUserError } from "../../src/mcp/odoo/errors.js";
import type { Odoo, OdooCall } from "../../src/mcp/odoo/types.js";
import { applyRef, startTestOdoo, type TestOdoo } from "../accounting/helpers.js";
import { pdfBytes, type TempFiles, tempFiles } from "./files.js";

function daysAgo(days: number): string {
  return new Date(Date.now() - days * 86_400_000).toISOString().slice(0, 10);
}

/** The same Odoo, except that `fails(step)` makes a call throw, like a crash or a refusal at that step. */
function failingOdoo(odoo: Odoo, fails: (step: string) => Error | null): Odoo {
  const check = (step: string) => {
    const error = fails(step);
    if (error) throw error;
  };
  return {
    settings: odoo.settings,
    version: () => odoo.version(),
    api: () => odoo.api(),
    uid: () => odoo.uid(),
    call: async <T>(call: OdooCall, options?: Parameters<Odoo["call"]>[1]) => {
      check(`${call.model}.${call.method}`);
      return odoo.call<T>(call, options);
    },
    searchRead: (model, domain, fields, options) => odoo.searchRead(model, domain, fields, options),
    read: (model, ids, fields, context) => odoo.read(model, ids, fields, context),
    searchCount: (model, domain, context) => odoo.searchCount(model, domain, context),
    create: async (model, values, context) => {
      check(`${model}.create`);
      return odoo.create(model, values, context);
    },
    write: async (model, ids, values, context) => {
      check(`${model}.write`);
      return odoo.write(model, ids, values, context);
    },
    stats: () => odoo.stats(),
    close: () => odoo.close(),
  };
}

const crash = () => new OdooConnectionError("connection reset (simulated crash)", true);

describe.each([19, 18, 17] as const)("create_expense crash safety on Odoo %i", (version) => {
  let t: TestOdoo;
  let files: TempFiles;
  let counter = 0;
  beforeAll(async () => {
    t = await startTestOdoo(version);
    files = await tempFiles();
  });
  afterAll(async () => {
    await t?.close();
    await files?.close();
  });

  async function input(): Promise<CreateExpenseInput> {
    counter += 1;
    const receipt_path = await files.write(`receipt-${counter}.pdf`, pdfBytes());
    return {
      description: `Taxi ${counter}`,
      amount: 23.4,
      expense_date: daysAgo(1),
      category: "EXP_GEN",
      receipt_path,
    };
  }

  const steps =
    version === 19
      ? ["ir.attachment.create", "hr.expense.write", "hr.expense.action_submit"]
      : [
          "ir.attachment.create",
          "hr.expense.write",
          "hr.expense.action_submit_expenses",
          "hr.expense.sheet.action_submit_sheet",
        ];

  it.each(steps)(
    "a crash at %s: findApplied finishes the same expense instead of a second one",
    async (step) => {
      const args = await input();
      const before =
        (await t.odoo.searchRead("hr.expense", [], ["id"], { order: "id desc", limit: 1 }))[0]?.id ?? 0;
      const marker = applyRef(await createExpenseOperation.mark(t.odoo, args));
      expect(await createExpenseOperation.findApplied(t.odoo, args, marker)).toBeNull();
      const broken = failingOdoo(t.odoo, (s) => (s === step ? crash() : null));
      await expect(createExpenseOperation.apply(broken, args, marker)).rejects.toBeInstanceOf(
        OdooConnectionError,
      );
      const after = Number(before);
      expect(await t.odoo.searchCount("hr.expense", [["id", ">", after]])).toBe(1);

      const found = await createExpenseOperation.findApplied(t.odoo, args, marker);
      expect(found).toMatchObject({
        status: "submitted",
        receipt_attached: true,
        total_amount: 23.4,
        warnings: [],
      });
      expect(Number(found?.record_id)).toBeGreaterThan(after);
      expect(await t.odoo.searchCount("hr.expense", [["id", ">", after]])).toBe(1);
      const attachments = await t.odoo.searchCount("ir.attachment", [
        ["res_model", "=", "hr.expense"],
        ["res_id", "=", Number(found?.record_id)],
      ]);
      expect(attachments).toBe(1);
      // Asked again (another replay): the same expense, nothing added.
      const again = await createExpenseOperation.findApplied(t.odoo, args, marker);
      expect(again?.record_id).toBe(found?.record_id);
      expect(again?.attachment_id).toBe(found?.attachment_id);
    },
  );

  it("does not take another approval's expense for its own, even an identical one", async () => {
    const args = await input();
    await createExpenseOperation.apply(t.odoo, args, applyRef());
    expect(await createExpenseOperation.findApplied(t.odoo, args, applyRef())).toBeNull();
  });

  it("Odoo refusing the submission: the expense stays a draft, with Odoo's reason in warnings", async () => {
    const args = await input();
    const refused = new OdooUserError(
      "You can not submit an expense without a category.",
      "odoo.exceptions.UserError",
      422,
    );
    const submitStep = version === 19 ? "hr.expense.action_submit" : "hr.expense.action_submit_expenses";
    const odoo = failingOdoo(t.odoo, (s) => (s === submitStep ? refused : null));
    const out = await createExpenseOperation.apply(
      odoo,
      args,
      applyRef(await createExpenseOperation.mark(t.odoo, args)),
    );
    expect(out.status).toBe("draft");
    expect(out.odoo_state).toBe("draft");
    expect(out.receipt_attached).toBe(true);
    expect(out.warnings).toHaveLength(1);
    expect(out.warnings[0]).toContain("You can not submit an expense without a category.");
    const [row] = await t.odoo.read("hr.expense", [out.record_id], ["state"]);
    expect(row?.state).toBe("draft");
  });
});
