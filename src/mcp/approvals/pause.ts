import { rm } from "node:fs/promises";
import path from "node:path";
import type { Keychain } from "../credentials/keychain.js";
import { writeFileAtomic } from "../fsutil/files.js";
import { statRegular } from "../fsutil/regular.js";
import type { PauseSwitch } from "./core.js";

export const PAUSE_ACCOUNT = "agent-paused";
export const PAUSE_FILE = "agent-paused";

/**
 * Where the person's pause lives: the keychain (per data folder, so two installations do not pause each other) —
 * out of reach of file tools — or, without a keychain, a marker file in the data folder, which an agent with file
 * tools could delete (said in the README's security model).
 */
export function pauseSwitch(options: {
  dataDir: string;
  keychain: Keychain | null;
  keyMode: "keychain" | "passphrase";
}): PauseSwitch {
  const account = `${PAUSE_ACCOUNT}:${path.resolve(options.dataDir)}`;
  const { keychain } = options;
  if (keychain && options.keyMode === "keychain")
    return {
      isPaused: async () => (await keychain.get(account)) === "paused",
      setPaused: async (paused) => {
        if (paused) await keychain.set(account, "paused");
        else await keychain.delete(account);
      },
    };
  const file = path.join(options.dataDir, PAUSE_FILE);
  const where = { root: options.dataDir };
  return {
    // Its presence is the switch (nothing is read); anything but a file there is refused, by name.
    isPaused: async () => (await statRegular(file, where)) !== null,
    async setPaused(paused) {
      if (paused) await writeFileAtomic(file, "paused by the person in the odoo-mcp app\n", where);
      else await rm(file, { force: true });
    },
  };
}
