/**
 * A bank's CSV export, read with the column mapping the person or agent gives: which column holds the date, the
 * amount (or debit and credit), the label, and optionally the partner and the bank's transaction id; how dates and amounts are written. RFC 4180 quoting (a quoted field may hold the delimiter, quotes
 * doubled, line breaks). A row whose date or amount cannot be read is a VALIDATION_ERROR naming its line and
 * column: a wrong mapping is refused whole rather than half imported.
 */
import {
  calendarDate,
  cleanText,
  invalid,
  MAX_LINES,
  negate,
  type ParsedStatement,
  plainDecimal,
  type StatementLine,
} from "./statement-line.js";

export const DELIMITERS = [",", ";", "\t", "|"] as const;
export const DECIMAL_SEPARATORS = [".", ","] as const;
export const THOUSANDS_SEPARATORS = ["", ",", ".", " ", "'"] as const;

export interface CsvMapping {
  /** Columns: a header's name, or the column's number counted from 1. */
  date: string;
  amount?: string;
  debit?: string;
  credit?: string;
  label: string;
  partner?: string;
  reference?: string;
  /** DD, MM and YYYY (or YY) with one separator or none: `DD/MM/YYYY`, `MM/DD/YYYY`, `YYYY-MM-DD`, `YYYYMMDD`. */
  date_format?: string;
  decimal?: (typeof DECIMAL_SEPARATORS)[number];
  thousands?: (typeof THOUSANDS_SEPARATORS)[number];
  header?: boolean;
  delimiter?: (typeof DELIMITERS)[number];
}

interface Row {
  line: number;
  cells: string[];
}

/** RFC 4180 records with the line each starts on; blank lines skipped. */
export function csvRows(text: string, delimiter: string): Row[] {
  const rows: Row[] = [];
  let cells: string[] = [];
  let cell = "";
  let quoted = false;
  let line = 1;
  let start = 1;
  let touched = false;
  const endRow = () => {
    cells.push(cell);
    if (touched || cells.length > 1 || cell.trim() !== "") rows.push({ line: start, cells });
    cells = [];
    cell = "";
    touched = false;
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          cell += '"';
          i++;
        } else quoted = false;
      } else {
        if (ch === "\n") line++;
        cell += ch;
      }
      continue;
    }
    if (ch === '"' && cell.trim() === "") {
      quoted = true;
      touched = true;
      cell = "";
    } else if (ch === delimiter) {
      cells.push(cell);
      cell = "";
      touched = true;
    } else if (ch === "\n" || ch === "\r") {
      if (ch === "\r" && text[i + 1] === "\n") i++;
      endRow();
      line++;
      start = line;
    } else cell += ch;
    if (rows.length > MAX_LINES + 1) throw invalid(`The file has more than ${MAX_LINES} rows; split it.`);
  }
  if (quoted) throw invalid(`CSV line ${start}: a quoted field is never closed.`);
  if (cell !== "" || cells.length || touched) endRow();
  return rows;
}

/** The delimiter of the first row: the candidate found most often outside quotes. */
export function detectDelimiter(text: string): (typeof DELIMITERS)[number] {
  const first = text.split(/\r?\n/, 1)[0]?.replace(/"[^"]*"/g, "") ?? "";
  let best: (typeof DELIMITERS)[number] = ",";
  let count = 0;
  for (const d of DELIMITERS) {
    const n = first.split(d).length - 1;
    if (n > count) {
      best = d;
      count = n;
    }
  }
  return best;
}

const FORMAT_RE = /^(DD|MM|YYYY|YY)([/.\- ]?)(DD|MM|YYYY|YY)\2(DD|MM|YYYY|YY)$/;

/** A date reader for a format such as `DD/MM/YYYY`; throws naming the format when it is not one. */
export function dateReader(format: string): (text: string) => string | null {
  const match = FORMAT_RE.exec(format.trim().toUpperCase());
  const parts = match ? [match[1], match[3], match[4]] : [];
  const sorted = [...parts]
    .map((p) => (p === "YY" ? "YYYY" : p))
    .sort()
    .join();
  if (!match || sorted !== "DD,MM,YYYY") {
    throw invalid(
      `csv.date_format ${JSON.stringify(format)} is not a date format: write it with DD, MM and YYYY (or YY) and one separator, e.g. DD/MM/YYYY, MM/DD/YYYY, YYYY-MM-DD.`,
    );
  }
  const sep = match[2] ?? "";
  const width = (p: string | undefined) =>
    p === "YYYY" ? "\\d{4}" : p === "YY" ? "\\d{2}" : sep ? "\\d{1,2}" : "\\d{2}";
  const escaped = sep.replace(/[.\-/]/g, "\\$&");
  const re = new RegExp(`^(${width(parts[0])})${escaped}(${width(parts[1])})${escaped}(${width(parts[2])})$`);
  return (text) => {
    const m = re.exec(text.trim());
    if (!m) return null;
    const value: Record<string, number> = {};
    parts.forEach((p, i) => {
      const n = Number(m[i + 1]);
      value[p === "YY" ? "YYYY" : (p ?? "")] = p === "YY" ? 2000 + n : n;
    });
    return calendarDate(value.YYYY ?? 0, value.MM ?? 0, value.DD ?? 0);
  };
}

/**
 * An amount as the file writes it, to an exact decimal string: `1.234,56`, `-12.50`, `12.50-`, `(12.50)`, `+3`.
 * A thousands separator must group digits by three; anything else is null.
 */
