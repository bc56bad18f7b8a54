import { AsyncEntry, type EntryOptions } from "@napi-rs/keyring";

/**
 * The OS keychain (macOS Keychain, Windows Credential Manager, Secret Service on Linux, e.g. GNOME Keyring or
 * KWallet) behind a three-method interface, so that the approval store and the credential resolution can be
 * tested with an in-memory one. Secrets never appear in an error message from here.
 */
export interface Keychain {
  get(account: string): Promise<string | null>;
  set(account: string, secret: string): Promise<void>;
  delete(account: string): Promise<boolean>;
  /**
   * Before a key is created in an account found empty, the pauses after which it is read again, every read having
   * to find it empty too (`credentials/keychain-key.ts`). The OS keychain's: a busy Secret Service may answer for a
   * moment that an entry it holds is absent. Default: one read again at once.
   */
  readonly confirmAbsentMs?: readonly number[];
}

/** The OS keychain's `confirmAbsentMs`: about a second, paid once, by the first start ever. */
export const OS_CONFIRM_ABSENT_MS: readonly number[] = [0, 100, 250, 500];

export class KeychainUnavailableError extends Error {
  override readonly name = "KeychainUnavailableError";
}

export const KEYCHAIN_SERVICE = "odoo-mcp";

/**
 * A keychain over `@napi-rs/keyring`. On Linux it is pinned to the Secret Service: the library's fallback, the
 * kernel keyring, forgets everything at logout, which would silently lose the user's saved credentials.
 * Creating it does not touch the keychain; `probeKeychain` does.
 */
export function createOsKeychain(service: string = KEYCHAIN_SERVICE): Keychain {
  const options: EntryOptions = process.platform === "linux" ? { linux: { store: "secret-service" } } : {};
  // One entry per account, kept: a new one opens a new session with the Secret Service on every call (about 6 ms
  // for a read on Linux, against 0.5 ms on a kept entry); each call still asks the keychain, nothing is cached.
  const entries = new Map<string, AsyncEntry>();
  const entry = (account: string) => {
    let found = entries.get(account);
    if (!found) {
      try {
        found = new AsyncEntry(service, account, options);
      } catch (error) {
        throw unavailable(error);
      }
      entries.set(account, found);
    }
    return found;
  };
  // An entry whose session the Secret Service no longer knows (its daemon was restarted) is opened again.
  const withEntry =
    <T>(account: string, run: (found: AsyncEntry) => Promise<T>) =>
    async () => {
      try {
        return await run(entry(account));
      } catch (error) {
        if (STALE_SESSION.test(error instanceof Error ? error.message : String(error)))
          entries.delete(account);
        throw error;
      }
    };
  return {
    confirmAbsentMs: OS_CONFIRM_ABSENT_MS,
    get: (account) =>
      transientRetry(withEntry(account, async (found) => (await found.getPassword()) ?? null)).catch(
        (error: unknown) => {
          throw unavailable(error);
        },
      ),
    set: (account, secret) =>
      transientRetry(withEntry(account, (found) => found.setPassword(secret))).catch((error: unknown) => {
        throw unavailable(error, secret);
      }),
    delete: (account) =>
      transientRetry(withEntry(account, (found) => found.deleteCredential())).catch((error: unknown) => {
        throw unavailable(error);
      }),
  };
}

/**
 * Answers of a Secret Service that is there but busy, seen under load from many processes at once (tests/load):
 * GNOME Keyring intermittently answers "no result found" or not at all for an entry that exists. Each of get, set
 * and delete is idempotent, so such a failure is tried again (three times, within half a second); any other
 * failure (no keychain, no D-Bus, locked) is reported at once.
 */
/**
 * A Secret Service daemon that left the bus and was started again (the bus starts it on the next call): the call in
 * flight is answered "disconnected", and the sessions the entries opened are gone ("the session … does not exist").
 * Seen in tests/load, where the keyring's daemon restarted mid-run; the entry is opened again and the call retried.
 */
const STALE_SESSION = /session (wrapping the secret )?does not exist|disconnected from message bus/i;
const TRANSIENT = [/Secret Service: no result found/i, /Did not receive a reply/i, STALE_SESSION];
const RETRY_MS = [20, 80, 300];

export async function transientRetry<T>(
  run: () => Promise<T>,
  wait: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const delay = RETRY_MS[attempt];
      if (delay === undefined || !TRANSIENT.some((pattern) => pattern.test(message))) throw error;
      await wait(delay);
    }
  }
}

/** Resolves when the keychain answers (a read of an entry that need not exist); rejects with the reason if not. */
export async function probeKeychain(keychain: Keychain): Promise<void> {
  await keychain.get("probe");
}

/**
 * The account name under which an Odoo secret is stored: one per server, database, user and kind, so that
 * switching databases never picks up the wrong secret. The URL is normalised (lower-case scheme and host, no
 * trailing slash).
 */
export function keychainAccount(
  url: string,
  database: string,
  username: string,
  kind: "api_key" | "password",
): string {
  let base = url.trim().replace(/\/+$/, "");
  try {
    const parsed = new URL(base);
    base = `${parsed.protocol}//${parsed.host}${parsed.pathname.replace(/\/+$/, "")}`;
  } catch {
    // not a URL: keep the trimmed text, the config layer reports invalid URLs
  }
  return `${kind}:${username}@${database}@${base}`;
}

/** An in-memory keychain for tests and for `--no-keychain` runs. */
export function createMemoryKeychain(initial: Record<string, string> = {}): Keychain {
  const values = new Map(Object.entries(initial));
  return {
    get: async (account) => values.get(account) ?? null,
    set: async (account, secret) => {
      values.set(account, secret);
    },
    delete: async (account) => values.delete(account),
  };
}

function unavailable(error: unknown, secret?: string): KeychainUnavailableError {
  if (error instanceof KeychainUnavailableError) return error;
  let reason = error instanceof Error ? error.message : String(error);
  if (secret) reason = reason.split(secret).join("[REDACTED]");
  return new KeychainUnavailableError(`no OS keychain available: ${reason}`, { cause: error });
}
