import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createOfflineQueue } from "../../src/mcp/queue/offline-queue.js";

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), "odoo-mcp-queue-"));
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe("offline queue", () => {
  it("keeps pending entries in order in .odoo_queue.jsonl, one JSON line per event", async () => {
    const queue = createOfflineQueue(dataDir, { now: () => new Date("2026-01-02T03:04:05Z") });
    await queue.enqueue("apr_a", "create_invoice");
    await queue.enqueue("apr_b", "record_payment");
    await queue.enqueue("apr_a", "create_invoice"); // already pending: keeps its place, no duplicate
    await queue.enqueue("apr_c", "send_invoice");
    await queue.markDone("apr_b", "executed");
    expect((await queue.pending()).map((e) => e.approvalId)).toEqual(["apr_a", "apr_c"]);
    const lines = (await readFile(path.join(dataDir, ".odoo_queue.jsonl"), "utf8")).trimEnd().split("\n");
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      { type: "enqueued", approvalId: "apr_a", tool: "create_invoice", at: "2026-01-02T03:04:05.000Z" },
      { type: "enqueued", approvalId: "apr_b", tool: "record_payment", at: "2026-01-02T03:04:05.000Z" },
      { type: "enqueued", approvalId: "apr_c", tool: "send_invoice", at: "2026-01-02T03:04:05.000Z" },
      { type: "done", approvalId: "apr_b", result: "executed", at: "2026-01-02T03:04:05.000Z" },
    ]);
  });

  it("an id enqueued again after it was done is pending again, at the end", async () => {
    const queue = createOfflineQueue(dataDir);
    await queue.enqueue("apr_a", "t");
    await queue.enqueue("apr_b", "t");
    await queue.markDone("apr_a", "failed");
    await queue.enqueue("apr_a", "t");
    expect((await queue.pending()).map((e) => e.approvalId)).toEqual(["apr_b", "apr_a"]);
  });

  it("compacts to the pending entries and survives a torn last line", async () => {
    const queue = createOfflineQueue(dataDir);
    await queue.enqueue("apr_a", "t");
    await queue.enqueue("apr_b", "t");
    await queue.markDone("apr_a", "executed");
    const file = path.join(dataDir, ".odoo_queue.jsonl");
    await writeFile(file, `${await readFile(file, "utf8")}{"type":"enq`);
    expect((await queue.pending()).map((e) => e.approvalId)).toEqual(["apr_b"]);
    await queue.compact();
    const lines = (await readFile(file, "utf8")).trimEnd().split("\n");
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ type: "enqueued", approvalId: "apr_b" });
  });

  it("lets one drainer at a time run", async () => {
    const a = createOfflineQueue(dataDir);
    const b = createOfflineQueue(dataDir);
    let inner: string | null | undefined;
    const outer = await a.withDrainLock(async () => {
      inner = await b.withDrainLock(async () => "b ran");
      return "a ran";
    });
    expect(outer).toBe("a ran");
    expect(inner).toBeNull();
    expect(await b.withDrainLock(async () => "b ran")).toBe("b ran"); // released
  });

  it("concurrent enqueues of many ids are all kept", async () => {
    const queues = [createOfflineQueue(dataDir), createOfflineQueue(dataDir), createOfflineQueue(dataDir)];
    await Promise.all(Array.from({ length: 30 }, (_, i) => queues[i % 3]!.enqueue(`apr_${i}`, "t")));
    expect(new Set((await queues[0]!.pending()).map((e) => e.approvalId)).size).toBe(30);
  });
});
