import { homedir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createExpenseOperation,
  expenseName,
  expenseNeedsApproval,
  resolveReceiptPath,
  sniffReceiptType,
} from "../../src/mcp/accounting/index.js";
import { expectToolError, startTestOdoo, type TestOdoo } from "../accounting/helpers.js";
import { heicBytes, jpegBytes, pdfBytes, pngBytes } from "./files.js";

describe("receipt types by content", () => {
  it("recognises PDF, PNG, JPEG, HEIC and HEIF, and nothing else", () => {
    expect(sniffReceiptType(pdfBytes())).toBe("pdf");
    expect(sniffReceiptType(pngBytes())).toBe("png");
    expect(sniffReceiptType(jpegBytes())).toBe("jpeg");
    expect(sniffReceiptType(heicBytes())).toBe("heic");
    const heif = Buffer.concat([Buffer.from([0, 0, 0, 16]), Buffer.from("ftypmif1\0\0\0\0", "latin1")]);
    expect(sniffReceiptType(heif)).toBe("heif");
    const mp4 = Buffer.concat([Buffer.from([0, 0, 0, 16]), Buffer.from("ftypisom\0\0\0\0", "latin1")]);
    expect(sniffReceiptType(mp4)).toBeNull();
    expect(sniffReceiptType(Buffer.from("%PD not quite"))).toBeNull();
    expect(sniffReceiptType(Buffer.from("<html>receipt</html>"))).toBeNull();
    expect(sniffReceiptType(Buffer.alloc(0))).toBeNull();
  });

  it("resolves ~ to the home folder and relative paths against the working directory", () => {
    expect(resolveReceiptPath("~/r.pdf")).toBe(path.join(homedir(), "r.pdf"));
    expect(resolveReceiptPath("scans/r.pdf", "/srv/app")).toBe("/srv/app/scans/r.pdf");
    expect(resolveReceiptPath("/abs/r.pdf", "/srv/app")).toBe("/abs/r.pdf");
  });
});

describe("threshold and description", () => {
  it("compares the amount with the threshold exactly: at or above needs a human", () => {
    expect(expenseNeedsApproval("99.99", "100")).toBe(false);
    expect(expenseNeedsApproval("100.00", "100")).toBe(true);
    expect(expenseNeedsApproval("100.01", "100")).toBe(true);
    expect(expenseNeedsApproval("0.10", "0.1")).toBe(true);
    expect(expenseNeedsApproval("49.99", "49.995")).toBe(false);
    expect(expenseNeedsApproval("5", "not a number")).toBe(true);
  });

  it("writes the vendor into the description once", () => {
    expect(expenseName("Client lunch", "Chez Marcel")).toBe("Client lunch (Chez Marcel)");
    expect(expenseName("Lunch at Chez Marcel", "chez marcel")).toBe("Lunch at Chez Marcel");
    expect(expenseName(" Taxi ", undefined)).toBe("Taxi");
  });
});

describe.each([19, 17] as const)("category matching against Odoo %i", (version) => {
  let t: TestOdoo;
  beforeAll(async () => {
    t = await startTestOdoo(version);
    await t.odoo.create("product.product", {
      name: "Office Supplies",
      default_code: "OFFICE",
      can_be_expensed: true,
      standard_price: 0,
    });
  });
  afterAll(async () => t?.close());

  const base = { description: "Paper", amount: 9.99, expense_date: "2026-01-15" };
  const categoryOf = async (category: string) =>
    (await createExpenseOperation.prepare(t.odoo, { ...base, category })).facts.category as { name: string };

  it.each([
    ["office_supplies", "Office Supplies"],
    ["Office-Supplies", "Office Supplies"],
    ["  OFFICE SUPPLIES ", "Office Supplies"],
    ["office", "Office Supplies"],
    ["meals", "Meals"],
    ["FOOD", "Meals"],
    ["food", "Meals"],
    ["travel", "Travel & Accommodation"],
    ["travel_accommodation", "Travel & Accommodation"],
    ["TRANS & ACC", "Travel & Accommodation"],
    ["comm", "Communication"],
  ])("%j is %s", async (category, name) => {
    expect((await categoryOf(category)).name).toBe(name);
  });

  it("an unknown category is INVALID_CATEGORY with every category as a candidate", async () => {
    const error = await expectToolError(categoryOf("groceries"), "INVALID_CATEGORY");
    const candidates = ((error.details?.candidates ?? []) as { category: string }[]).map((c) => c.category);
    expect(candidates).toEqual(
      expect.arrayContaining(["meals", "office_supplies", "travel_accommodation", "gifts"]),
    );
  });
});
