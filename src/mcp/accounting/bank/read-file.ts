/**
 * The statement file as the tool receives it: text (or base64 of the file's bytes, decoded as UTF-8, else as
 * Windows-1252, the usual charset of OFX 1.x), bounded, its format given or recognised, parsed to lines.
 */

import { parseCamt053 } from "./camt053.js";
import { type CsvMapping, parseCsv } from "./csv.js";
import { parseOfx } from "./ofx.js";
import { invalid, MAX_CONTENT_CHARS, type ParsedStatement } from "./statement-line.js";

export const STATEMENT_FORMATS = ["csv", "ofx", "camt053"] as const;
export type StatementFormat = (typeof STATEMENT_FORMATS)[number];

export interface StatementFile {
  content: string;
  encoding?: "text" | "base64";
  format?: StatementFormat;
  csv?: CsvMapping;
}

/** The file's text: base64 decoded and checked, a byte-order mark dropped, bounded. */
export function fileText(content: string, encoding: "text" | "base64" = "text"): string {
  let text = content;
  if (encoding === "base64") {
    const compact = content.replace(/\s+/g, "");
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact) || compact.length % 4 === 1) {
      throw invalid("content is not base64 (encoding is base64).");
    }
    if ((compact.length / 4) * 3 > MAX_CONTENT_CHARS)
      throw invalid(`The file is larger than ${MAX_CONTENT_CHARS} bytes; split it.`);
    const bytes = Buffer.from(compact, "base64");
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    } catch {
      text = new TextDecoder("windows-1252").decode(bytes);
    }
  }
  if (text.length > MAX_CONTENT_CHARS)
    throw invalid(`The file is longer than ${MAX_CONTENT_CHARS} characters; split it.`);
  text = text.replace(/^\ufeff/, "");
  if (!text.trim()) throw invalid("content is empty.");
  if (text.includes("\u0000"))
    throw invalid("content holds NUL characters: give the file's text, or base64 with encoding base64.");
  return text;
}

/** The format a file's text shows: CAMT.053 XML, OFX (1.x header or 2.x), else null. */
export function detectFormat(text: string): StatementFormat | null {
  const head = text.slice(0, 4096);
  if (/<BkToCstmrStmt[\s>]/.test(text.slice(0, 65536)) || /camt\.053/i.test(head)) return "camt053";
  if (/^\s*OFXHEADER\s*:/i.test(head) || /<\?OFX\s/i.test(head) || /<OFX>/i.test(head)) return "ofx";
  return null;
}

export function readStatementFile(file: StatementFile): { format: StatementFormat; parsed: ParsedStatement } {
  const text = fileText(file.content, file.encoding);
  const detected = detectFormat(text);
  const format = file.format ?? detected ?? (file.csv ? "csv" : null);
  if (!format) {
    throw invalid(
      "The file is not OFX or CAMT.053; for a CSV file give format csv and the csv column mapping.",
    );
  }
  if (format === "csv") {
    if (!file.csv)
      throw invalid("csv: a CSV file needs its column mapping (date, amount or debit/credit, label).");
    return { format, parsed: parseCsv(text, file.csv) };
  }
  if (file.csv) throw invalid(`csv is only for CSV files; this is ${format}.`);
  return { format, parsed: format === "ofx" ? parseOfx(text) : parseCamt053(text) };
}
