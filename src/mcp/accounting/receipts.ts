/**
 * Receipt files for `create_expense`: where the path points (`~` is the user's home, a relative path is taken
 * from the server's working directory when the request is made: the tool stores the absolute path with the
 * request, so whoever approves it, from whatever folder, attaches the same file), what the file really is
 * (judged by the signature at the start of its content, never by its name), how big it is (at most `MAX_RECEIPT_BYTES`), and its SHA-256, so that a file that changes between
 * the human's approval and the write is refused instead of attached.
 *
 * Codes: missing or unreadable file → `RECEIPT_NOT_FOUND`; a directory, an empty file, a file over the limit or
 * of another type → `VALIDATION_ERROR`.
 */
import { createHash } from "node:crypto";
import { constants } from "node:fs";
import { stat } from "node:fs/promises";
import { homedir } from "node:os";
import path from "node:path";
import { ToolError } from "../errors.js";
import { NotRegularFileError, openRegular } from "../fsutil/regular.js";

/** 10 MiB: a phone photo of a receipt is far below it; Odoo's own upload limit is larger. */
export const MAX_RECEIPT_BYTES = 10 * 1024 * 1024;

export type ReceiptKind = "pdf" | "png" | "jpeg" | "heic" | "heif" | "webp";

export const RECEIPT_TYPES: Readonly<Record<ReceiptKind, { mimetype: string; label: string }>> = {
  pdf: { mimetype: "application/pdf", label: "PDF" },
  png: { mimetype: "image/png", label: "PNG image" },
  jpeg: { mimetype: "image/jpeg", label: "JPEG image" },
  heic: { mimetype: "image/heic", label: "HEIC image" },
  heif: { mimetype: "image/heif", label: "HEIF image" },
  webp: { mimetype: "image/webp", label: "WebP image" },
};

export interface ReceiptFile {
  /** Absolute path after resolving `~` and the working directory. */
  path: string;
  /** The file name, used as the attachment's name in Odoo. */
  name: string;
  kind: ReceiptKind;
  mimetype: string;
  size: number;
  /** Hex SHA-256 of the content. */
  sha256: string;
}

export interface LoadedReceipt extends ReceiptFile {
  bytes: Buffer;
}

const HEIC_BRANDS = new Set(["heic", "heix", "heim", "heis", "hevc", "hevx", "hevm", "hevs"]);
const HEIF_BRANDS = new Set(["mif1", "msf1", "mif2"]);

/** The receipt type of `head` (the file's first bytes), by the signature at the offset its format fixes, or null. */
export function sniffReceiptType(head: Uint8Array): ReceiptKind | null {
  const b = Buffer.from(head.buffer, head.byteOffset, head.byteLength);
  if (b.length >= 8 && b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])))
    return "png";
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return "jpeg";
  // Every signature is judged where its format puts it: `%PDF-` at byte 0 (readers that look further would take
  // a text file quoting it for a PDF).
  if (b.length >= 5 && b.toString("latin1", 0, 5) === "%PDF-") return "pdf";
  if (b.length >= 12 && b.toString("latin1", 0, 4) === "RIFF" && b.toString("latin1", 8, 12) === "WEBP")
    return "webp";
  if (b.length >= 12 && b.toString("latin1", 4, 8) === "ftyp") {
    // ISO base media file: major brand at 8, then minor version, then compatible brands up to the box size.
    const boxSize = Math.min(b.readUInt32BE(0), b.length);
    const brands = [b.toString("latin1", 8, 12)];
    for (let at = 16; at + 4 <= boxSize; at += 4) brands.push(b.toString("latin1", at, at + 4));
    if (brands.some((brand) => HEIC_BRANDS.has(brand))) return "heic";
    if (brands.some((brand) => HEIF_BRANDS.has(brand))) return "heif";
  }
  return null;
}

/** `~`, `~/x` and relative paths resolved the way a person typing them in a shell would mean them. */
export function resolveReceiptPath(receiptPath: string, cwd: string = process.cwd()): string {
  const trimmed = receiptPath.trim();
  if (trimmed === "~") return homedir();
  if (trimmed.startsWith("~/") || trimmed.startsWith(`~${path.sep}`))
    return path.join(homedir(), trimmed.slice(2));
  return path.resolve(cwd, trimmed);
}

function notFound(receiptPath: string, resolved: string, why: string): ToolError {
  return new ToolError(
    "RECEIPT_NOT_FOUND",
    `Receipt file ${JSON.stringify(receiptPath)} ${why}${resolved !== receiptPath ? ` (looked at ${resolved})` : ""}. Give the path of an existing PDF, PNG, JPEG or HEIC file; relative paths are taken from the server's working directory.`,
    { receipt_path: receiptPath },
  );
}

/**
 * Reads and checks a receipt: it exists, is a regular file of at most `MAX_RECEIPT_BYTES`, and its content is a
 * PDF, PNG, JPEG, HEIC/HEIF or WebP. Answers the bytes with their size and SHA-256.
 */
