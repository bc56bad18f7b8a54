import type { Config, LoadConfigOptions } from "../config/config.js";
import type { Keychain } from "../credentials/keychain.js";
import { loadKeychainKey } from "./keys.js";
import { readPersonPolicy } from "./policy-file.js";

/**
 * The configuration with the rules the person set through `odoo-mcp policy` (verified against the keychain key),
 * or, when that file cannot be trusted, without them and with a warning saying why.
 */
export async function withPersonPolicy(
  config: Config,
  keychain: Keychain | null,
  load: (options: LoadConfigOptions) => Config,
  options: Omit<LoadConfigOptions, "personPolicy"> = {},
): Promise<Config> {
  const key = await loadKeychainKey(keychain);
  const person = await readPersonPolicy(config.dataDir, key);
  if (person.state === "none") return config;
  if (person.state === "refused") return { ...config, warnings: [...config.warnings, person.reason] };
  return load({ ...options, personPolicy: person.values });
}
