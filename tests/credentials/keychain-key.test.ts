/**
 * A key created in the keychain by two processes starting at once (the app and a server on a fresh keychain; the
 * kill test's first two lanes): both find the account empty. Before the creation was serialised, both wrote one,
 * and the first to read its own back kept a key the keychain no longer held: the requests it decided were then
 * left in the offline queue by every other process, for good (the kill test's replay lanes timed out on a busy
 * machine with the approval `approved`, queued, and no attempt). Here the keychain answers so that the two
 * creations interleave that way every time; the two callers share the lock file as two processes of one user do.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadKeychainKey, makeKey, SIGNING_KEY_ACCOUNT } from "../../src/mcp/approvals/keys.js";
import { AUDIT_KEY_ACCOUNT, auditAnchorFor } from "../../src/mcp/audit/anchor.js";
import { type Keychain, OS_CONFIRM_ABSENT_MS } from "../../src/mcp/credentials/keychain.js";

/**
 * An empty keychain where the first two reads of an absent account both answer only once both were asked (both
 * processes see it empty), and the second write takes longer than the first: the first writer reads its own key
 * back before the second writer's key replaces it.
 */
function racingKeychain(): Keychain & { values: Map<string, string> } {
  const values = new Map<string, string>();
  let emptyReads = 0;
  let bothAsked: () => void = () => {};
  const asked = new Promise<void>((resolve) => {
    bothAsked = resolve;
  });
  let writes = 0;
  return {
    values,
    async get(account) {
      const value = values.get(account) ?? null;
      if (value === null && emptyReads < 2) {
        emptyReads++;
        if (emptyReads === 2) bothAsked();
        await asked;
      }
      return value;
    },
    async set(account, secret) {
      const ms = writes++ === 0 ? 5 : 60;
      await new Promise((resolve) => setTimeout(resolve, ms));
      values.set(account, secret);
    },
    async delete(account) {
      return values.delete(account);
    },
  };
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "odoo-mcp-keychain-key-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("a key created in the keychain by two processes at once", () => {
  it("the approval key: both hold the one the keychain kept", async () => {
    const keychain = racingKeychain();
    const lockFile = path.join(dir, "user", ".keychain-key.lock");
    const [a, b] = await Promise.all([
      loadKeychainKey(keychain, undefined, { lockFile }),
      loadKeychainKey(keychain, undefined, { lockFile }),
    ]);
    const kept = makeKey(Buffer.from(keychain.values.get(SIGNING_KEY_ACCOUNT) ?? "", "base64"), "keychain");
    // A decision one signs, the other and any later process verify.
    const decision = { id: "apr_1", decision: "approved" };
    expect(b?.verify(decision, a?.sign(decision))).toBe(true);
    expect(kept.verify(decision, a?.sign(decision))).toBe(true);
    expect(kept.verify(decision, b?.sign(decision))).toBe(true);
  });

  it("the audit chain's key: both hold the one the keychain kept, whatever their data folders", async () => {
    const keychain = racingKeychain();
    const lockFile = path.join(dir, "user", ".keychain-key.lock");
    const [a, b] = await Promise.all([
      auditAnchorFor(keychain, { dataDir: path.join(dir, "one"), lockFile }),
      auditAnchorFor(keychain, { dataDir: path.join(dir, "two"), lockFile }),
    ]);
    const kept = keychain.values.get(AUDIT_KEY_ACCOUNT);
    expect(a?.key?.toString("base64")).toBe(kept);
    expect(b?.key?.toString("base64")).toBe(kept);
  });
});

/**
 * A keychain that holds both keys but, for 300 ms after `blink()`, answers that it has none (what a busy Secret
 * Service may answer for an entry that exists): a process starting then must not write a new key over them.
 */
function blinkingKeychain(values: Map<string, string>): Keychain & { blink(): void; writes: string[] } {
  let blindUntil = 0;
  const writes: string[] = [];
  return {
    writes,
    // As the OS keychain reads again (keychain.ts OS_CONFIRM_ABSENT_MS).
    confirmAbsentMs: OS_CONFIRM_ABSENT_MS,
    blink() {
      blindUntil = Date.now() + 300;
    },
    async get(account) {
      if (Date.now() < blindUntil) return null;
      return values.get(account) ?? null;
    },
    async set(account, secret) {
      writes.push(account);
      values.set(account, secret);
    },
    async delete(account) {
      return values.delete(account);
    },
  };
}

describe("a keychain that answers for a moment that a key it holds is absent", () => {
  it("the approval key and the audit chain's key are read again before one is made: neither is replaced", async () => {
    const values = new Map<string, string>();
    const keychain = blinkingKeychain(values);
    const lockFile = path.join(dir, "user", ".keychain-key.lock");
    const first = await loadKeychainKey(keychain, undefined, { lockFile });
    const firstAudit = await auditAnchorFor(keychain, { dataDir: path.join(dir, "one"), lockFile });
    expect(keychain.writes.sort()).toEqual([AUDIT_KEY_ACCOUNT, SIGNING_KEY_ACCOUNT].sort());
    keychain.blink();
    const later = await loadKeychainKey(keychain, undefined, { lockFile });
    keychain.blink();
    const laterAudit = await auditAnchorFor(keychain, { dataDir: path.join(dir, "one"), lockFile });
    const decision = { id: "apr_1", decision: "approved" };
    expect(later?.verify(decision, first?.sign(decision))).toBe(true);
    expect(laterAudit?.key?.toString("base64")).toBe(firstAudit?.key?.toString("base64"));
    expect(keychain.writes).toHaveLength(2);
  });
});
