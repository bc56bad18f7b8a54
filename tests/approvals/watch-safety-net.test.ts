import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { openApprovalStore } from "../../src/mcp/approvals/open.js";
import { createMemoryKeychain } from "../../src/mcp/credentials/keychain.js";
import { until } from "../support/wait.js";

/**
 * Where file events are lost (a network folder, an exhausted watch limit), `watch` still tells about every change
 * by its safety net: a new request, a decided one, one gone. File watching is made to fail here, so nothing but
 * the safety net can tell.
 */
vi.mock("node:fs", async (importOriginal) => {
  const fs = await importOriginal<typeof import("node:fs")>();
  return {
    ...fs,
    watch: () => {
      throw new Error("ENOSPC: no file watches left (test)");
    },
  };
});

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), "odoo-mcp-watch-"));
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

const request = (n: number) => ({
  tool: "record_payment",
  args: { partner: "Acme", amount: "120.00", n },
  meta: { target: "INV/2026/00001", amount: "120.00", currency: "EUR" },
  ttlMs: 3_600_000,
});

describe("watch without file events", () => {
  it("tells about a new request, a decided one and one gone, and not about what was there before", async () => {
    const store = await openApprovalStore({
      dataDir,
      keychain: createMemoryKeychain(),
      pollMs: 10,
      safetyPollMs: 50,
    });
    const before = await store.create(request(0));
    const seen: string[] = [];
    const stop = store.watch((ids) => seen.push(...ids));
    try {
      const created = await store.create(request(1));
      await until(() => seen.includes(created.id), "the safety net tells about the new request");
      seen.length = 0;
      await store.decide(created.id, { decision: "rejected", channel: "cli", actor: "me" });
      await until(() => seen.includes(created.id), "the safety net tells about the decision");
      // A request that was there when the watch began, unchanged, is never reported.
      expect(seen).not.toContain(before.id);
      seen.length = 0;
      await rm(path.join(dataDir, "approvals", `${before.id}.json`));
      await until(() => seen.includes(before.id), "the safety net tells about a request gone");
    } finally {
      stop();
    }
  });
});
