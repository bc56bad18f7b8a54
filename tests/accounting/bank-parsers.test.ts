/**
 * The bank file parsers (src/mcp/accounting/bank): realistic small files of each format (tests/fixtures/bank),
 * exact amounts, the line of the file each transaction starts on, and a VALIDATION_ERROR naming the line and
 * field for every malformed input.
 */
import { describe, expect, it } from "vitest";
import { parseCamt053 } from "../../src/mcp/accounting/bank/camt053.js";
import { csvRows, dateReader, parseCsv, readAmount } from "../../src/mcp/accounting/bank/csv.js";
import { fingerprints } from "../../src/mcp/accounting/bank/fingerprint.js";
import { parseOfx } from "../../src/mcp/accounting/bank/ofx.js";
import { detectFormat, fileText, readStatementFile } from "../../src/mcp/accounting/bank/read-file.js";
import { MAX_LINES } from "../../src/mcp/accounting/bank/statement-line.js";
import { parseXml } from "../../src/mcp/accounting/bank/xml.js";
import { ToolError } from "../../src/mcp/errors.js";
import { bankFile, NOVEMBER_CSV } from "../support/bank-files.js";

function refusal(run: () => unknown): ToolError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ToolError);
    expect((error as ToolError).code).toBe("VALIDATION_ERROR");
    return error as ToolError;
  }
  throw new Error("expected a VALIDATION_ERROR");
}

describe("CSV", () => {
  it("reads a European export: ; delimiter detected, quoted ; in a label, 1.150,00, the line of each row", () => {
    const parsed = parseCsv(bankFile("november.csv"), NOVEMBER_CSV);
    expect(parsed.lines).toEqual([
      {
        line: 2,
        date: "2026-11-16",
        amount: "1150",
        label: "INV/2026/00001; thank you",
        partnerName: "Acme Corporation",
        reference: "TX-0001",
      },
      { line: 3, date: "2026-11-17", amount: "-42.5", label: "Bank fees November", reference: "TX-0002" },
      {
        line: 4,
        date: "2026-11-18",
        amount: "250.75",
        label: "Transfer Globex INV/2026/00002",
        partnerName: "Globex",
        reference: "TX-0003",
      },
      { line: 5, date: "2026-11-18", amount: "-3.5", label: "Card payment", partnerName: "Coffee Corner" },
      { line: 6, date: "2026-11-18", amount: "-3.5", label: "Card payment", partnerName: "Coffee Corner" },
    ]);
    expect(parsed.balanceStart).toBeUndefined();
  });

  it("reads debit and credit columns (MM/DD/YYYY, 1,200.00): a debit is money out", () => {
    const parsed = parseCsv(bankFile("debit-credit.csv"), {
      date: "Date",
      debit: "Debit",
      credit: "Credit",
      label: "Details",
      date_format: "MM/DD/YYYY",
      thousands: ",",
    });
    expect(parsed.lines.map((l) => [l.line, l.date, l.amount, l.label])).toEqual([
      [2, "2026-11-20", "-1200", "Rent December"],
      [3, "2026-11-21", "40", "Customer refund"],
    ]);
  });

  it("takes columns by number without a header, and a quoted field over two lines keeps the next row's number", () => {
    const text = '2026-11-16,115.00,"Acme\nCorporation"\n2026-11-17,-42.50,Fees\n';
    const parsed = parseCsv(text, { date: "1", amount: "2", label: "3", header: false });
    expect(parsed.lines.map((l) => [l.line, l.amount, l.label])).toEqual([
      [1, "115", "Acme Corporation"],
      [3, "-42.5", "Fees"],
    ]);
  });

  it("reads the amounts banks write: trailing minus, parentheses, plus sign, no thousands", () => {
    expect(readAmount("12.50-", ".", "")).toBe("-12.5");
    expect(readAmount("(1,234.56)", ".", ",")).toBe("-1234.56");
    expect(readAmount("+3", ".", "")).toBe("3");
    expect(readAmount("1 234,56", ",", " ")).toBe("1234.56");
    expect(readAmount("0.1", ".", "")).toBe("0.1");
    // A thousands separator must group by three; a wrong decimal separator is not silently read.
    expect(readAmount("1,5", ".", "")).toBeNull();
    expect(readAmount("1,5", ".", ",")).toBeNull();
    expect(readAmount("12.3.4", ".", "")).toBeNull();
    expect(readAmount("abc", ".", "")).toBeNull();
    expect(readAmount("", ".", "")).toBeNull();
  });

  it("reads the date formats and refuses an impossible day", () => {
    expect(dateReader("DD/MM/YYYY")("5/11/2026")).toBe("2026-11-05");
    expect(dateReader("MM/DD/YYYY")("11/05/2026")).toBe("2026-11-05");
    expect(dateReader("YYYY-MM-DD")("2026-11-05")).toBe("2026-11-05");
    expect(dateReader("YYYYMMDD")("20261105")).toBe("2026-11-05");
    expect(dateReader("DD.MM.YY")("05.11.26")).toBe("2026-11-05");
    expect(dateReader("DD/MM/YYYY")("31/02/2026")).toBeNull();
    expect(dateReader("DD/MM/YYYY")("2026-11-05")).toBeNull();
    expect(refusal(() => dateReader("DD/MM")).message).toContain("csv.date_format");
  });

  it("names the line, the column and the value of a row that does not read", () => {
    const bad = "Date;Amount;Label\n16/11/2026;12,00;ok\n17/11/2026;12.00;wrong separator\n";
    const error = refusal(() =>
      parseCsv(bad, {
        date: "Date",
        amount: "Amount",
        label: "Label",
        date_format: "DD/MM/YYYY",
        decimal: ",",
      }),
    );
    expect(error.message).toContain('CSV line 3, column "Amount" (amount): "12.00" is not an amount');
    const badDate = refusal(() =>
      parseCsv(bad, { date: "Date", amount: "Amount", label: "Label", decimal: "," }),
    );
    expect(badDate.message).toContain(
      'CSV line 2, column "Date" (date): "16/11/2026" is not a date written YYYY-MM-DD',
    );
  });

  it("refuses a mapping naming no such column, listing the header", () => {
    const error = refusal(() => parseCsv(bankFile("november.csv"), { ...NOVEMBER_CSV, amount: "Betrag" }));
    expect(error.message).toContain(
      'csv.amount: no column "Betrag" in the header ("Booking date", "Value date"',
    );
    expect(refusal(() => parseCsv("a,b\n", { date: "1", label: "2" })).message).toContain("amount column");
  });

  it("refuses an unclosed quote and more rows than the bound", () => {
    expect(refusal(() => csvRows('a,"b\n', ",")).message).toContain("line 1: a quoted field is never closed");
    const many = `d,a,l\n${"2026-11-01,1,x\n".repeat(MAX_LINES + 2)}`;
    expect(refusal(() => csvRows(many, ",")).message).toContain(`more than ${MAX_LINES} rows`);
  });
});

