import type { Config, LoadConfigOptions } from "../config/config.js";
import type { Keychain } from "../credentials/keychain.js";
import { loadKeychainKey } from "./keys.js";
import { readPersonPolicy } from "./policy-file.js";

/**
 * The configuration with the rules the person set through `odoo-mcp policy` (verified against the keychain key).
 * A policy file that cannot be trusted (edited, written by someone else, or present where no keychain can protect
 * it) means someone tried to change the rules: then nothing is approved without a person ("always ask": no
 * automatic approvals) until the person sets the policy again, and a warning says why. The environment — the MCP
 * client's configuration — still wins, as always.
 */
const ALWAYS_ASK = {
  ODOO_MCP_EXPENSE_APPROVAL_THRESHOLD: "0",
  ODOO_MCP_AUTO_APPROVAL_DAILY_COUNT: "0",
  ODOO_MCP_ELICITATION_DAILY_COUNT: "0",
};

export async function withPersonPolicy(
  config: Config,
  keychain: Keychain | null,
  load: (options: LoadConfigOptions) => Config,
  options: Omit<LoadConfigOptions, "personPolicy"> = {},
): Promise<Config> {
  const key = await loadKeychainKey(keychain);
  const person = await readPersonPolicy(config.dataDir, key);
  if (person.state === "none") return config;
  if (person.state === "refused") {
    const strict = load({ ...options, personPolicy: ALWAYS_ASK });
    return {
      ...strict,
      warnings: [
        ...strict.warnings,
        `${person.reason}; until you set the policy again (odoo-mcp policy set, or the app's settings), every request waits for you`,
      ],
    };
  }
  return load({ ...options, personPolicy: person.values });
}
