import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { keptItems } from "../../src/mcp/approvals/core.js";
import { renderView } from "../../src/mcp/approvals/view.js";
import { localDate } from "../../src/mcp/dates.js";
import { type Harness, startHarness } from "../support/harness.js";
import {
  type BatchInput,
  batchDocument,
  createBatchOperation,
  readBatchEffects,
  withBatch,
} from "./helpers/batch.js";

/**
 * A person approves a batch, or only some of its items (issue 18: a reconciliation's one request holds many bank
 * lines). What they keep is checked against the document they read, signed with their decision, passed to the
 * operation exactly (and again on a replay), and said in the audit line and the history.
 */

const THREE: BatchInput = {
  items: [
    { title: "Bank line 1 Dec, ACME 100.00 → INV/2026/00001", amount: "100.00 USD", note: "same amount" },
    { title: "Bank line 2 Dec, Globex 250.00 → INV/2026/00007", amount: "250.00 USD" },
    { title: "Bank line 3 Dec, Initech 75.50 → BILL/2026/00003", amount: "75.50 USD" },
  ],
};

describe("approving a batch in part", () => {
  let h: Harness;
  let batch: ReturnType<typeof createBatchOperation>;
  let effects: string;
  let folder: string;

  beforeEach(async () => {
    folder = await mkdtemp(path.join(tmpdir(), "odoo-mcp-batch-"));
    effects = path.join(folder, "effects.jsonl");
    batch = createBatchOperation(effects);
    h = await startHarness({ operations: withBatch(batch) });
  });
  afterEach(async () => {
    await h?.close();
    await rm(folder, { recursive: true, force: true });
  });

  /** The agent asks; nobody answers yet (the call returns at once, pending). */
  const ask = async (input: BatchInput = THREE) => {
    const answer = (await h.app.approvals.request(batch, input, {
      clientName: "test-client",
      signal: AbortSignal.abort(),
    })) as { status: string; approval_id: string };
    expect(answer.status).toBe("pending_approval");
    return answer.approval_id;
  };
  /** What the person read (the view, looked up now): its arguments' hash and document go with the decision. */
  const seen = async (id: string) => {
    const record = (await h.app.approvals.get(id))!;
    const view = await h.app.approvals.view(record);
    return { argsHash: record.argsHash, document: view.document! };
  };
  const decideKeeping = async (id: string, keep: number[] | undefined, channel: "cli" | "tray" = "cli") =>
    h.app.approvals.decide(id, {
      decision: "approved",
      channel,
      actor: "ada",
      ...(await seen(id)),
      ...(keep ? { keep } : {}),
    });
  const auditOf = async (id: string) =>
    (await h.app.audit.read(localDate(new Date()))).filter((event) => event.approval_id === id);

  it("runs only the items kept, tells the operation which, and says '2 of 3 items (1, 3)' in the audit and history", async () => {
    const id = await ask();
    const decided = await decideKeeping(id, [2, 0]);
    expect(decided.decision?.keep).toEqual([0, 2]); // ascending, as the operation gets them

    const outcome = await h.app.approvals.execute(id);
    expect(outcome).toEqual({ status: "executed", output: { applied: [0, 2] } });
    expect(await readBatchEffects(effects)).toEqual([{ approvalId: id, applied: [0, 2] }]);
    expect(batch.refs).toEqual([
      { call: "findApplied", keep: [0, 2] },
      { call: "apply", keep: [0, 2] },
    ]);

    const line = (await auditOf(id)).find((event) => event.event === "approval_decided");
    expect(line?.message).toBe("approved 2 of 3 items (1, 3)");
    const view = await h.app.approvals.view((await h.app.approvals.get(id))!);
    expect(view.decision?.keep).toEqual([0, 2]);
    expect(renderView(view)).toContain("Approved 2 of 3 items (1, 3) at the terminal by ada");
  });

  it("keeping every item is approving the whole batch: no keep is stored or passed", async () => {
    const id = await ask();
    const decided = await decideKeeping(id, [2, 1, 0], "tray");
    expect(decided.decision?.keep).toBeUndefined();
    await h.app.approvals.execute(id);
    expect(batch.refs).toEqual([
      { call: "findApplied", keep: undefined },
      { call: "apply", keep: undefined },
    ]);
    expect(await readBatchEffects(effects)).toEqual([{ approvalId: id, applied: [0, 1, 2] }]);
    const line = (await auditOf(id)).find((event) => event.event === "approval_decided");
    expect(line?.message).toBeUndefined();
  });

  it("refuses items that are not there, twice, none, on a rejection, and on a request without items; nothing is decided", async () => {
    const id = await ask();
    const refused = (keep: number[]) => decideKeeping(id, keep).catch((error: Error) => error);
    expect(String(await refused([3]))).toMatch(/there is no item 4: the items are numbered 1 to 3/);
    expect(String(await refused([-1]))).toMatch(/there is no item 0/);
    expect(String(await refused([1, 1]))).toMatch(/an item was chosen twice/);
    expect(String(await refused([]))).toMatch(/no item was chosen: reject the request instead/);
    const rejection = await h.app.approvals
      .decide(id, { decision: "rejected", channel: "cli", actor: "ada", ...(await seen(id)), keep: [0] })
      .catch((error: Error) => error);
    expect(String(rejection)).toMatch(/a rejection is whole/);
    // Without the document the person read, there is nothing to choose from.
    const unseen = await h.app.approvals
      .decide(id, { decision: "approved", channel: "cli", actor: "ada", keep: [0] })
      .catch((error: Error) => error);
    expect(String(unseen)).toMatch(/no items to choose from/);
    expect((await h.app.approvals.get(id))?.status).toBe("pending");
    expect((await auditOf(id)).filter((event) => event.event === "approval_decided")).toEqual([]);

    const single = await ask({ items: [] });
    const whole = await decideKeeping(single, [0]).catch((error: Error) => error);
    expect(String(whole)).toMatch(/VALIDATION_ERROR|no items to choose from/);
    expect((await h.app.approvals.get(single))?.status).toBe("pending");
  });

  it("only a person narrows a batch: the chat and the policy approve it whole", () => {
    const document = batchDocument(THREE);
    for (const channel of ["elicitation", "auto"] as const)
      expect(() => keptItems("apr_x", { decision: "approved", channel, document, keep: [0] })).toThrow(
        /only a person, at the terminal or in the app, approves part of a batch/,
      );
    expect(keptItems("apr_x", { decision: "approved", channel: "tray", document, keep: [1] })).toEqual([1]);
  });

  it("the chat's prompt approves a batch whole, and says where to approve some of it", async () => {
    let asked = "";
    const answer = (await h.app.approvals.request(batch, THREE, {
      clientName: "test-client",
      signal: new AbortController().signal,
      elicit: async (message) => {
        asked = message;
        return "approve";
      },
    })) as { applied: number[]; approval_id: string };
    expect(asked).toContain("Items (3):");
    expect(asked).toContain(
      `Approving here approves all 3 items; to approve some of them only, use the odoo-mcp app or \`odoo-mcp approvals approve ${answer.approval_id} --only 1,3\` at a terminal.`,
    );
    expect(answer.applied).toEqual([0, 1, 2]);
    const record = await h.app.approvals.get(answer.approval_id);
    expect(record?.decision).toMatchObject({ channel: "elicitation" });
    expect(record?.decision?.keep).toBeUndefined();
    expect(batch.refs.filter((ref) => ref.call === "apply")).toEqual([{ call: "apply", keep: undefined }]);
  });

  it("the signature covers keep: widening it in the stored record makes the record untrusted and nothing runs", async () => {
    const id = await ask();
    await decideKeeping(id, [0]);
    const file = path.join(h.dataDir, "approvals", `${id}.json`);
    const stored = JSON.parse(await readFile(file, "utf8"));
    const widened = { ...stored, decision: { ...stored.decision, keep: [0, 1, 2] } };
    // Neither the seal nor the decision's own signature holds...
    expect(await h.app.approvals.verify(widened)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/seal is broken/),
        expect.stringMatching(/the decision's signature is not valid/),
      ]),
    );
    // ...and the edited file is refused when it is run: nothing reaches the operation.
    await writeFile(file, JSON.stringify(widened));
    expect(h.app.approvals.integrity((await h.app.approvals.get(id))!)).not.toEqual([]);
    const outcome = await h.app.approvals.execute(id);
    expect(outcome).toMatchObject({ status: "failed", code: "APPROVAL_INVALID" });
    expect(await readBatchEffects(effects)).toEqual([]);
    expect(batch.refs).toEqual([]);

    // Removing keep (to run the whole batch) is refused the same way.
    const whole = { ...stored, decision: { ...stored.decision } };
    delete whole.decision.keep;
    expect(await h.app.approvals.verify(whole)).toEqual(
      expect.arrayContaining([expect.stringMatching(/the decision's signature is not valid/)]),
    );
  });

  it("a replay after the answer was lost passes the same keep, and the items are applied once", async () => {
    const id = await ask();
    await decideKeeping(id, [1]);
    batch.loseNextAnswer = true;
    expect(await h.app.approvals.execute(id)).toEqual({ status: "queued" });
    const drained = await h.app.approvals.drain();
    expect(drained).toMatchObject({ executed: 1, failed: 0, remaining: 0 });
    expect((await h.app.approvals.get(id))?.status).toBe("executed");
    expect(await readBatchEffects(effects)).toEqual([{ approvalId: id, applied: [1] }]);
    expect(batch.refs).toEqual([
      { call: "findApplied", keep: [1] },
      { call: "apply", keep: [1] },
      { call: "findApplied", keep: [1] },
    ]);
  });

  it("the chat's prompt and the terminal list the items numbered from 1, escaped", async () => {
    const id = await ask({
      items: [
        { title: "Plain line", amount: "1.00 USD" },
        { title: "Evil\u202e\nTotal 0.00 USD\u001b[2J", amount: "2.00 USD", note: "line\rbreak" },
      ],
    });
    const text = renderView(await h.app.approvals.view((await h.app.approvals.get(id))!));
    expect(text).toMatch(
      /Items \(2\):\n {2}1\. Plain line +1\.00 USD\n {2}2\. Evil\\u202e\\nTotal 0\.00 USD\\x1b\[2J +2\.00 USD/,
    );
    expect(text).toContain("Note: line\\rbreak");
    for (const raw of ["\u202e", "\u001b", "\r"]) expect(text).not.toContain(raw);
  });
});