describe("OFX", () => {
  it("reads OFX 1.x (SGML): FITID, NAME and MEMO, the &amp; entity, a line's own currency, LEDGERBAL", () => {
    const parsed = parseOfx(bankFile("statement-1x.ofx"));
    expect(parsed.currency).toBe("USD");
    expect(parsed.lines).toEqual([
      {
        line: 39,
        date: "2026-11-16",
        amount: "115",
        label: "ACME CORPORATION INV/2026/00001",
        partnerName: "ACME CORPORATION",
        reference: "202611160001",
        transactionType: "CREDIT",
      },
      {
        line: 47,
        date: "2026-11-17",
        amount: "-42.5",
        label: "Bank fees & charges",
        partnerName: "Bank fees & charges",
        reference: "202611170002",
        transactionType: "FEE",
      },
      {
        line: 54,
        date: "2026-11-18",
        amount: "-20",
        label: "Hotel Lisboa",
        partnerName: "Hotel Lisboa",
        reference: "202611180003",
        currency: "EUR",
        transactionType: "DEBIT",
      },
    ]);
    // The closing balance, and the opening one computed from it (Odoo's OFX import does the same).
    expect(parsed.balanceEnd).toBe("1052.5");
    expect(parsed.balanceStart).toBe("1000");
  });

  it("reads OFX 2.x (XML) with PAYEE/NAME", () => {
    const parsed = parseOfx(bankFile("statement-2x.ofx"));
    expect(parsed.lines).toEqual([
      {
        line: 13,
        date: "2026-11-24",
        amount: "300",
        label: "Initech LLC Payment INV/2026/00003",
        partnerName: "Initech LLC",
        reference: "202611240007",
        transactionType: "CREDIT",
      },
    ]);
    expect([parsed.balanceStart, parsed.balanceEnd]).toEqual(["1052.5", "1352.5"]);
  });

  it("names the line of a transaction without a date or amount; refuses a file that is not OFX", () => {
    const broken = bankFile("statement-1x.ofx").replace("<TRNAMT>-42.50", "<TRNAMT>minus forty");
    expect(refusal(() => parseOfx(broken)).message).toBe(
      'OFX line 47: TRNAMT "minus forty" is not an amount.',
    );
    expect(refusal(() => parseOfx("hello")).message).toContain("no <OFX>");
  });
});