export async function loadReceipt(receiptPath: string, cwd?: string): Promise<LoadedReceipt> {
  const resolved = resolveReceiptPath(receiptPath, cwd);
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(resolved);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw notFound(
      receiptPath,
      resolved,
      code === "EACCES" || code === "EPERM" ? "cannot be read (permission denied)" : "does not exist",
    );
  }
  if (info.isDirectory()) {
    throw new ToolError(
      "VALIDATION_ERROR",
      `receipt_path ${JSON.stringify(receiptPath)} is a directory; give the receipt file itself.`,
      { receipt_path: receiptPath },
    );
  }
  if (!info.isFile()) {
    throw new ToolError(
      "VALIDATION_ERROR",
      `receipt_path ${JSON.stringify(receiptPath)} is not a regular file.`,
    );
  }
  if (info.size > MAX_RECEIPT_BYTES) {
    throw new ToolError(
      "VALIDATION_ERROR",
      `The receipt ${path.basename(resolved)} is ${formatBytes(info.size)}; receipts may be at most ${formatBytes(MAX_RECEIPT_BYTES)}. Scan or export it smaller.`,
      { size: info.size, max_size: MAX_RECEIPT_BYTES },
    );
  }
  if (info.size === 0) {
    throw new ToolError("VALIDATION_ERROR", `The receipt ${path.basename(resolved)} is empty.`);
  }
  let bytes: Buffer;
  try {
    // Read through one handle with a hard cap, so that a file growing after stat() cannot blow the limit; opened
    // without blocking, so that a FIFO put in its place after the stat is refused instead of waited on. A link
    // the person made to a receipt is followed (what it points to must be a file).
    const handle = await openRegular(resolved, constants.O_RDONLY, { followSymlinks: true });
    try {
      const buffer = Buffer.alloc(MAX_RECEIPT_BYTES + 1);
      let length = 0;
      for (;;) {
        const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
        if (bytesRead === 0) break;
        length += bytesRead;
        if (length > MAX_RECEIPT_BYTES) break;
      }
      bytes = buffer.subarray(0, length);
    } finally {
      await handle.close();
    }
  } catch (error) {
    if (error instanceof NotRegularFileError)
      throw new ToolError(
        "VALIDATION_ERROR",
        `receipt_path ${JSON.stringify(receiptPath)} is not a regular file (it is ${error.kind}).`,
      );
    const code = (error as NodeJS.ErrnoException).code;
    throw notFound(
      receiptPath,
      resolved,
      code === "ENOENT" ? "does not exist" : "cannot be read (permission denied or I/O error)",
    );
  }
  if (bytes.length > MAX_RECEIPT_BYTES) {
    throw new ToolError(
      "VALIDATION_ERROR",
      `The receipt ${path.basename(resolved)} is larger than ${formatBytes(MAX_RECEIPT_BYTES)}.`,
      { max_size: MAX_RECEIPT_BYTES },
    );
  }
  const kind = sniffReceiptType(bytes.subarray(0, 4096));
  if (!kind) {
    throw new ToolError(
      "VALIDATION_ERROR",
      `The receipt ${path.basename(resolved)} is not a PDF, PNG, JPEG, HEIC/HEIF or WebP file (judged by its content, not its name).`,
      { receipt_path: receiptPath, accepted: Object.values(RECEIPT_TYPES).map((t) => t.mimetype) },
    );
  }
  return {
    path: resolved,
    name: path.basename(resolved),
    kind,
    mimetype: RECEIPT_TYPES[kind].mimetype,
    size: bytes.length,
    sha256: createHash("sha256").update(bytes).digest("hex"),
    bytes,
  };
}

/**
 * A document given inline as base64 (`create_vendor_bill`'s supplier PDF or image), checked like a receipt file:
 * at most `MAX_RECEIPT_BYTES`, not empty, and a PDF, PNG, JPEG, HEIC/HEIF or WebP by its content. Named `stem` and
 * the extension of what it is (never of what anyone says it is). `field` names it in errors. `path` is empty: it
 * never was a file here.
 */
export function decodeDocument(stem: string, base64: string, field: string): LoadedReceipt {
  const text = base64.replace(/\s+/g, "");
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 === 1) {
    throw new ToolError("VALIDATION_ERROR", `${field}.content is not base64.`);
  }
  // Checked before decoding: 4 characters carry 3 bytes.
  if (Math.floor((text.length * 3) / 4) - 2 > MAX_RECEIPT_BYTES) {
    throw new ToolError(
      "VALIDATION_ERROR",
      `${field} is larger than ${formatBytes(MAX_RECEIPT_BYTES)}; scan or export it smaller.`,
      { max_size: MAX_RECEIPT_BYTES },
    );
  }
  const bytes = Buffer.from(text, "base64");
  if (bytes.length === 0) throw new ToolError("VALIDATION_ERROR", `${field} is empty.`);
  if (bytes.length > MAX_RECEIPT_BYTES) {
    throw new ToolError("VALIDATION_ERROR", `${field} is larger than ${formatBytes(MAX_RECEIPT_BYTES)}.`, {
      size: bytes.length,
      max_size: MAX_RECEIPT_BYTES,
    });
  }
  const kind = sniffReceiptType(bytes.subarray(0, 4096));
  if (!kind) {
    throw new ToolError(
      "VALIDATION_ERROR",
      `${field} is not a PDF, PNG, JPEG, HEIC/HEIF or WebP file (judged by its content, not its name).`,
      { accepted: Object.values(RECEIPT_TYPES).map((t) => t.mimetype) },
    );
  }
  return {
    path: "",
    name: `${stem}.${kind === "jpeg" ? "jpg" : kind}`,
    kind,
    mimetype: RECEIPT_TYPES[kind].mimetype,
    size: bytes.length,
    sha256: createHash("sha256").update(bytes).digest("hex"),
    bytes,
  };
}

/** The receipt's description without its bytes (for facts and summaries). */
export function receiptFacts(receipt: ReceiptFile): ReceiptFile {
  const { path: p, name, kind, mimetype, size, sha256 } = receipt;
  return { path: p, name, kind, mimetype, size, sha256 };
}

export function formatBytes(size: number): string {
  if (size < 1024) return `${size} bytes`;
  if (size < 1024 * 1024) return `${(size / 1024).toFixed(1)} KiB`;
  return `${(size / (1024 * 1024)).toFixed(1)} MiB`;
}
