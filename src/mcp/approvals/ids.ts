import { createHash, randomBytes } from "node:crypto";

/** `apr_` + 26 characters of RFC 4648 base32 (lower case): 130 random bits. */
export const APPROVAL_ID_PATTERN = /^apr_[a-z2-7]{26}$/;
const ALPHABET = "abcdefghijklmnopqrstuvwxyz234567";

export function newApprovalId(): string {
  const bytes = randomBytes(26);
  let out = "apr_";
  // 256 is a multiple of 32, so masking keeps every character equally likely.
  for (const byte of bytes) out += ALPHABET[byte & 31];
  return out;
}

/** Strict: only this exact shape ever becomes part of a path. */
export function isApprovalId(value: unknown): value is string {
  return typeof value === "string" && APPROVAL_ID_PATTERN.test(value);
}

/**
 * JSON with object keys sorted at every level, so that equal values always give equal bytes (hashes and
 * signatures depend on it). `undefined` members are left out, as `JSON.stringify` does.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map((item) => (item === undefined ? null : sortKeys(item)));
  if (value === null || typeof value !== "object") return value;
  if (typeof (value as { toJSON?: unknown }).toJSON === "function")
    return sortKeys((value as { toJSON(): unknown }).toJSON());
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const item = (value as Record<string, unknown>)[key];
    if (item !== undefined) out[key] = sortKeys(item);
  }
  return out;
}

/**
 * sha256 (hex) of the canonical JSON of `{tool, args}`, and of the request's `binding` (what it is about in Odoo,
 * by id) when it has one: a decision signs this hash, and a person's surface decides with the hash of what it
 * showed, so neither the arguments nor the binding can change under a decision. Without a binding (requests
 * made before bindings existed) the hash is the one they were stored with.
 */
export function computeArgsHash(tool: string, args: unknown, binding?: unknown): string {
  return createHash("sha256").update(canonicalJson({ tool, args, binding })).digest("hex");
}

/** sha256 (hex) of the canonical JSON of a request document a person was shown (kept with their decision). */
export function documentDigest(document: unknown): string {
  return createHash("sha256").update(canonicalJson(document)).digest("hex");
}
