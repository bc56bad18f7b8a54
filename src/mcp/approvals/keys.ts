import { randomBytes, scrypt } from "node:crypto";
import path from "node:path";
import type { Keychain } from "../credentials/keychain.js";
import { type KeychainKeyOptions, keychainKey } from "../credentials/keychain-key.js";
import { readTextIfExists, writeFileAtomic } from "../fsutil/files.js";
import { deriveKey, hmac, sameSignature } from "../hmac.js";
import type { Logger } from "../log.js";
import { canonicalJson } from "./ids.js";

/**
 * The key that makes a decision a decision. Nothing the agent can read or write may hold it:
 *
 * - **keychain**: 32 random bytes in the OS keychain (account `approval-signing-key`), shared by every process of
 *   this OS user (servers, the CLI, the app). It signs decisions, seals every approval record and the approval
 *   journal, and keys the audit chain. It is created in the keychain and only ever read from there: a key file in
 *   the data folder is never used and never adopted (an agent could have planted it, or read it).
 * - **passphrase**: where no keychain exists (a headless server), the factor is a passphrase the person types on a
 *   terminal for each decision (no echo). It is never stored: the data folder keeps only its salt and a check
 *   value. The key derived from it lives in the memory of the one process the person typed it into, which is then
 *   the only process that executes that decision.
 */
export type KeySource = "keychain" | "passphrase";

export const SIGNING_KEY_ACCOUNT = "approval-signing-key";
/** Written by earlier versions where no keychain existed; ignored now, and reported by `doctor`. */
export const LEGACY_KEY_FILE = ".approval-key";
export const PASSPHRASE_FILE = "approval-passphrase.json";

export interface ApprovalKey {
  readonly source: KeySource;
  sign(payload: unknown): string;
  verify(payload: unknown, signature: unknown): boolean;
  /** A sub-key for another purpose (locks, audit chain), so one secret never signs two kinds of thing. */
  derive(purpose: string): Buffer;
}

/**
 * The keychain key, created there on first use (by one process at a time: `keychainKey`). `null` when this machine
 * has no usable keychain (passphrase mode). Never reads a key from a file.
 */
export async function loadKeychainKey(
  keychain: Keychain | null | undefined,
  logger?: Pick<Logger, "warn">,
  options: KeychainKeyOptions = {},
): Promise<ApprovalKey | null> {
  if (!keychain) return null;
  try {
    return makeKey(await keychainKey(keychain, SIGNING_KEY_ACCOUNT, options), "keychain");
  } catch (error) {
    logger?.warn(
      `the OS keychain cannot hold the approval key (${error instanceof Error ? error.message : String(error)}): decisions need the approval passphrase on a terminal`,
    );
    return null;
  }
}

export class PassphraseError extends Error {
  override readonly name = "PassphraseError";
}

interface PassphraseFile {
  v: 1;
  salt: string;
  check: string;
}

const SCRYPT = { N: 1 << 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };

function derivePassphrase(passphrase: string, salt: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(passphrase.normalize("NFKC"), salt, 32, SCRYPT, (error, key) =>
      error ? reject(error) : resolve(key),
    ),
  );
}

const CHECK = "odoo-mcp approval passphrase check";

/** Whether a passphrase was chosen for this data folder. */
export async function passphraseIsSet(dataDir: string): Promise<boolean> {
  return (await readPassphraseFile(dataDir)) !== null;
}

/** Chooses the passphrase (first use). Refuses to replace one that exists. */
export async function setPassphrase(dataDir: string, passphrase: string): Promise<ApprovalKey> {
  if (Array.from(passphrase).length < 8)
    throw new PassphraseError("The approval passphrase must have at least 8 characters.");
  if (await readPassphraseFile(dataDir))
    throw new PassphraseError("An approval passphrase is already set for this data folder.");
  const salt = randomBytes(16);
  const key = makeKey(await derivePassphrase(passphrase, salt), "passphrase");
  const file: PassphraseFile = { v: 1, salt: salt.toString("base64"), check: key.sign(CHECK) };
  await writeFileAtomic(path.join(dataDir, PASSPHRASE_FILE), `${JSON.stringify(file)}\n`, {
    mode: 0o600,
    root: dataDir,
  });
  return key;
}

/** The key of a typed passphrase, if it is the one chosen for this data folder. */
export async function unlockPassphrase(dataDir: string, passphrase: string): Promise<ApprovalKey> {
  const file = await readPassphraseFile(dataDir);
  if (!file)
    throw new PassphraseError(
      "No approval passphrase is set yet: run `odoo-mcp approvals passphrase` in a terminal first.",
    );
  const key = makeKey(await derivePassphrase(passphrase, Buffer.from(file.salt, "base64")), "passphrase");
  if (!key.verify(CHECK, file.check))
    throw new PassphraseError(
      `That is not the approval passphrase. If you typed it right, ${path.join(dataDir, PASSPHRASE_FILE)} was changed by someone else: then nothing signed before can be trusted.`,
    );
  return key;
}

async function readPassphraseFile(dataDir: string): Promise<PassphraseFile | null> {
  // Not a file (a FIFO, a link): a `NotRegularFileError` naming it, at once.
  const text = await readTextIfExists(path.join(dataDir, PASSPHRASE_FILE), { root: dataDir });
  if (text === undefined) return null;
  try {
    const value = JSON.parse(text) as Partial<PassphraseFile>;
    if (value.v === 1 && typeof value.salt === "string" && typeof value.check === "string")
      return value as PassphraseFile;
  } catch {
    // fall through
  }
  throw new PassphraseError(
    `${path.join(dataDir, PASSPHRASE_FILE)} is damaged; remove it and choose the passphrase again.`,
  );
}

export function makeKey(key: Buffer, source: KeySource): ApprovalKey {
  const sign = (payload: unknown) => hmac(key, canonicalJson(payload), "base64url");
  return {
    source,
    sign,
    verify: (payload, signature) => sameSignature(sign(payload), signature),
    derive: (purpose) => deriveKey(key, purpose),
  };
}
