import type { Config } from "../config/config.js";
import { type Keychain, keychainAccount } from "./keychain.js";

export interface ResolvedCredentials {
  secret: string;
  secretKind: "api_key" | "password";
  source: "keychain" | "env";
}

/**
 * The Odoo secret: the OS keychain first (API key, then password, for this URL, database and user), then the
 * environment or `.env`. `null` when there is none. A keychain that cannot be reached counts as empty.
 */
export async function resolveCredentials(
  config: Config,
  keychain: Keychain | null | undefined,
): Promise<ResolvedCredentials | null> {
  if (keychain) {
    for (const kind of ["api_key", "password"] as const) {
      try {
        const secret = await keychain.get(
          keychainAccount(config.odoo.url, config.odoo.database, config.odoo.username, kind),
        );
        if (secret) return { secret, secretKind: kind, source: "keychain" };
      } catch {
        break; // no keychain here: fall back to the environment
      }
    }
  }
  if (config.odoo.apiKey) return { secret: config.odoo.apiKey, secretKind: "api_key", source: "env" };
  if (config.odoo.password) return { secret: config.odoo.password, secretKind: "password", source: "env" };
  return null;
}
