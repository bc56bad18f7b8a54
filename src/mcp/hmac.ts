import { createHash, createHmac, timingSafeEqual } from "node:crypto";

/**
 * The one place the product computes and compares HMAC-SHA256 (approval seals, lock signatures, the links of the
 * approval journal and the audit log). The encodings are those the files already hold: changing one here would
 * make every existing seal and link fail to verify.
 */
export type DigestEncoding = "hex" | "base64url";

export function hmac(key: Buffer, data: string, encoding: DigestEncoding): string {
  return createHmac("sha256", key).update(data).digest(encoding);
}

export function sha256(data: string | Uint8Array, encoding: DigestEncoding): string {
  return createHash("sha256").update(data).digest(encoding);
}

/** HMAC-SHA256 with a key; plain SHA-256 without one (a chain anyone can recompute, passphrase mode). */
export function keyedDigest(key: Buffer | undefined, data: string, encoding: DigestEncoding): string {
  return key ? hmac(key, data, encoding) : sha256(data, encoding);
}

/** A sub-key for `purpose`, so that one secret never signs two kinds of thing. */
export function deriveKey(key: Buffer, purpose: string): Buffer {
  return createHmac("sha256", key).update(`odoo-mcp/${purpose}`).digest();
}

/** Whether a signature given from outside is the expected one, in time that does not tell how much of it was. */
export function sameSignature(expected: string, given: unknown): boolean {
  if (typeof given !== "string") return false;
  const x = Buffer.from(expected);
  const y = Buffer.from(given);
  return x.length === y.length && timingSafeEqual(x, y);
}