describe("CAMT.053", () => {
  it("reads entries: amount and CdtDbtInd, booking date, bank reference, remittance, the debtor, OPBD/CLBD", () => {
    const parsed = parseCamt053(bankFile("camt053.xml"));
    expect(parsed).toMatchObject({
      currency: "USD",
      balanceStart: "1000",
      balanceEnd: "1323.25",
      name: "2026-11-18-001",
    });
    expect(parsed.lines).toEqual([
      {
        line: 27,
        date: "2026-11-16",
        amount: "115",
        label: "INV/2026/00001 Acme Corporation",
        partnerName: "Acme Corporation",
        reference: "2026111600001",
        accountNumber: "DE89370400440532013000",
        currency: "USD",
        transactionType: "ESCT",
      },
      {
        line: 46,
        date: "2026-11-17",
        amount: "-42.5",
        label: "Bank fees November",
        reference: "2026111700002",
        currency: "USD",
      },
      {
        line: 54,
        date: "2026-11-18",
        amount: "250.75",
        label: "Transfer Globex INV/2026/00002",
        partnerName: "Globex & Sons",
        currency: "USD",
      },
    ]);
    expect(parsed.refused).toEqual([{ line: 67, reason: "a pending entry, not booked" }]);
  });

  it("refuses a DOCTYPE (no entity is ever expanded), an unknown entity, and mismatched tags", () => {
    const bomb = '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">]><Document>&lol;</Document>';
    expect(refusal(() => parseXml(bomb)).message).toContain("DOCTYPE");
    expect(refusal(() => parseXml("<Document>&lol;</Document>")).message).toContain("&lol; is not allowed");
    expect(refusal(() => parseXml("<a><b></a>")).message).toContain("</a> does not close <b>");
    expect(refusal(() => parseXml("<a>")).message).toContain("ends inside <a>");
    expect(refusal(() => parseXml(`${"<a>".repeat(70)}`)).message).toContain("nested too deep");
  });

  it("refuses XML that is not a statement, and a file of two statements", () => {
    expect(refusal(() => parseCamt053("<Document><Other/></Document>")).message).toContain("not a CAMT.053");
    const two = bankFile("camt053.xml").replace("</Stmt>", "</Stmt><Stmt><Id>2</Id></Stmt>");
    expect(refusal(() => parseCamt053(two)).message).toContain("holds 2 statements");
  });
});

describe("the file as the tool gets it", () => {
  it("recognises OFX and CAMT.053, and refuses a CSV without its mapping", () => {
    expect(detectFormat(bankFile("statement-1x.ofx"))).toBe("ofx");
    expect(detectFormat(bankFile("statement-2x.ofx"))).toBe("ofx");
    expect(detectFormat(bankFile("camt053.xml"))).toBe("camt053");
    expect(detectFormat(bankFile("november.csv"))).toBeNull();
    expect(refusal(() => readStatementFile({ content: bankFile("november.csv") })).message).toContain(
      "csv column mapping",
    );
  });

  it("decodes base64, as UTF-8 or else Windows-1252; refuses what is not base64", () => {
    const utf8 = Buffer.from("Date,Amount,Label\n2026-11-16,1,Café\n", "utf8").toString("base64");
    expect(fileText(utf8, "base64")).toContain("Café");
    const latin = Buffer.from([0x43, 0x61, 0x66, 0xe9]).toString("base64");
    expect(fileText(latin, "base64")).toBe("Café");
    expect(refusal(() => fileText("not base64!", "base64")).message).toContain("not base64");
    expect(refusal(() => fileText("   ")).message).toBe("content is empty.");
  });
});

describe("fingerprints", () => {
  const line = { line: 1, date: "2026-11-18", amount: "-3.5", label: "Card payment" };
  it("are stable across spellings of one line and count identical lines", () => {
    const [a, b] = fingerprints(6, [line, { ...line, line: 2 }]);
    expect(a).not.toBe(b);
    const [again] = fingerprints(6, [{ ...line, line: 9, amount: "-3.50", label: "  CARD   payment" }]);
    expect(again).toBe(a);
    expect(a).toMatch(/^odoo-mcp import [0-9a-f]{20}$/);
  });
  it("differ by journal, date, amount, label and the bank's transaction id", () => {
    const [base] = fingerprints(6, [line]);
    for (const other of [
      fingerprints(7, [line]),
      fingerprints(6, [{ ...line, date: "2026-11-19" }]),
      fingerprints(6, [{ ...line, amount: "-3.51" }]),
      fingerprints(6, [{ ...line, label: "Card payment 2" }]),
      fingerprints(6, [{ ...line, reference: "TX-9" }]),
    ])
      expect(other[0]).not.toBe(base);
  });
});
