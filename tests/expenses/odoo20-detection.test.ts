import { afterEach, describe, expect, it } from "vitest";
import { type SandboxOptions, startSandbox } from "../../src/sandbox/index.js";
import { type Harness, startHarness } from "../support/harness.js";
import { pdfBytes, type TempFiles, tempFiles } from "./files.js";

/**
 * What create_expense asks Odoo before writing (fields_get, once per session), so that an Odoo which changed what
 * 20 changed works whatever its version number, and one it cannot serve is refused before anything is written. The
 * sandbox answers as if a field or method were missing (`without`); it does not pretend to be Odoo 20.
 */
let h: Harness | undefined;
let files: TempFiles | undefined;
afterEach(async () => {
  await h?.close();
  await files?.close();
  h = undefined;
});

async function harness(options: SandboxOptions): Promise<Harness> {
  files = await tempFiles();
  h = await startHarness({ sandbox: await startSandbox(options) });
  return h;
}

const yesterday = () => new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);

async function lunch(harness: Harness, receipt: boolean) {
  return harness.call("create_expense", {
    description: "Client lunch",
    amount: 42.5,
    expense_date: yesterday(),
    category: "meals",
    ...(receipt ? { receipt_path: await files?.write("lunch.pdf", pdfBytes()) } : {}),
  });
}

/** Everything the sandbox holds that create_expense could have written. */
async function written(harness: Harness) {
  const odoo = harness.app.odoo;
  return {
    expenses: await odoo.searchCount("hr.expense", []),
    attachments: await odoo.searchCount("ir.attachment", [["res_model", "=", "hr.expense"]]),
  };
}

async function attachedContent(harness: Harness, attachmentId: unknown, field: "datas" | "raw") {
  const [row] = await harness.app.odoo.read("ir.attachment", [Number(attachmentId)], [field, "res_id"]);
  return { bytes: Buffer.from(String(row?.[field]), "base64"), resId: row?.res_id };
}

describe("the receipt's content", () => {
  it("goes in datas where Odoo has it (17–19): the receipt reads back whole", async () => {
    const harness = await harness19({});
    const result = await lunch(harness, true);
    expect(result.isError, result.text).toBe(false);
    expect(result.data.receipt_attached).toBe(true);
    const attached = await attachedContent(harness, result.data.attachment_id, "datas");
    expect(attached.bytes.equals(pdfBytes())).toBe(true);
  });

  it("goes in raw, as base64, where Odoo has no datas (Odoo 20): attached as the expense's main attachment", async () => {
    const harness = await harness19({ without: { fields: { "ir.attachment": ["datas"] } } });
    const result = await lunch(harness, true);
    expect(result.isError, result.text).toBe(false);
    expect(result.data).toMatchObject({ status: "submitted", receipt_attached: true, warnings: [] });
    const attached = await attachedContent(harness, result.data.attachment_id, "raw");
    expect(attached.bytes.equals(pdfBytes())).toBe(true);
    expect(attached.resId).toBe(result.data.record_id);
    const [expense] = await harness.app.odoo.read(
      "hr.expense",
      [Number(result.data.record_id)],
      ["message_main_attachment_id"],
    );
    expect(expense?.message_main_attachment_id).toEqual([result.data.attachment_id, "lunch.pdf"]);
  });

  it("is refused before anything is written where Odoo has neither datas nor raw, naming the version", async () => {
    const harness = await harness19({ without: { fields: { "ir.attachment": ["datas", "raw"] } } });
    const before = await written(harness);
    const result = await lunch(harness, true);
    expect(result.isError).toBe(true);
    expect(result.error?.code).toBe("ODOO_ERROR");
    expect(result.error?.message).toContain("Odoo 19.0's attachments have neither datas nor raw");
    expect(result.error?.message).toContain("nothing was created");
    expect(await written(harness)).toEqual(before);
    // Without a receipt the attachment does not matter: the expense is filed.
    const plain = await lunch(harness, false);
    expect(plain.isError, plain.text).toBe(false);
  });
});

describe("the expense flow", () => {
  it("is refused before anything is written where Odoo has neither reports nor approval_state, naming both", async () => {
    const harness = await harness19({ without: { fields: { "hr.expense": ["approval_state"] } } });
    const before = await written(harness);
    const result = await lunch(harness, true);
    expect(result.isError).toBe(true);
    expect(result.error?.code).toBe("ODOO_ERROR");
    expect(result.error?.message).toContain("Odoo 19.0's expenses have neither expense reports");
    expect(result.error?.message).toContain("hr.expense approval_state");
    expect(result.error?.details).toMatchObject({
      missing: ["hr.expense.sheet_id", "hr.expense.approval_state"],
    });
    expect(await written(harness)).toEqual(before);
  });

  it("takes the report flow where hr.expense has sheet_id, whatever the version (Odoo 18)", async () => {
    files = await tempFiles();
    h = await startHarness({ version: 18 });
    const result = await lunch(h, false);
    expect(result.isError, result.text).toBe(false);
    expect(result.data.status).toBe("submitted");
    expect(typeof result.data.report_id).toBe("number");
  });

  it("leaves the expense a draft, saying which method this Odoo lacks, where action_submit is missing", async () => {
    const harness = await harness19({ without: { methods: { "hr.expense": ["action_submit"] } } });
    const result = await lunch(harness, true);
    expect(result.isError, result.text).toBe(false);
    expect(result.data).toMatchObject({ status: "draft", odoo_state: "draft", receipt_attached: true });
    const [warning] = result.data.warnings as string[];
    expect(warning).toContain("Odoo 19.0 has no hr.expense action_submit");
    expect(warning).toContain(`saved as a draft (record ${result.data.record_id})`);
  });
});

function harness19(options: SandboxOptions): Promise<Harness> {
  return harness({ version: 19, ...options });
}
