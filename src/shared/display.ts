/**
 * Text that a person reads (terminal, elicitation prompt, the app) goes through here. An argument chosen by the
 * agent must not be able to rewrite what the screen shows next to it: terminal escape sequences, carriage
 * returns, backspaces and the other C0/C1 controls, bidirectional overrides and invisible format characters are
 * shown as visible escapes (`\x1b`, `\r`, `\u202e`), and every value is capped. In a one-line value a newline is
 * escaped too, so that a line description cannot start a line of its own (a fake "Total:", say).
 */

/**
 * C0 controls, DEL, C1 controls; bidirectional embeddings/overrides/isolates and marks; zero-width, invisible and
 * variation-selector format characters. Written as code point ranges: matching exactly these is the point.
 */
const RANGES: [number, number][] = [
  [0x00, 0x1f],
  [0x7f, 0x9f],
  [0xad, 0xad],
  [0x34f, 0x34f],
  [0x61c, 0x61c],
  [0x115f, 0x1160],
  [0x180e, 0x180e],
  [0x200b, 0x200f],
  [0x202a, 0x202e],
  [0x2028, 0x2029],
  [0x2060, 0x2064],
  [0x2066, 0x206f],
  [0x3164, 0x3164],
  [0xfe00, 0xfe0f],
  [0xfeff, 0xfeff],
  [0xffa0, 0xffa0],
  [0xfff9, 0xfffb],
  [0xe0000, 0xe007f],
];
const hex = (n: number) => `\\u{${n.toString(16)}}`;
const UNSAFE = new RegExp(
  `[${RANGES.map(([a, b]) => (a === b ? hex(a) : `${hex(a)}-${hex(b)}`)).join("")}]`,
  "gu",
);

const NAMED: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };
/**
 * Runs of spaces (which could push what follows off a line, or align an agent's "Total 1.00 USD" under the real
 * amounts) shown as one: every space a font draws as a gap, not the ASCII one alone (U+00A0, U+2003, U+3000...).
 */
const SPACES = /[ \u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]{2,}/gu;

function escapeChar(char: string): string {
  const named = NAMED[char];
  if (named) return named;
  const code = char.codePointAt(0) ?? 0;
  if (code <= 0xff) return `\\x${code.toString(16).padStart(2, "0")}`;
  return code <= 0xffff ? `\\u${code.toString(16).padStart(4, "0")}` : `\\u{${code.toString(16)}}`;
}

/** One line of text: every control (newlines included) and format character escaped; at most `max` characters. */
export function inline(value: unknown, max = 200): string {
  const text = typeof value === "string" ? value : value === undefined ? "" : String(value);
  return cap(text.replace(UNSAFE, escapeChar).replace(SPACES, " "), max);
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

/**
 * Pretty JSON that is safe on a terminal and still valid JSON: what JSON leaves raw (DEL, C1 controls, bidi
 * overrides, invisible format characters) becomes `\uXXXX` escapes.
 */
export function jsonForTerminal(value: unknown): string {
  const text = JSON.stringify(value, null, 2) ?? "null";
  return text.replace(UNSAFE, (char) => {
    const code = char.codePointAt(0) ?? 0;
    if (code < 0x20) return char; // JSON escapes these inside strings; outside, they are its own layout
    if (code <= 0xffff) return `\\u${code.toString(16).padStart(4, "0")}`;
    const high = Math.floor((code - 0x10000) / 0x400) + 0xd800;
    const low = ((code - 0x10000) % 0x400) + 0xdc00;
    return `\\u${high.toString(16)}\\u${low.toString(16)}`;
  });
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
