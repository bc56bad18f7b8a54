import { readFile, writeFile } from "node:fs/promises";
import type { SettingsStore, StoredConnection } from "../../src/main/settings-handlers.js";

/** The settings store over a JSON file (the app uses electron-store), so that a test can read what was kept. */
export function jsonSettingsStore(file: string): SettingsStore {
  const read = async (): Promise<{ connection?: StoredConnection }> => {
    try {
      return JSON.parse(await readFile(file, "utf8"));
    } catch {
      return {};
    }
  };
  return {
    getConnection: async () => (await read()).connection ?? null,
    setConnection: async (connection) => {
      await writeFile(file, JSON.stringify({ ...(await read()), connection }, null, 2));
    },
  };
}

/** Login items as Electron keeps them, in memory. */
export function memoryLoginItems(initial = false) {
  let enabled = initial;
  return {
    get: () => enabled,
    set: (value: boolean) => {
      enabled = value;
    },
  };
}
