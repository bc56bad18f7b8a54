/**
 * Odoo stopping in the middle of each step of every multi-step write. A clean run through the proxy lists the
 * requests an approved execution makes (its steps); then, for each step k in turn, Odoo goes down at k, in two
 * ways: k never reaches Odoo (refused), or k reaches Odoo and its answer is lost (cut: the uncertain write).
 * Everything after k is refused. For each: the tool's answer, Odoo's state, the audit log and the queue; then Odoo
 * comes back, the queue is replayed, and the write must be there exactly once.
 */

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { approvalNotes, approvalNoteText } from "../../src/mcp/accounting/approval-tag.js";
import { recordRow } from "./results.js";
import {
  auditTrail,
  describeAnswer,
  startWorld,
  trailText,
  type Version,
  type World,
  WRITE_CASES,
} from "./world.js";

const VERSIONS: Version[] = (process.env.FAULT_VERSIONS ?? "19,17")
  .split(",")
  .map((v) => Number(v) as Version);

describe.each(VERSIONS)("Odoo %i stopping mid-write", (version) => {
  // The person approves in the chat here, which money going out never is (kill.test.ts runs those).
  const cases = WRITE_CASES.filter((c) => !c.moneyOut);
  describe.each(cases)("$tool", (writeCase) => {
    let w: World;
    let steps: string[] = [];
    let n = 0;
    beforeAll(async () => {
      w = await startWorld(version);
      // The clean run: every request the approved execution makes, in order.
      const fixture = await writeCase.setup(w, ++n);
      w.afterDecision(() => ({ kind: "pass" }));
      const clean = await w.h.call(writeCase.tool, fixture.args);
      expect(clean.isError, clean.text).toBe(false);
      steps = w.proxy.since(w.decidedAt()).map((r) => r.call);
      const effects = await fixture.effects();
      expect(effects.complete, effects.text).toBe(true);
      expect(steps.length).toBeGreaterThan(1);
    }, 60_000);
    afterAll(async () => {
      await w?.close();
    });

    it("has steps to cut", () => {
      expect(steps.length).toBeGreaterThan(1);
    });

    for (const mode of ["refuse", "cut"] as const) {
      it(`Odoo stops at each step (${mode}): queued, nothing doubled, replayed exactly once`, async () => {
        for (let k = 1; k <= steps.length; k++) {
          const fixture = await writeCase.setup(w, ++n);
          await w.proxy.start();
          w.afterDecision((step) => {
            if (step < k) return { kind: "pass" };
            if (step === k)
              return mode === "refuse" ? { kind: "refuse", stop: true } : { kind: "cut", stop: true };
            return { kind: "refuse", stop: true };
          });
          const mark = w.proxy.count();
          const answer = await w.h.call(writeCase.tool, fixture.args);
          const cutAt = w.proxy.seen.find((r) => r.n === w.decidedAt() + k);
          const where = `${k}/${steps.length} ${cutAt?.call ?? steps[k - 1]} (${mode === "refuse" ? "never reached Odoo" : "applied, answer lost"})`;
          const label = `${writeCase.tool} on ${version}, step ${where}`;
          expect(w.proxy.since(mark).length, label).toBeGreaterThanOrEqual(1);
          const approvalId = String(
            answer.isError
              ? (answer.error?.details as { approval_id?: string })?.approval_id
              : answer.data.approval_id,
          );
          const during = await fixture.effects();
          const queuedIds = (await w.h.app.queue.pending()).map((e) => e.approvalId);

          // The answer: the documented output when the write got through before the stop, else queued.
          expect(answer.isError, `${label}: ${answer.text}`).toBe(false);
          const status = String(answer.data.status);
          expect(
            ["queued", "draft", "posted", "sent", "submitted", "approved"],
            `${label}: ${status}`,
          ).toContain(status);
          expect(during.duplicates, label).toEqual([]);
          if (status === "queued") expect(queuedIds, label).toEqual([approvalId]);
          else expect(during.complete, `${label}: ${during.text}`).toBe(true);

          // Odoo back: the replay completes it exactly once; a second replay does nothing.
          w.proxy.setPlan(null);
          await w.proxy.start();
          const replay = await w.h.app.approvals.drain();
          expect(replay, label).toMatchObject({ failed: 0, remaining: 0 });
          expect(replay.executed, label).toBe(status === "queued" ? 1 : 0);
          const again = await w.h.app.approvals.drain();
          expect(again.executed, label).toBe(0);
          const after = await fixture.effects();
          expect(after.duplicates, label).toEqual([]);
          expect(after.complete, `${label}: ${after.text}`).toBe(true);
          const view = await w.h.call("get_approval", { approval_id: approvalId });
          expect(view.data.status, label).toBe("executed");
          // What the answer says it did is what this approval did (the draft was posted by it, before or after the cut).
          const output = (status === "queued" ? view.data.output : answer.data) as Record<string, unknown>;
          // The fixture is a draft: this approval posted it, also when a replay finds it already posted.
          if (writeCase.tool === "send_invoice") {
            expect(output?.posted, label).toBe(true);
            const notes = await approvalNotes(w.direct, "account.move", approvalId);
            expect(
              notes.filter((note) => note.body.includes(approvalNoteText("Posted and sent", approvalId))),
              label,
            ).toHaveLength(1);
          }
          const posted =
            writeCase.tool === "send_invoice" ? `, output posted: ${String(output?.posted)}` : "";
          expect(await w.h.app.queue.pending(), label).toEqual([]);

          const trail = await auditTrail(w, approvalId);
          const successes = trail.filter((e) => e.event === "execution" && e.result === "success");
          expect(successes, `${label}: ${trailText(trail)}`).toHaveLength(1);
          expect(trail.at(-1)?.result, label).toBe("success");
          if (status === "queued")
            expect(
              trail.some((e) => e.event === "queue" && e.result === "queued"),
              label,
            ).toBe(true);
          const chain = await w.verifyAudit();
          expect(chain.ok, label).toBe(true);

          recordRow({
            scenario: "stop-mid-write",
            case: `${writeCase.tool}, Odoo ${version}`,
            step: where,
            answer: `${describeAnswer(answer)}; after replay: ${String(view.data.status)}${posted}`,
            odoo: `during: ${during.text}; after replay: ${after.text}`,
            audit: `${trailText(trail)}; chain ok`,
            queue: `${status === "queued" ? "held it" : "empty"}; after replay: empty`,
            verdict: "pass",
          });
        }
      }, 120_000);
    }
  });
});
