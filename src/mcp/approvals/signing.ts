import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { chmod, lstat, mkdir, rm } from "node:fs/promises";
import path from "node:path";
import type { Keychain } from "../credentials/keychain.js";
import { readTextIfExists, writeFileAtomic } from "../fsutil/files.js";
import { withLock } from "../fsutil/lock.js";
import type { Logger } from "../log.js";
import { canonicalJson } from "./ids.js";

/**
 * The per-installation key that signs approval requests and decisions (HMAC-SHA256). It lives in the OS
 * keychain, out of reach of anything that can only read and write files (e.g. another MCP server with
 * filesystem access): without it, a file dropped into the approval store approves nothing. Without a keychain
 * it falls back to a 0600 file in the data folder, which `doctor` reports as weaker.
 */
export const SIGNING_KEY_ACCOUNT = "approval-signing-key";
export const SIGNING_KEY_FILE = ".approval-key";

export interface SigningKey {
  readonly source: "keychain" | "file";
  sign(payload: unknown): string;
  verify(payload: unknown, signature: unknown): boolean;
}

export async function loadSigningKey(options: {
  dataDir: string;
  keychain?: Keychain | null;
  logger?: Logger;
}): Promise<SigningKey> {
  const { dataDir, keychain, logger } = options;
  const file = path.join(dataDir, SIGNING_KEY_FILE);
  const lockPath = path.join(dataDir, `${SIGNING_KEY_FILE}.lock`);
  await mkdir(dataDir, { recursive: true });
  if (keychain) {
    try {
      const key = await withLock(lockPath, () => keyFromKeychain(keychain, file, dataDir), { root: dataDir });
      return makeKey(key, "keychain");
    } catch (error) {
      logger?.warn(
        `the approval signing key cannot be kept in the OS keychain (${error instanceof Error ? error.message : String(error)}); using ${file} instead`,
      );
    }
  }
  const key = await withLock(lockPath, () => keyFromFile(file, dataDir), { root: dataDir });
  return makeKey(key, "file");
}

async function keyFromKeychain(keychain: Keychain, file: string, root: string): Promise<Buffer> {
  const stored = decodeKey(await keychain.get(SIGNING_KEY_ACCOUNT));
  if (stored) return stored;
  // A key kept in a file while there was no keychain moves into the keychain, so earlier requests stay valid.
  const fromFile = decodeKey(await readTextIfExists(file, { root }));
  const key = fromFile ?? randomBytes(32);
  await keychain.set(SIGNING_KEY_ACCOUNT, key.toString("base64"));
  const readBack = decodeKey(await keychain.get(SIGNING_KEY_ACCOUNT));
  if (!readBack?.equals(key)) throw new Error("the keychain did not keep the key");
  if (fromFile) await rm(file, { force: true });
  return key;
}

async function keyFromFile(file: string, root: string): Promise<Buffer> {
  const existing = decodeKey(await readTextIfExists(file, { root }));
  if (existing) {
    if (process.platform !== "win32" && ((await lstat(file)).mode & 0o077) !== 0) await chmod(file, 0o600);
    return existing;
  }
  const key = randomBytes(32);
  await writeFileAtomic(file, key.toString("base64"), { mode: 0o600, root });
  return key;
}

function decodeKey(text: string | null | undefined): Buffer | null {
  if (!text) return null;
  const key = Buffer.from(text.trim(), "base64");
  return key.length === 32 ? key : null;
}

function makeKey(key: Buffer, source: "keychain" | "file"): SigningKey {
  const sign = (payload: unknown) =>
    createHmac("sha256", key).update(canonicalJson(payload)).digest("base64url");
  return {
    source,
    sign,
    verify(payload, signature) {
      if (typeof signature !== "string") return false;
      const expected = Buffer.from(sign(payload));
      const given = Buffer.from(signature);
      return given.length === expected.length && timingSafeEqual(given, expected);
    },
  };
}
