/**
 * Looks for known secrets in bytes the product wrote: as they are, URL-encoded, JSON-escaped, in hex, and in
 * base64 (standard and URL-safe, at each of the three alignments a secret can have inside a longer base64 text).
 * PDFs are read inside too: their compressed streams are inflated and their hex strings decoded.
 */
import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { inflateSync } from "node:zlib";

export interface Secret {
  name: string;
  value: string;
}

export interface Finding {
  where: string;
  secret: string;
  form: string;
  /** The text around the hit (the secret shown as «secret»), to find where it came from. */
  context: string;
}

/** Every written form of `value` worth looking for (at least 8 characters each, so no accidental hit). */
export function forms(value: string): [string, string][] {
  const bytes = Buffer.from(value, "utf8");
  const out: [string, string][] = [
    ["raw", value],
    ["url-encoded", encodeURIComponent(value)],
    ["form-encoded", new URLSearchParams({ x: value }).toString().slice(2)],
    ["json-escaped", JSON.stringify(value).slice(1, -1)],
    ["hex", bytes.toString("hex")],
  ];
  for (let shift = 0; shift < 3; shift++) {
    const padded = Buffer.concat([Buffer.alloc(shift), bytes]);
    for (const alphabet of ["base64", "base64url"] as const) {
      const text = padded.toString(alphabet).replace(/=+$/, "");
      // Characters that depend on the secret's bytes only: skip the group holding the padding, and the last
      // group (it depends on what follows the secret).
      const start = shift === 0 ? 0 : 4;
      const end = Math.floor((padded.length / 3) * 4) - 4;
      const core = text.slice(start, Math.max(start, end));
      if (core.length >= 8) out.push([`${alphabet} (offset ${shift})`, core]);
    }
  }
  return out.filter(([, text]) => text.length >= 8);
}

/** The text of a PDF a person can see or a program can extract: raw bytes, inflated streams, hex strings. */
export function pdfTexts(bytes: Buffer): string[] {
  const raw = bytes.toString("latin1");
  const texts = [raw];
  const streamRe = /stream\r?\n/g;
  for (let match = streamRe.exec(raw); match; match = streamRe.exec(raw)) {
    const start = match.index + match[0].length;
    const end = raw.indexOf("endstream", start);
    if (end < 0) break;
    try {
      texts.push(inflateSync(bytes.subarray(start, end)).toString("latin1"));
    } catch {
      // not a deflated stream (an image, say): its raw bytes are in `raw` already
    }
  }
  const decoded: string[] = [];
  for (const text of texts) {
    const pieces: string[] = [];
    for (const hex of text.match(/<([0-9A-Fa-f\s]+)>/g) ?? []) {
      const clean = hex.slice(1, -1).replace(/\s+/g, "");
      const buf = Buffer.from(clean.length % 2 === 0 ? clean : `${clean}0`, "hex");
      decoded.push(buf.toString("latin1"));
      pieces.push(buf.toString("latin1"));
      // A text string in UTF-16BE (it starts with the byte order mark FE FF).
      if (buf[0] === 0xfe && buf[1] === 0xff && buf.length % 2 === 0)
        decoded.push(Buffer.from(buf).swap16().toString("utf16le"));
    }
    // Text shown with kerning is split into several hex strings (a TJ array): read them joined as well.
    decoded.push(pieces.join(""));
  }
  return [...texts, ...decoded];
}

/** Every text a file holds for the scan: UTF-8 and Latin-1 readings, and a PDF's insides. */
export function fileTexts(bytes: Buffer): string[] {
  const texts = [bytes.toString("utf8"), bytes.toString("latin1")];
  if (bytes.subarray(0, 5).toString("latin1") === "%PDF-") texts.push(...pdfTexts(bytes));
  return texts;
}

export function scanText(where: string, texts: string[], secrets: Secret[]): Finding[] {
  const findings: Finding[] = [];
  for (const secret of secrets) {
    for (const [form, needle] of forms(secret.value)) {
      const text = texts.find((candidate) => candidate.includes(needle));
      if (text === undefined) continue;
      const at = text.indexOf(needle);
      const context = `${text.slice(Math.max(0, at - 60), at)}«secret»${text.slice(at + needle.length, at + needle.length + 60)}`;
      findings.push({ where, secret: secret.name, form, context });
    }
  }
  return findings;
}

/** Every regular file under `root` (recursively), with its bytes. */
export async function filesUnder(root: string): Promise<{ file: string; bytes: Buffer }[]> {
  const out: { file: string; bytes: Buffer }[] = [];
  for (const name of await readdir(root, { recursive: true })) {
    const file = path.join(root, String(name));
    const info = await stat(file).catch(() => null);
    if (info?.isFile()) out.push({ file, bytes: await readFile(file) });
  }
  return out;
}
