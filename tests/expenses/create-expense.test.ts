import { mkdir, readdir, readFile, realpath, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "../support/harness.js";
import { heicBytes, jpegBytes, pdfBytes, pngBytes, type TempFiles, tempFiles } from "./files.js";

const VERSIONS = [19, 18, 17] as const;

/** `days` days before today (UTC: the sandbox user has no time zone), as YYYY-MM-DD. */
function daysAgo(days: number): string {
  return new Date(Date.now() - days * 86_400_000).toISOString().slice(0, 10);
}

async function auditLines(h: Harness): Promise<Record<string, unknown>[]> {
  const dir = path.join(h.dataDir, "Logs");
  const lines: Record<string, unknown>[] = [];
  for (const file of await readdir(dir)) {
    for (const line of (await readFile(path.join(dir, file), "utf8")).split("\n")) {
      if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
    }
  }
  return lines;
}

const expenseCount = (h: Harness) => h.app.odoo.searchCount("hr.expense", []);

describe.each(VERSIONS)("create_expense on Odoo %i", (version) => {
  let h: Harness;
  let files: TempFiles;
  beforeAll(async () => {
    h = await startHarness({ version });
    files = await tempFiles();
  });
  afterAll(async () => {
    await h?.close();
    await files?.close();
  });

  it("below the threshold: approved automatically, submitted, receipt attached as the main attachment", async () => {
    const receipt = await files.write("receipt-client-lunch.pdf", pdfBytes());
    const result = await h.call("create_expense", {
      description: "Client lunch",
      amount: 42.5,
      expense_date: daysAgo(3),
      category: "meals",
      vendor: "Chez Marcel",
      receipt_path: receipt,
    });
    expect(result.isError, result.text).toBe(false);
    const out = result.data;
    expect(out).toMatchObject({
      status: "submitted",
      category: "meals",
      category_name: "Meals",
      receipt_attached: true,
      total_amount: 42.5,
      currency: "USD",
      description: "Client lunch (Chez Marcel)",
      expense_date: daysAgo(3),
      employee: "Administrator",
      odoo_state: version === 19 ? "approved" : "submitted",
      warnings: [],
    });
    expect(out.expense_id).toBe(String(out.record_id));
    expect(Number.isNaN(Date.parse(String(out.created_at)))).toBe(false);
    expect(String(out.odoo_url)).toContain(`id=${out.record_id}&model=hr.expense`);
    expect(String(out.approval_id)).toMatch(/^apr_/);

    const [expense] = await h.app.odoo.read(
      "hr.expense",
      [Number(out.record_id)],
      [
        "name",
        "state",
        "total_amount_currency",
        "product_id",
        "employee_id",
        "message_main_attachment_id",
        ...(version === 19 ? [] : ["sheet_id"]),
      ],
    );
    expect(expense?.state).toBe(version === 19 ? "approved" : "submitted");
    expect(expense?.total_amount_currency).toBe(42.5);
    expect(expense?.product_id).toEqual([1, "[FOOD] Meals"]);
    expect(expense?.employee_id).toEqual([1, "Administrator"]);
    expect(expense?.message_main_attachment_id).toEqual([out.attachment_id, "receipt-client-lunch.pdf"]);
    const [attachment] = await h.app.odoo.read(
      "ir.attachment",
      [Number(out.attachment_id)],
      ["name", "datas", "mimetype", "res_model", "res_id", "file_size"],
    );
    expect(attachment).toMatchObject({
      name: "receipt-client-lunch.pdf",
      mimetype: "application/pdf",
      res_model: "hr.expense",
      res_id: out.record_id,
    });
    expect(Buffer.from(String(attachment?.datas), "base64").equals(pdfBytes())).toBe(true);
    if (version === 19) {
      expect(out.report_id).toBeNull();
    } else {
      expect(out.report_id).toBe((expense?.sheet_id as [number, string] | undefined)?.[0]);
      const [sheet] = await h.app.odoo.read("hr.expense.sheet", [Number(out.report_id)], ["state"]);
      expect(sheet?.state).toBe("submit");
    }

    // Through the store and the audit log, decided by policy on the `auto` channel.
    const approval = await h.call("get_approval", { approval_id: out.approval_id });
    expect(approval.data.status).toBe("executed");
    const lines = await auditLines(h);
    const decided = lines.find((l) => l.approval_id === out.approval_id && l.event === "approval_decided");
    expect(decided).toMatchObject({ channel: "auto", approval_status: "approved" });
    expect(lines.some((l) => l.approval_id === out.approval_id && l.event === "approval_requested")).toBe(
      true,
    );
  });

  it("at the threshold (100.00): waits for a human, then runs once approved", async () => {
    const before = await expenseCount(h);
    const pending = await h.call("create_expense", {
      description: "Train tickets",
      amount: 100,
      expense_date: daysAgo(5),
      category: "travel",
    });
    expect(pending.isError, pending.text).toBe(false);
    expect(pending.data.status).toBe("pending_approval");
    expect(String(pending.data.summary)).toContain("100.00 USD");
    expect(String(pending.data.summary)).toContain("Travel & Accommodation");
    expect(await expenseCount(h)).toBe(before);

    await h.approve(pending.data.approval_id);
    const status = await h.call("get_approval", { approval_id: pending.data.approval_id });
    expect(status.data.status).toBe("executed");
    const output = status.data.output as Record<string, unknown>;
    expect(output).toMatchObject({
      status: "submitted",
      category: "travel_accommodation",
      receipt_attached: false,
      attachment_id: null,
      total_amount: 100,
    });
    expect(await expenseCount(h)).toBe(before + 1);
  });

  it("refuses an unknown category with the categories that exist, and creates nothing", async () => {
    const before = await expenseCount(h);
    const result = await h.call("create_expense", {
      description: "Paper",
      amount: 12,
      expense_date: daysAgo(1),
      category: "office_supplies",
    });
    expect(result.error?.code).toBe("INVALID_CATEGORY");
    expect(result.error?.message).toContain("meals (FOOD)");
    const details = result.error?.details as { candidates: { category: string; reference: string | null }[] };
    expect(details.candidates.map((c) => c.reference)).toEqual(
      expect.arrayContaining(["FOOD", "COMM", "GIFT", "EXP_GEN"]),
    );
    expect(await expenseCount(h)).toBe(before);
  });

  it("lists the expense categories with the value create_expense takes", async () => {
    const result = await h.call("list_expense_categories", {});
    expect(result.isError, result.text).toBe(false);
    const categories = result.data.categories as Record<string, unknown>[];
    expect(categories).toContainEqual(
      expect.objectContaining({
        id: 1,
        name: "Meals",
        reference: "FOOD",
        category: "meals",
        fixed_unit_cost: null,
      }),
    );
    expect(categories).toContainEqual(expect.objectContaining({ name: "Mileage", fixed_unit_cost: 1 }));
    expect(categories.find((c) => c.reference === "EXP_GEN")?.category).toBe(
      version === 17 ? "others" : "expenses",
    );
  });
});

describe("create_expense input checks (Odoo 19)", () => {
  let h: Harness;
  let files: TempFiles;
  beforeAll(async () => {
    h = await startHarness({ version: 19 });
    files = await tempFiles();
  });
  afterAll(async () => {
    await h?.close();
    await files?.close();
  });

  const base = { description: "Stationery", amount: 12.5, expense_date: daysAgo(2), category: "FOOD" };

  async function expectCode(args: Record<string, unknown>, code: string, text?: string): Promise<void> {
    const before = await expenseCount(h);
    const result = await h.call("create_expense", { ...base, ...args });
    expect(result.isError, result.text).toBe(true);
    expect(result.error?.code, result.error?.message).toBe(code);
    if (text) expect(result.error?.message).toContain(text);
    expect(await expenseCount(h)).toBe(before);
  }

  it("INVALID_AMOUNT: zero, negative, more decimals than USD, absurd", async () => {
    await expectCode({ amount: 0 }, "INVALID_AMOUNT");
    await expectCode({ amount: -5 }, "INVALID_AMOUNT");
    await expectCode({ amount: 12.345 }, "INVALID_AMOUNT", "more decimals");
    await expectCode({ amount: 1e12 }, "INVALID_AMOUNT");
  });

  it("EXPENSE_DATE_INVALID: in the future, not a real date, malformed", async () => {
    const future = new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10);
    await expectCode({ expense_date: future }, "EXPENSE_DATE_INVALID", "in the future");
    await expectCode({ expense_date: "2026-02-30" }, "EXPENSE_DATE_INVALID");
    await expectCode({ expense_date: "05/11/2026" }, "EXPENSE_DATE_INVALID");
  });

  it("RECEIPT_NOT_FOUND for a missing file", async () => {
    await expectCode(
      { receipt_path: path.join(files.dir, "nope.pdf") },
      "RECEIPT_NOT_FOUND",
      "does not exist",
    );
  });

  it("VALIDATION_ERROR for a text file named .pdf, an oversized file, a directory, an empty file", async () => {
    const fake = await files.write("fake.pdf", "This is not a PDF, just text.\n");
    await expectCode({ receipt_path: fake }, "VALIDATION_ERROR", "not a PDF, PNG, JPEG");
    const big = await files.sparse("huge.pdf", 10 * 1024 * 1024 + 1);
    await expectCode({ receipt_path: big }, "VALIDATION_ERROR", "at most 10.0 MiB");
    await expectCode({ receipt_path: files.dir }, "VALIDATION_ERROR", "is a directory");
    const empty = await files.write("empty.png", "");
    await expectCode({ receipt_path: empty }, "VALIDATION_ERROR", "empty");
  });

  it("VALIDATION_ERROR for a text file with %PDF- after byte 0: the signature counts only at offset 0", async () => {
    const text = await files.write("quoted.pdf", "See also: %PDF-1.4 is how a PDF starts.\n");
    expect((await readFile(text, "latin1")).indexOf("%PDF-")).toBe(10);
    await expectCode({ receipt_path: text }, "VALIDATION_ERROR", "not a PDF, PNG, JPEG");
  });

  it("accepts a file of exactly 10 MiB whose content is a PDF (the limit is inclusive)", async () => {
    const file = await files.sparse("limit.pdf", 10 * 1024 * 1024);
    await writeFile(file, pdfBytes(), { flag: "r+" });
    const result = await h.call("create_expense", { ...base, receipt_path: file });
    expect(result.isError, result.text).toBe(false);
    expect(result.data.receipt_attached).toBe(true);
  });

  it("VALIDATION_ERROR when the Odoo user has no employee, saying how to link one", async () => {
    await h.app.odoo.write("hr.employee", [1], { user_id: false });
    try {
      await expectCode({}, "VALIDATION_ERROR", "Related User");
    } finally {
      await h.app.odoo.write("hr.employee", [1], { user_id: 2 });
    }
  });

  it("refuses a category with a fixed unit cost (Mileage), whose total Odoo computes itself", async () => {
    await expectCode({ category: "mileage" }, "VALIDATION_ERROR", "fixed cost");
  });

  it("attaches PNG, JPEG and HEIC receipts with the type read from their content", async () => {
    for (const [name, bytes, mimetype] of [
      ["scan.png", pngBytes(), "image/png"],
      ["photo.jpg", jpegBytes(), "image/jpeg"],
      ["IMG_0001.HEIC", heicBytes(), "image/heic"],
      ["misnamed.txt", pngBytes(), "image/png"],
    ] as const) {
      const file = await files.write(name, bytes);
      const result = await h.call("create_expense", { ...base, receipt_path: file });
      expect(result.isError, result.text).toBe(false);
      expect(result.data.receipt_attached).toBe(true);
      const [attachment] = await h.app.odoo.read(
        "ir.attachment",
        [Number(result.data.attachment_id)],
        ["name", "mimetype", "datas"],
      );
      expect(attachment?.name).toBe(name);
      expect(attachment?.mimetype).toBe(mimetype);
      expect(Buffer.from(String(attachment?.datas), "base64").equals(bytes)).toBe(true);
    }
  });

  it("resolves a relative receipt path against the server's working directory", async () => {
    const file = await files.write("relative.png", pngBytes());
    const relative = path.relative(process.cwd(), file);
    expect(path.isAbsolute(relative)).toBe(false);
    const result = await h.call("create_expense", { ...base, receipt_path: relative });
    expect(result.isError, result.text).toBe(false);
    expect(result.data.receipt_attached).toBe(true);
  });

  it("a relative receipt path is resolved when the request is made: approved from elsewhere, the same file", async () => {
    const folderA = path.join(files.dir, "folder-a");
    const folderB = path.join(files.dir, "folder-b");
    await mkdir(folderA);
    await mkdir(folderB);
    await writeFile(path.join(folderA, "taxi.png"), pngBytes());
    await writeFile(path.join(folderB, "taxi.png"), jpegBytes()); // same name, another file
    const home = process.cwd();
    try {
      process.chdir(folderA);
      const pending = await h.call("create_expense", {
        ...base,
        description: "Taxi",
        amount: 150,
        category: "travel",
        receipt_path: "taxi.png",
      });
      expect(pending.data.status, pending.text).toBe("pending_approval");
      const id = String(pending.data.approval_id);
      const stored = await h.app.approvals.get(id);
      expect(stored?.args).toMatchObject({ receipt_path: path.join(await realpath(folderA), "taxi.png") });

      process.chdir(folderB);
      await h.approve(id);
      const status = await h.call("get_approval", { approval_id: id });
      expect(status.data.status, status.text).toBe("executed");
      const output = status.data.output as Record<string, unknown>;
      expect(output.receipt_attached).toBe(true);
      const [attachment] = await h.app.odoo.read(
        "ir.attachment",
        [Number(output.attachment_id)],
        ["name", "mimetype", "datas"],
      );
      expect(attachment?.mimetype).toBe("image/png");
      expect(attachment?.datas).toBe(pngBytes().toString("base64"));
    } finally {
      process.chdir(home);
    }
  });

  it("refuses, at execution, a receipt that changed after the request was approved", async () => {
    const file = await files.write("hotel.pdf", pdfBytes());
    const before = await expenseCount(h);
    const pending = await h.call("create_expense", {
      ...base,
      description: "Hotel",
      amount: 250,
      category: "travel",
      receipt_path: file,
    });
    expect(pending.data.status).toBe("pending_approval");
    await writeFile(file, Buffer.concat([pdfBytes(), Buffer.from("% changed\n")]));
    await h.approve(pending.data.approval_id);
    const status = await h.call("get_approval", { approval_id: pending.data.approval_id });
    expect(status.data.status).toBe("failed");
    expect(JSON.stringify(status.data)).toContain("has changed since");
    expect(await expenseCount(h)).toBe(before);
  });

  it("honours a configured threshold: 20 makes a 25.00 expense wait for a human", async () => {
    const strict = await startHarness({ version: 19, env: { ODOO_MCP_EXPENSE_APPROVAL_THRESHOLD: "20" } });
    try {
      const below = await strict.call("create_expense", { ...base, amount: 19.99 });
      expect(below.data.status).toBe("submitted");
      const above = await strict.call("create_expense", { ...base, amount: 25 });
      expect(above.data.status).toBe("pending_approval");
    } finally {
      await strict.close();
    }
  });

  it("DRY_RUN: validates against Odoo and writes nothing", async () => {
    const dry = await startHarness({ version: 19, env: { DRY_RUN: "true" } });
    try {
      const before = await expenseCount(dry);
      const result = await dry.call("create_expense", base);
      expect(result.data.status).toBe("dry_run");
      expect((result.data.would as { odoo_calls: string[] }).odoo_calls).toContain(
        "hr.expense action_submit",
      );
      expect(await expenseCount(dry)).toBe(before);
    } finally {
      await dry.close();
    }
  });
});