export function readAmount(text: string, decimal: string, thousands: string): string | null {
  let t = text.replace(/[\u00a0\u202f]/g, " ").trim();
  let negative = false;
  if (/^\(.*\)$/.test(t)) {
    negative = true;
    t = t.slice(1, -1).trim();
  }
  if (t.endsWith("-")) {
    negative = !negative;
    t = t.slice(0, -1).trim();
  }
  const sign = /^[+-]/.exec(t)?.[0];
  if (sign) {
    if (sign === "-") negative = !negative;
    t = t.slice(1).trim();
  }
  const [whole = "", fraction, extra] = t.split(decimal);
  if (extra !== undefined || !/^\d*$/.test(fraction ?? "")) return null;
  let digits = whole;
  if (thousands && whole.includes(thousands)) {
    const groups = whole.split(thousands);
    if (!/^\d{1,3}$/.test(groups[0] ?? "") || groups.slice(1).some((g) => !/^\d{3}$/.test(g))) return null;
    digits = groups.join("");
  }
  if (!/^\d*$/.test(digits) || (digits === "" && !fraction)) return null;
  const value = plainDecimal(`${digits || "0"}${fraction ? `.${fraction}` : ""}`);
  if (value === null) return null;
  return negative ? negate(value) : value;
}

function columnIndex(name: string, header: string[] | null, field: string): number {
  const wanted = name.trim();
  if (header) {
    const at = header.findIndex((h) => h.trim().toLowerCase() === wanted.toLowerCase());
    if (at >= 0) return at;
  }
  if (/^[1-9]\d{0,2}$/.test(wanted)) return Number(wanted) - 1;
  throw invalid(
    header
      ? `csv.${field}: no column ${JSON.stringify(wanted)} in the header (${header.map((h) => JSON.stringify(h.trim())).join(", ")}); give a header's name or the column's number from 1.`
      : `csv.${field}: the file has no header row, so give the column's number from 1, not ${JSON.stringify(wanted)}.`,
    { columns: header ?? [] },
  );
}

export function parseCsv(text: string, mapping: CsvMapping): ParsedStatement {
  if (!mapping.amount && !(mapping.debit || mapping.credit)) {
    throw invalid("csv: give the amount column, or the debit and credit columns.");
  }
  if (mapping.amount && (mapping.debit || mapping.credit)) {
    throw invalid("csv: give either the amount column or the debit and credit columns, not both.");
  }
  const decimal = mapping.decimal ?? ".";
  const thousands = mapping.thousands ?? "";
  if (thousands === decimal) throw invalid("csv.thousands cannot be the decimal separator.");
  const readDate = dateReader(mapping.date_format ?? "YYYY-MM-DD");
  const rows = csvRows(text, mapping.delimiter ?? detectDelimiter(text));
  const hasHeader = mapping.header ?? true;
  const header = hasHeader ? (rows.shift()?.cells ?? null) : null;
  if (hasHeader && !header) throw invalid("The CSV file is empty.");
  const col = (field: keyof CsvMapping) => {
    const name = mapping[field];
    return typeof name === "string" && name.trim() ? columnIndex(name, header, field) : undefined;
  };
  const at = {
    date: col("date") as number,
    amount: col("amount"),
    debit: col("debit"),
    credit: col("credit"),
    label: col("label") as number,
    partner: col("partner"),
    reference: col("reference"),
  };
  const lines: StatementLine[] = [];
  for (const row of rows) {
    const cell = (index: number | undefined) => (index === undefined ? "" : (row.cells[index] ?? "").trim());
    const where = (field: string, index: number | undefined) =>
      `CSV line ${row.line}, column ${header && index !== undefined ? JSON.stringify((header[index] ?? "").trim()) : (index ?? 0) + 1} (${field})`;
    const dateText = cell(at.date);
    const date = readDate(dateText);
    if (!date) {
      throw invalid(
        `${where("date", at.date)}: ${JSON.stringify(dateText)} is not a date written ${mapping.date_format ?? "YYYY-MM-DD"}.`,
        { line: row.line },
      );
    }
    const amountOf = (field: string, index: number | undefined, empty: boolean): string | null => {
      const raw = cell(index);
      if (raw === "" && empty) return null;
      const value = readAmount(raw, decimal, thousands);
      if (value === null) {
        throw invalid(
          `${where(field, index)}: ${JSON.stringify(raw)} is not an amount with "${decimal}" decimals${thousands ? ` and "${thousands}" thousands` : " and no thousands separator"}.`,
          { line: row.line },
        );
      }
      return value;
    };
    let amount: string;
    if (at.amount !== undefined) amount = amountOf("amount", at.amount, false) ?? "0";
    else {
      const credit = amountOf("credit", at.credit, true);
      const debit = amountOf("debit", at.debit, true);
      if (credit === null && debit === null) {
        throw invalid(`CSV line ${row.line}: both the debit and the credit are empty.`, { line: row.line });
      }
      if (
        credit !== null &&
        debit !== null &&
        !/^-?0*(\.0*)?$/.test(credit) &&
        !/^-?0*(\.0*)?$/.test(debit)
      ) {
        throw invalid(`CSV line ${row.line}: both a debit and a credit; a line is one or the other.`, {
          line: row.line,
        });
      }
      const abs = (a: string) => a.replace(/^-/, "");
      amount = credit !== null && !/^-?0*(\.0*)?$/.test(credit) ? abs(credit) : negate(abs(debit ?? "0"));
    }
    const text = (index: number | undefined) => cleanText(cell(index)) || undefined;
    lines.push({
      line: row.line,
      date,
      amount,
      label: cleanText(cell(at.label)),
      ...(text(at.partner) ? { partnerName: text(at.partner) } : {}),
      ...(text(at.reference) ? { reference: text(at.reference) } : {}),
    });
  }
  return { lines, refused: [] };
}
