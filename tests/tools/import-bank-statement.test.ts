/**
 * import_bank_statement through the server (the real MCP client, the sandbox taught by
 * odoo-recordings/19/19-bank-import): new lines as Odoo's own statement lines, the same file or overlapping lines
 * imported again (nothing twice, also at the same moment), refused lines, the user's missing right, DRY_RUN.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { localDate } from "../../src/mcp/dates.js";
import { bankFile, NOVEMBER_CSV } from "../support/bank-files.js";
import { type Harness, startHarness } from "../support/harness.js";
import { toolNamed, unlistedKeys } from "../support/shapes.js";

describe("import_bank_statement", () => {
  let h: Harness;
  let dry: Harness;
  beforeAll(async () => {
    h = await startHarness({ version: 19 });
    dry = await startHarness({ version: 19, sandbox: h.sandbox, env: { DRY_RUN: "true" } });
  });
  afterAll(async () => {
    await dry?.close();
    await h?.close();
  });
  const odoo = () => h.app.odoo;
  const lineCount = () => odoo().searchCount("account.bank.statement.line", []);
  const grantRights = () => odoo().write("res.users", [2], { group_ids: [[4, 26]] });

  it("without the accounting right, Odoo refuses and the answer says which right to give; nothing is created", async () => {
    const answer = await h.call("import_bank_statement", {
      journal: "Bank",
      content: bankFile("camt053.xml"),
    });
    expect(answer.isError).toBe(true);
    expect(answer.error).toMatchObject({ code: "PERMISSION_DENIED" });
    expect(answer.error?.message).toContain("Show Full Accounting Features");
    expect(await lineCount()).toBe(0);
    await grantRights();
  });

  it("imports a CAMT.053 file: a statement with its balances, lines waiting on the suspense account", async () => {
    const answer = await h.call("import_bank_statement", {
      journal: "BNK1",
      content: bankFile("camt053.xml"),
    });
    expect(answer.isError, answer.text).toBe(false);
    const ids = answer.data.line_ids as number[];
    const first = ids[0] ?? 0;
    expect(answer.data).toEqual({
      status: "imported",
      format: "camt053",
      new: 3,
      duplicate: 0,
      refused: ["line 67: a pending entry, not booked"],
      statement_id: expect.any(Number),
      line_ids: [first, first + 1, first + 2],
      warnings: [],
    });
    expect(unlistedKeys(toolNamed("import_bank_statement").output, answer.data)).toEqual([]);
    const [statement] = await odoo().read(
      "account.bank.statement",
      [answer.data.statement_id as number],
      ["name", "journal_id", "balance_start", "balance_end", "balance_end_real", "is_complete"],
    );
    // The pending entry of 99.00 is not in the bank's closing balance: the statement is complete without it.
    expect(statement).toMatchObject({
      name: "2026-11-18-001",
      journal_id: [6, "Bank"],
      balance_start: 1000,
      balance_end: 1323.25,
      balance_end_real: 1323.25,
      is_complete: true,
    });
    const lines = await odoo().read("account.bank.statement.line", ids, [
      "date",
      "amount",
      "payment_ref",
      "partner_name",
      "account_number",
      "ref",
      "is_reconciled",
      "move_id",
    ]);
    expect(
      lines.map((l) => [l.date, l.amount, l.payment_ref, l.partner_name, l.account_number, l.is_reconciled]),
    ).toEqual([
      [
        "2026-11-16",
        115,
        "INV/2026/00001 Acme Corporation",
        "Acme Corporation",
        "DE89370400440532013000",
        false,
      ],
      ["2026-11-17", -42.5, "Bank fees November", false, false, false],
      ["2026-11-18", 250.75, "Transfer Globex INV/2026/00002", "Globex & Sons", false, false],
    ]);
    for (const line of lines) expect(line.ref).toMatch(/^odoo-mcp import [0-9a-f]{20}$/);
    // Each line is a posted entry: the bank account takes the money, the suspense account waits for the match.
    const move = lines[0]?.move_id as [number, string];
    const items = await odoo().searchRead(
      "account.move.line",
      [["move_id", "=", move[0]]],
      ["account_id", "balance"],
      { order: "id" },
    );
    expect(items.map((i) => [(i.account_id as [number, string])[1], i.balance])).toEqual([
      ["101401 Bank", 115],
      ["101402 Bank Suspense Account", -115],
    ]);
  });

  it("the same file again creates nothing: every line is a duplicate, no statement", async () => {
    const before = await lineCount();
    const answer = await h.call("import_bank_statement", { journal: 6, content: bankFile("camt053.xml") });
    expect(answer.data).toMatchObject({ new: 0, duplicate: 3, statement_id: null, line_ids: [] });
    expect(await lineCount()).toBe(before);
  });

  it("a CSV whose lines overlap: only the new ones; two identical card payments are two lines, once", async () => {
    const before = await lineCount();
    const first = await h.call("import_bank_statement", {
      journal: "Bank",
      content: bankFile("november.csv").split("\n").slice(0, 4).join("\n"),
      csv: NOVEMBER_CSV,
    });
    expect(first.data).toMatchObject({ format: "csv", new: 3, duplicate: 0, statement_id: null });
    const whole = await h.call("import_bank_statement", {
      journal: "Bank",
      content: bankFile("november.csv"),
      format: "csv",
      csv: NOVEMBER_CSV,
    });
    expect(whole.data).toMatchObject({ new: 2, duplicate: 3, refused: [] });
    const again = await h.call("import_bank_statement", {
      journal: "Bank",
      content: bankFile("november.csv"),
      csv: NOVEMBER_CSV,
    });
    expect(again.data).toMatchObject({ new: 0, duplicate: 5 });
    expect(await lineCount()).toBe(before + 5);
  });

  it("the same file twice at the same moment creates each line once", async () => {
    const before = await lineCount();
    const file = bankFile("debit-credit.csv");
    const csv = {
      date: "Date",
      debit: "Debit",
      credit: "Credit",
      label: "Details",
      date_format: "MM/DD/YYYY",
      thousands: ",",
    };
    const answers = await Promise.all([
      h.call("import_bank_statement", { journal: "Bank", content: file, csv }),
      h.call("import_bank_statement", {
        journal: "Bank",
        content: Buffer.from(file).toString("base64"),
        base64: true,
        csv,
      }),
    ]);
    expect(answers.map((a) => [a.data.new, a.data.duplicate]).sort()).toEqual([
      [0, 2],
      [2, 0],
    ]);
    expect(await lineCount()).toBe(before + 2);
  });

  it("refuses lines in another currency with a reason, and imports the rest (OFX 1.x)", async () => {
    const answer = await h.call("import_bank_statement", {
      journal: "Bank",
      content: bankFile("statement-1x.ofx"),
    });
    expect(answer.data).toMatchObject({
      format: "ofx",
      new: 2,
      refused: ["line 54: in EUR, the journal is in USD"],
      warnings: [
        "The statement's lines reach 1072.5, not its closing balance 1052.5: Odoo shows it as incomplete until the missing lines are entered.",
      ],
    });
    expect(answer.data.statement_id).toEqual(expect.any(Number));
  });

  it("refuses a journal that is not a bank or cash journal, naming the bank journals", async () => {
    const answer = await h.call("import_bank_statement", {
      journal: "INV",
      content: bankFile("camt053.xml"),
    });
    expect(answer.error).toMatchObject({ code: "VALIDATION_ERROR" });
    expect(answer.error?.message).toContain(
      "Sales (INV, id 1) is a sale journal, not a bank or cash journal",
    );
    expect(answer.error?.message).toContain("Bank (BNK1, id 6)");
  });

  it("a malformed file is a VALIDATION_ERROR naming the line, before Odoo is asked", async () => {
    const answer = await h.call("import_bank_statement", {
      journal: "Bank",
      content: "Date;Amount;Label\n2026-11-16;twelve;x\n",
      csv: { date: "Date", amount: "Amount", label: "Label" },
    });
    expect(answer.error).toMatchObject({ code: "VALIDATION_ERROR" });
    expect(answer.error?.message).toContain(
      'CSV line 2, column "Amount" (amount): "twelve" is not an amount',
    );
  });

  it("audits the import with its counts", async () => {
    const lines = (await h.app.audit.read(localDate(new Date()))).filter(
      (l) => l.action === "import_bank_statement",
    );
    const ok = lines.filter((l) => l.result === "success");
    expect(ok.length).toBeGreaterThan(0);
    expect(ok[0]).toMatchObject({
      approval_status: "not_required",
      message: "3 new, 0 duplicate, 1 refused",
    });
  });

  it("a file of more than one batch (500 lines) tells its progress after each, and creates every line", async () => {
    const before = await lineCount();
    const rows = Array.from(
      { length: 1_201 },
      (_, i) => `2026-11-${String(1 + (i % 28)).padStart(2, "0")};${1 + (i % 50)}.25;Card ${i}`,
    );
    const seen: { progress: number; total?: number; message?: string }[] = [];
    const result = await h.client.callTool(
      {
        name: "import_bank_statement",
        arguments: {
          journal: "Bank",
          content: ["Date;Amount;Label", ...rows].join("\n"),
          csv: { date: "Date", amount: "Amount", label: "Label" },
        },
      },
      undefined,
      { onprogress: (p) => seen.push(p) },
    );
    expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
    expect(result.structuredContent).toMatchObject({ new: 1_201, duplicate: 0 });
    expect(await lineCount()).toBe(before + 1_201);
    expect(seen).toEqual([
      { progress: 500, total: 1_201, message: "500 of 1201 lines created" },
      { progress: 1_000, total: 1_201, message: "1000 of 1201 lines created" },
      { progress: 1_201, total: 1_201, message: "1201 of 1201 lines created" },
    ]);
  });

  it("under DRY_RUN answers the counts and writes nothing", async () => {
    const before = await lineCount();
    const answer = await dry.call("import_bank_statement", {
      journal: "Bank",
      content: bankFile("statement-2x.ofx"),
    });
    expect(answer.isError, answer.text).toBe(false);
    expect(answer.data).toMatchObject({
      status: "dry_run",
      format: "ofx",
      new: 1,
      duplicate: 0,
      refused: [],
      statement_id: null,
      line_ids: null,
    });
    expect(await lineCount()).toBe(before);
  });
});
