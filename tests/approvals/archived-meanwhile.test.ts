import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { openApprovalStore } from "../../src/mcp/approvals/open.js";
import { createMemoryKeychain } from "../../src/mcp/credentials/keychain.js";

/**
 * Another process completes a request between this one's look at its active file and the read of it: the
 * archived copy lands first, then the active file goes (as `records.write` does). The request is not "not found"
 * for that: its archived copy is read. Seen under load, when the CLI ran a request the desktop app had just run.
 */
const race = vi.hoisted(() => ({ before: null as null | ((file: string) => Promise<void>) }));
vi.mock("../../src/mcp/fsutil/files.js", async (importOriginal) => {
  const files = await importOriginal<typeof import("../../src/mcp/fsutil/files.js")>();
  return {
    ...files,
    readJsonFile: async (file: string, options?: Parameters<typeof files.readJsonFile>[1]) => {
      const hook = race.before;
      if (hook) {
        race.before = null;
        await hook(file);
      }
      return files.readJsonFile(file, options);
    },
  };
});

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), "odoo-mcp-archived-"));
});
afterEach(async () => {
  race.before = null;
  await rm(dataDir, { recursive: true, force: true });
});

describe("a request archived by another process while this one reads it", () => {
  it("is read from the archive, not reported missing", async () => {
    const store = await openApprovalStore({ dataDir, keychain: createMemoryKeychain() });
    const created = await store.create({
      tool: "record_payment",
      args: { n: 1 },
      meta: { target: "INV/2026/00001", amount: "120.00", currency: "EUR" },
      ttlMs: 3_600_000,
    });
    const active = path.join(dataDir, "approvals", `${created.id}.json`);
    const month = created.createdAt.slice(0, 7);
    const archived = path.join(dataDir, "approvals", "archive", month, `${created.id}.json`);
    race.before = async (file) => {
      expect(file).toBe(active);
      await mkdir(path.dirname(archived), { recursive: true });
      await writeFile(archived, await readFile(active));
      await rename(active, `${active}.gone`);
      await rm(`${active}.gone`);
    };
    const read = await store.get(created.id);
    expect(race.before).toBeNull(); // the race happened
    expect(read?.id).toBe(created.id);
  });
});
