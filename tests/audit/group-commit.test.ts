import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type AuditAnchor, type AuditHead, createAuditLog } from "../../src/mcp/audit/audit-log.js";

/**
 * Group commit: the appends of one process that queue up while it waits for the audit lock are written
 * together (one lock, one write, one fsync, one head saved), in order. Before, each append took the lock and
 * saved the head (a keychain write) on its own; under load from several processes (tests/load) a busy server
 * waited past the lock's 10 s timeout and a tool call failed with AUDIT_LOG_UNAVAILABLE.
 */
describe("audit log: group commit", () => {
  let dataDir: string;
  beforeEach(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), "odoo-mcp-audit-group-"));
  });
  afterEach(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  /** An anchor as the keychain is: a head write takes a few milliseconds; `fail` makes the next one throw. */
  function countingAnchor() {
    let head: AuditHead | null = null;
    const state = { saves: 0, fail: false };
    const anchor: AuditAnchor = {
      key: Buffer.alloc(32, 7),
      loadHead: async () => head,
      saveHead: async (next) => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        if (state.fail) {
          state.fail = false;
          throw new Error("keychain unavailable");
        }
        state.saves++;
        head = next;
      },
    };
    return { anchor, state };
  }

  it("writes the appends that queued up together, in the order they were made, chained and anchored", async () => {
    const { anchor, state } = countingAnchor();
    const audit = createAuditLog(dataDir, { anchor });
    const targets = Array.from({ length: 60 }, (_, i) => `t${i}`);
    await Promise.all(
      targets.map((target) => audit.append({ event: "tool_call", action: "p", result: "success", target })),
    );
    const report = await audit.verify();
    expect(report).toMatchObject({ ok: true, keyed: true, anchored: true, lines: 60, head: { seq: 60 } });
    const day = path.basename(report.files[0] as string, ".json");
    expect((await audit.read(day)).map((event) => event.target)).toEqual(targets);
    // One head write per batch, not one per line (the first append goes alone, the rest queued behind it).
    expect(state.saves).toBeLessThanOrEqual(3);
  });

  it("a batch that cannot be written rejects every append in it; the next appends are written", async () => {
    const { anchor, state } = countingAnchor();
    const audit = createAuditLog(dataDir, { anchor });
    // "first" is being written while a, b and c queue up behind it; their batch's head write fails.
    const first = audit.append({ event: "tool_call", action: "p", result: "success", target: "first" });
    const batch = ["a", "b", "c"].map((target) =>
      audit.append({ event: "tool_call", action: "p", result: "success", target }),
    );
    await first;
    state.fail = true;
    const failed = await Promise.allSettled(batch);
    expect(failed.map((outcome) => outcome.status)).toEqual(["rejected", "rejected", "rejected"]);
    await audit.append({ event: "tool_call", action: "p", result: "success", target: "after" });
    // The lines were on disk when the head could not be saved: past the anchored head and chained, they are
    // accepted, and the next append moves the head forward (as after a crash between the two).
    const report = await audit.verify();
    expect(report).toMatchObject({ ok: true, lines: 5, head: { seq: 5 } });
  });

  /** An anchor whose head writes wait until the test lets them through, and that records what it was given. */
  function gatedAnchor() {
    let head: AuditHead | null = null;
    const saved: number[] = [];
    const gates: (() => void)[] = [];
    const anchor: AuditAnchor = {
      key: Buffer.alloc(32, 9),
      loadHead: async () => head,
      saveHead: async (next) => {
        await new Promise<void>((resolve) => gates.push(resolve));
        saved.push(next.seq);
        head = next;
      },
    };
    const release = async () => {
      while (gates.length === 0) await new Promise((resolve) => setTimeout(resolve, 1));
      gates.shift()?.();
    };
    return { anchor, saved, release };
  }

  it("a read's line (untilOnDisk) resolves once it is on disk; its head is saved later, by flush", async () => {
    const { anchor, saved, release } = gatedAnchor();
    const audit = createAuditLog(dataDir, { anchor });
    await audit.append(
      { event: "tool_call", action: "list_invoices", result: "success" },
      { untilOnDisk: true },
    );
    expect((await audit.read(today())).map((event) => event.action)).toEqual(["list_invoices"]);
    expect(saved).toEqual([]);
    // Behind the file until then, as after a crash between a line and its head: accepted.
    expect(await audit.verify()).toMatchObject({ ok: true, lines: 1 });
    const flushed = audit.flush();
    await release();
    await flushed;
    expect(saved).toEqual([1]);
    // A line that waits for its head (a write's) resolves once it is saved.
    const write = audit.append({ event: "tool_call", action: "create_draft_invoice", result: "pending" });
    await release();
    await write;
    expect(saved).toEqual([1, 2]);
    expect(await audit.verify()).toMatchObject({ ok: true, anchored: true, lines: 2, head: { seq: 2 } });
  });

  it("the head of reads is saved once within a second, whatever their number", async () => {
    const { anchor, state } = countingAnchor();
    const audit = createAuditLog(dataDir, { anchor });
    for (const target of ["a", "b", "c", "d"])
      await audit.append(
        { event: "tool_call", action: "find_partners", result: "success", target },
        { untilOnDisk: true },
      );
    expect(state.saves).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 1_300));
    expect(state.saves).toBe(1);
    expect(await audit.verify()).toMatchObject({ ok: true, anchored: true, lines: 4, head: { seq: 4 } });
  });

  it("a read's line does not wait for the head of a write being saved; the heads are saved in order", async () => {
    const { anchor, saved, release } = gatedAnchor();
    const audit = createAuditLog(dataDir, { anchor });
    const read = (target: string) =>
      audit.append(
        { event: "tool_call", action: "find_partners", result: "success", target },
        { untilOnDisk: true },
      );
    const write = audit.append({
      event: "tool_call",
      action: "post_invoice",
      result: "pending",
      target: "w",
    });
    while (saved.length === 0 && (await audit.read(today())).length === 0)
      await new Promise((resolve) => setTimeout(resolve, 1));
    // The write's head is being saved (the gate is closed): the reads are written meanwhile.
    await read("a");
    await read("b");
    expect((await audit.read(today())).map((event) => event.target)).toEqual(["w", "a", "b"]);
    expect(saved).toEqual([]);
    await release();
    await write;
    const flushed = audit.flush();
    await release();
    await flushed;
    expect(saved).toEqual([1, 3]);
    expect(await audit.verify()).toMatchObject({ ok: true, anchored: true, lines: 3, head: { seq: 3 } });
  });

  it("a deferred head is not saved over the newer head of a process that wrote after it", async () => {
    const { anchor, state } = countingAnchor();
    const reader = createAuditLog(dataDir, { anchor });
    const writer = createAuditLog(dataDir, { anchor });
    await reader.append(
      { event: "tool_call", action: "list_taxes", result: "success" },
      { untilOnDisk: true },
    );
    await writer.append({ event: "tool_call", action: "post_invoice", result: "pending" });
    expect(state.saves).toBe(1);
    await reader.flush();
    expect(state.saves).toBe(1);
    expect(await anchor.loadHead()).toMatchObject({ seq: 2 });
    expect(await reader.verify()).toMatchObject({ ok: true, anchored: true, lines: 2, head: { seq: 2 } });
  });
});

function today(): string {
  const now = new Date();
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}
