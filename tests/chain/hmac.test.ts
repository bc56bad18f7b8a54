import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { deriveKey, hmac, keyedDigest, sameSignature, sha256 } from "../../src/mcp/hmac.js";

describe("the HMAC helper", () => {
  it("computes HMAC-SHA256 as RFC 4231 gives it, in the encodings the files hold", () => {
    // RFC 4231, test case 2.
    const key = Buffer.from("Jefe");
    const expected = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
    expect(hmac(key, "what do ya want for nothing?", "hex")).toBe(expected);
    expect(hmac(key, "what do ya want for nothing?", "base64url")).toBe(
      Buffer.from(expected, "hex").toString("base64url"),
    );
  });

  it("without a key, a link is plain SHA-256", () => {
    const plain = createHash("sha256").update("line").digest("hex");
    expect(sha256("line", "hex")).toBe(plain);
    expect(keyedDigest(undefined, "line", "hex")).toBe(plain);
    expect(keyedDigest(Buffer.alloc(32, 1), "line", "hex")).not.toBe(plain);
  });

  it("derives one sub-key per purpose, as earlier versions did (the journal's links depend on it)", () => {
    const key = Buffer.alloc(32, 9);
    const journal = deriveKey(key, "approval-journal");
    expect(journal.equals(Buffer.from(hmac(key, "odoo-mcp/approval-journal", "hex"), "hex"))).toBe(true);
    expect(journal).toHaveLength(32);
    expect(deriveKey(key, "locks").equals(journal)).toBe(false);
  });

  it("accepts only the very signature: not another of the same length, a shorter one, or a non-string", () => {
    const signature = hmac(Buffer.alloc(32, 2), "text", "base64url");
    expect(sameSignature(signature, signature)).toBe(true);
    const flipped = `${signature.slice(0, -1)}${signature.endsWith("A") ? "B" : "A"}`;
    expect(sameSignature(signature, flipped)).toBe(false);
    expect(sameSignature(signature, signature.slice(0, -1))).toBe(false);
    expect(sameSignature(signature, undefined)).toBe(false);
    expect(sameSignature(signature, 42)).toBe(false);
  });
});
