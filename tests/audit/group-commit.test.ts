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
});
