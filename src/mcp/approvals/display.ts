/**
 * Text that a person reads (terminal, elicitation prompt, the app) goes through here. An argument chosen by the
 * agent must not be able to rewrite what the screen shows next to it: terminal escape sequences, carriage
 * returns, backspaces and the other C0/C1 controls, bidirectional overrides and invisible format characters are
 * shown as visible escapes (`\x1b`, `\r`, `\u202e`), and every value is capped. In a one-line value a newline is
 * escaped too, so that a line description cannot start a line of its own (a fake "Total:", say).
 */

/** C0 controls, DEL, C1 controls. */
const CONTROLS = /[\u0000-\u001f\u007f-\u009f]/;
/** Bidirectional embeddings/overrides/isolates, marks, and zero-width or invisible format characters. */
const FORMAT =
  /[\u061c\u115f\u1160\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff9-\ufffb]/;
const UNSAFE = new RegExp(`${CONTROLS.source}|${FORMAT.source}`, "gu");

const NAMED: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

function escapeChar(char: string): string {
  const named = NAMED[char];
  if (named) return named;
  const code = char.codePointAt(0) ?? 0;
  return code <= 0xff
    ? `\\x${code.toString(16).padStart(2, "0")}`
    : `\\u${code.toString(16).padStart(4, "0")}`;
}

/** One line of text: every control (newlines included) and format character escaped; at most `max` characters. */
export function inline(value: unknown, max = 200): string {
  const text = typeof value === "string" ? value : value === undefined ? "" : String(value);
  return cap(text.replace(UNSAFE, escapeChar), max);
}

/** Several lines: newlines kept, every other control and format character escaped, each line capped. */
export function multiline(value: string, maxLines = 40, maxLine = 300): string {
  const lines = value.split("\n").map((line) => inline(line, maxLine));
  if (lines.length <= maxLines) return lines.join("\n");
  return [...lines.slice(0, maxLines), `… (${lines.length - maxLines} more lines)`].join("\n");
}

/** JSON for a person: JSON escapes C0 controls itself; C1, format characters and bidi overrides are escaped here. */
export function safeJson(value: unknown, max = 4000): string {
  const text = JSON.stringify(value) ?? "null";
  return cap(
    text.replace(UNSAFE, (char) => `\\u${(char.codePointAt(0) ?? 0).toString(16).padStart(4, "0")}`),
    max,
  );
}

function cap(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : `${chars.slice(0, Math.max(0, max - 1)).join("")}…`;
}

/** Whether a string holds a NUL anywhere (refused in every tool argument). */
export function findNul(value: unknown, path: (string | number)[] = []): (string | number)[] | null {
  if (typeof value === "string") return value.includes("\u0000") ? path : null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findNul(value[i], [...path, i]);
      if (found) return found;
    }
    return null;
  }
  if (value && typeof value === "object") {
    for (const [key, item] of Object.entries(value)) {
      if (key.includes("\u0000")) return [...path, key];
      const found = findNul(item, [...path, key]);
      if (found) return found;
    }
  }
  return null;
}
