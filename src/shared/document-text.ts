import { inline } from "./display.js";
import type { RequestDocument } from "./document.js";

/**
 * A request document (document.ts) as plain text: the MCP client's prompt (the operation's `summary`) and the
 * terminal (`approvals show`/`approve`) print this one rendering. Every value is escaped and capped by
 * `display.ts` (it came from the agent or from Odoo); escaping twice changes nothing, so a surface that escapes
 * the whole text again shows the same.
 *
 * Layout: the name, the effect, its flags ("Warning: ..."), then the lines as a table (the description wraps in its own column, the numbers
 * are right-aligned), a batch's items numbered from 1, the amounts right-aligned under them, then the rows.
 */

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** `"2026-12-06"` → `"6 Dec 2026"`; anything else comes back as it is. */
export function dateText(iso: string | null | undefined): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso ?? "");
  const month = match ? MONTHS[Number(match[2]) - 1] : undefined;
  if (!match || !month) return iso ?? "";
  return `${Number(match[3])} ${month} ${match[1]}`;
}

/** An ISO timestamp in this machine's local time, as a person reads it: `"6 Dec 2026, 14:05"`. */
export function localTimeText(iso: string): string {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${at.getDate()} ${MONTHS[at.getMonth()]} ${at.getFullYear()}, ${pad(at.getHours())}:${pad(at.getMinutes())}`;
}

/**
 * Terminal columns a character takes: a combining mark none, an East Asian wide or fullwidth character (or an
 * emoji) two, any other one. Columns line up by this, not by the count of characters: a description of combining
 * marks or of wide characters would otherwise shift its row's numbers under another column's heading.
 */
const COMBINING = /[\p{Mn}\p{Me}]/u;
const WIDE =
  /[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6\u{1f300}-\u{1f64f}\u{1f900}-\u{1f9ff}\u{20000}-\u{3fffd}]/u;
const charColumns = (char: string) => (COMBINING.test(char) ? 0 : WIDE.test(char) ? 2 : 1);
/** The columns `text` takes on a terminal (see `charColumns`). */
const length = (text: string) => Array.from(text).reduce((sum, char) => sum + charColumns(char), 0);

/** The longest start of `text` that fits in `width` columns (one character at least), and the rest. */
function cut(text: string, width: number): [string, string] {
  const chars = Array.from(text);
  let used = 0;
  let count = 0;
  while (count < chars.length && (count === 0 || used + charColumns(chars[count] ?? "") <= width)) {
    used += charColumns(chars[count] ?? "");
    count += 1;
  }
  return [chars.slice(0, count).join(""), chars.slice(count).join("")];
}

/**
 * Words of `text` in lines of at most `width` columns (a longer word is cut); the lines after the first at most
 * `restWidth` (a hanging indent).
 */
export function wrap(text: string, width: number, restWidth = width): string[] {
  const lines: string[] = [];
  let line = "";
  const room = () => (lines.length === 0 ? width : restWidth);
  for (const word of text.split(" ")) {
    let rest = word;
    while (length(rest) > room()) {
      if (line) lines.push(line);
      line = "";
      const [head, tail] = cut(rest, room());
      lines.push(head);
      rest = tail;
    }
    if (!line) line = rest;
    else if (length(`${line} ${rest}`) <= room()) line = `${line} ${rest}`;
    else {
      lines.push(line);
      line = rest;
    }
  }
  if (line || lines.length === 0) lines.push(line);
  return lines;
}

const padEnd = (text: string, width: number) => text + " ".repeat(Math.max(0, width - length(text)));
const padStart = (text: string, width: number) => " ".repeat(Math.max(0, width - length(text))) + text;

type Column = "quantity" | "unit_price" | "taxes" | "subtotal";
const HEADERS: Record<Column, string> = {
  quantity: "Qty",
  unit_price: "Unit price",
  taxes: "Taxes",
  subtotal: "Subtotal",
};

/** The table of lines, `width` characters wide at most; the description column takes what the numbers leave. */
function linesTable(lines: NonNullable<RequestDocument["lines"]>, width: number): string[] {
  const rows = lines.slice(0, 100).map((line) => ({
    description: inline(line.description, 300),
    quantity: inline(line.quantity, 20),
    unit_price: inline(line.unit_price, 40),
    taxes: inline(line.taxes ?? "", 30),
    subtotal: inline(line.subtotal, 40),
  }));
  const keys: Column[] = rows.some((row) => row.taxes !== "")
    ? ["quantity", "unit_price", "taxes", "subtotal"]
    : ["quantity", "unit_price", "subtotal"];
  const columns = keys.map((key) => ({
    key,
    width: Math.max(length(HEADERS[key]), ...rows.map((row) => length(row[key]))),
  }));
  const used = columns.reduce((sum, column) => sum + column.width + 2, 2);
  const longest = Math.max(length("Description"), ...rows.map((row) => length(row.description)));
  const describe = Math.max(16, Math.min(longest, width - used));
  // Numbers right-aligned; the taxes (names) left-aligned.
  const cells = (description: string, value: (key: Column) => string) =>
    `  ${padEnd(description, describe)}${columns
      .map((c) => `  ${c.key === "taxes" ? padEnd(value(c.key), c.width) : padStart(value(c.key), c.width)}`)
      .join("")}`.trimEnd();
  const out = [cells("Description", (key) => HEADERS[key])];
  for (const row of rows) {
    // The rest of a long description hangs under its first line (indented): it reads as that line's, never as a
    // line or an amount of its own.
    const [first = "", ...more] = wrap(row.description, describe, describe - 2);
    out.push(cells(first, (key) => row[key]));
    for (const line of more) out.push(`    ${line}`);
  }
  if (lines.length > rows.length) out.push(`  … ${lines.length - rows.length} more lines`);
  return out;
}

/** At most this many of a batch's items are written out (a batch that big is refused long before, by size). */
const MAX_ITEMS = 500;

/**
 * A batch's items, numbered from 1 as a person chooses them (`approvals approve ID --only 1,3`): each its title
 * (the rest of a long one under its start) and its amount on the right, its rows indented under it.
 */
function itemsText(items: NonNullable<RequestDocument["items"]>, width: number): string[] {
  const shown = items.slice(0, MAX_ITEMS);
  const amounts = shown.map((item) => inline(item.amount, 40));
  const amountWidth = Math.max(0, ...amounts.map(length));
  const digits = String(shown.length).length;
  const indent = " ".repeat(digits + 6);
  const room = Math.max(20, width - amountWidth - digits - 6);
  const out = [`Items (${items.length}):`];
  shown.forEach((item, index) => {
    const [first = "", ...more] = wrap(inline(item.title, 300), room, room - 2);
    const head = `  ${padStart(String(index + 1), digits)}. ${padEnd(first, room)}  ${padStart(amounts[index] ?? "", amountWidth)}`;
    out.push(head.trimEnd());
    for (const line of more) out.push(`${" ".repeat(digits + 4)}${line}`);
    for (const row of item.rows.slice(0, 20))
      for (const line of wrap(`${inline(row.label, 40)}: ${inline(row.value, 300)}`, room, room - 2))
        out.push(`${indent}${line}`);
  });
  if (items.length > shown.length) out.push(`  … ${items.length - shown.length} more items`);
  return out;
}

/**
 * The document as lines of text, at most about `width` characters wide (a long value wraps). `name: false` leaves
 * the name out, for a surface that shows it in its own first line.
 */
export function documentText(doc: RequestDocument, options: { width?: number; name?: boolean } = {}): string {
  const width = options.width ?? 100;
  // The rest of a long name or effect hangs under its first line: text the agent chose (a customer's name, an
  // email) cannot start a line of its own at the left edge, where it would read as the effect ("Nothing is sent.").
  const hanging = (text: string) => {
    const [first = "", ...more] = wrap(text, width, width - 4);
    return [first, ...more.map((line) => `    ${line}`)];
  };
  const out: string[] = [
    ...(options.name === false ? [] : hanging(inline(doc.name, 300))),
    ...hanging(inline(doc.effect, 1000)),
    ...(doc.flags ?? []).slice(0, 10).flatMap((flag) => hanging(`Warning: ${inline(flag, 400)}`)),
  ];
  const table = doc.lines && doc.lines.length > 0 ? linesTable(doc.lines, width) : [];
  if (table.length > 0) out.push("", ...table);
  if (doc.items && doc.items.length > 0) out.push("", ...itemsText(doc.items, width));
  if (doc.amounts.length > 0) {
    const amounts = doc.amounts.map((a) => ({ label: inline(a.label, 60), amount: inline(a.amount, 40) }));
    const amountWidth = Math.max(...amounts.map((a) => length(a.amount)));
    const labelWidth = Math.max(...amounts.map((a) => length(a.label)));
    // Right-aligned under the table's last column (or against the text's right edge without lines).
    const right = Math.max(0, ...table.map(length), labelWidth + amountWidth + 4);
    out.push("", ...amounts.map((a) => padStart(`${a.label}  ${padStart(a.amount, amountWidth)}`, right)));
  }
  const rows = [...(doc.party ? [{ label: doc.party.role, value: doc.party.name }] : []), ...doc.rows];
  if (rows.length > 0) {
    const labels = rows.map((row) => inline(row.label, 40));
    const labelWidth = Math.max(...labels.map(length));
    out.push("");
    rows.forEach((row, index) => {
      const [first = "", ...more] = wrap(inline(row.value, 600), Math.max(30, width - labelWidth - 4));
      out.push(`  ${padEnd(labels[index] ?? "", labelWidth)}  ${first}`);
      for (const line of more) out.push(`  ${" ".repeat(labelWidth)}  ${line}`);
    });
  }
  return out.join("\n");
}
