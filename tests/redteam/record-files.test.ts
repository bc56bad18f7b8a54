/**
 * Red team, keychain mode: the agent's file tools against the approval records and the journal. Every attack
 * here is refused and leaves nothing extra in Odoo.
 */
import { copyFile, readFile, rm, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { JOURNAL_FILE } from "../../src/mcp/approvals/store.js";
import { type Harness, seedCustomer, startHarness } from "../support/harness.js";
import { runnerWentRound } from "../support/wait.js";
import {
  countInvoices,
  currentFile,
  invoiceFor,
  pendingId,
  readJson,
  readRaw,
  recordFile,
  writeRaw,
} from "./helpers.js";

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
  await seedCustomer(h);
});
afterEach(async () => h.close());

const journalFile = () => path.join(h.dataDir, "approvals", JOURNAL_FILE);
const statusOf = async (id: string) => (await h.call("get_approval", { approval_id: id })).data.status;

describe("swapping and copying request files", () => {
  it("an approved request's file copied over a pending one's approves nothing", async () => {
    const small = await pendingId(h, "create_invoice", invoiceFor(10));
    const big = await pendingId(h, "create_invoice", invoiceFor(50_000));
    await h.approve(small);
    expect(await countInvoices(h)).toBe(1);
    // Put the small one's (approved, executed) file in the big one's place; also its approved-only copy.
    await copyFile(await currentFile(h, small), recordFile(h, big));
    expect(await h.app.approvals.get(big)).toBeNull(); // its id is not the file's name: ignored
    await expect(h.app.approvals.execute(big)).rejects.toMatchObject({ code: "APPROVAL_NOT_FOUND" });
    expect(await countInvoices(h)).toBe(1);
  });

  it("an approved copy of another request renamed to a pending id, with the id edited, breaks its seal", async () => {
    const small = await pendingId(h, "create_invoice", invoiceFor(10));
    const big = await pendingId(h, "create_invoice", invoiceFor(50_000));
    await h.app.approvals.decide(small, { decision: "approved", channel: "cli", actor: "person" });
    const approved = await readJson(h, small);
    const original = await readJson(h, big);
    // The approved decision and seal of `small`, with big's id, args and hash.
    await writeRaw(
      h,
      big,
      JSON.stringify({ ...approved, id: big, args: original.args, argsHash: original.argsHash }),
    );
    const outcome = await h.app.approvals.execute(big);
    expect(outcome).toMatchObject({ status: "failed", code: "APPROVAL_INVALID" });
    // Even with the small request's own arguments kept (only the id changed): refused.
    await writeRaw(h, big, JSON.stringify({ ...approved, id: big }));
    expect(await h.app.approvals.execute(big)).toMatchObject({ status: "failed", code: "APPROVAL_INVALID" });
    expect(await countInvoices(h)).toBe(0);
  });

  it("a symlink from a pending request's file to an approved one's runs nothing", async () => {
    const small = await pendingId(h, "create_invoice", invoiceFor(10));
    const big = await pendingId(h, "create_invoice", invoiceFor(50_000));
    await h.app.approvals.decide(small, { decision: "approved", channel: "cli", actor: "person" });
    await rm(recordFile(h, big));
    await symlink(recordFile(h, small), recordFile(h, big));
    // A link is never followed: refused by name, as anything else that is not a file.
    const refused = `approvals/${big}.json is a symbolic link, not a file`;
    await expect(h.app.approvals.get(big)).rejects.toThrow(refused);
    await expect(h.app.approvals.execute(big)).rejects.toThrow(refused);
    // The real one runs once, and only once.
    await h.app.approvals.execute(small);
    await h.app.approvals.execute(small);
    expect(await countInvoices(h)).toBe(1);
  });

  it("a hand-written approved request (any signature) never runs, neither directly nor through the runner", async () => {
    const id = await pendingId(h, "create_invoice", invoiceFor(50_000));
    const pending = await readJson(h, id);
    await writeRaw(
      h,
      id,
      JSON.stringify({
        ...pending,
        status: "approved",
        decision: {
          decision: "approved",
          channel: "cli",
          actor: "person",
          at: new Date().toISOString(),
          key: "keychain",
          signature: "AAAA",
        },
      }),
    );
    const runner = h.app.approvals.startRunner({ fallbackMs: 50 });
    try {
      await runnerWentRound(h);
    } finally {
      await runner.stop();
    }
    expect(await h.app.approvals.execute(id)).toMatchObject({ status: "failed", code: "APPROVAL_INVALID" });
    expect(await countInvoices(h)).toBe(0);
    // And the person cannot be made to decide a tampered record either.
    await expect(
      h.app.approvals.decide(id, { decision: "approved", channel: "cli", actor: "person" }),
    ).rejects.toMatchObject({ code: "APPROVAL_INVALID" });
  });
});

describe("what the person is shown is what runs (keychain mode)", () => {
  it("arguments changed in a pending file before the person looks: shown as not trustworthy, not decidable", async () => {
    const small = await pendingId(h, "create_invoice", invoiceFor(10));
    const big = await pendingId(h, "create_invoice", invoiceFor(50_000));
    const bigRecord = await readJson(h, big);
    const smallRecord = await readJson(h, small);
    // Args and hash both genuine (from the big request), the seal the small one's.
    await writeRaw(
      h,
      small,
      JSON.stringify({ ...smallRecord, args: bigRecord.args, argsHash: bigRecord.argsHash }),
    );
    const record = await h.app.approvals.get(small);
    const view = await h.app.approvals.view(record!);
    expect(view.integrity.length).toBeGreaterThan(0);
    await expect(
      h.app.approvals.decide(small, {
        decision: "approved",
        channel: "cli",
        actor: "person",
        argsHash: record!.argsHash,
      }),
    ).rejects.toMatchObject({ code: "APPROVAL_INVALID" });
    expect(await countInvoices(h)).toBe(0);
  });

  it("a swap between the person's view and decision is refused (bound to the hash shown)", async () => {
    const small = await pendingId(h, "create_invoice", invoiceFor(10));
    const big = await pendingId(h, "create_invoice", invoiceFor(50_000));
    const shown = await h.app.approvals.get(small);
    await h.app.approvals.view(shown!);
    const bigRecord = await readJson(h, big);
    const smallRecord = await readJson(h, small);
    await writeRaw(
      h,
      small,
      JSON.stringify({ ...smallRecord, args: bigRecord.args, argsHash: bigRecord.argsHash }),
    );
    await expect(
      h.app.approvals.decide(small, {
        decision: "approved",
        channel: "cli",
        actor: "person",
        argsHash: shown!.argsHash,
      }),
    ).rejects.toMatchObject({ code: "APPROVAL_INVALID" });
    // Put back as it was, the request is still pending and decidable: nothing was approved meanwhile.
    await writeRaw(h, small, JSON.stringify(smallRecord, null, 2));
    expect(await statusOf(small)).toBe("pending");
    expect(await countInvoices(h)).toBe(0);
  });

  it("a planted lock on the request (keychain mode) holds up neither the decision nor the run", async () => {
    const id = await pendingId(h, "create_invoice", invoiceFor(10));
    await writeFile(
      `${recordFile(h, id)}.lock`,
      JSON.stringify({ pid: 1, host: "elsewhere", createdAt: new Date().toISOString(), token: "x" }),
    );
    const started = Date.now();
    await h.approve(id);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(await statusOf(id)).toBe("executed");
    expect(await countInvoices(h)).toBe(1);
  });
});

describe("one decision moves money at most once", () => {
  it("an executed request put back as approved, its journal lines removed, is refused", async () => {
    const id = await pendingId(h, "create_invoice", invoiceFor(500));
    await h.app.approvals.decide(id, { decision: "approved", channel: "cli", actor: "person" });
    const approvedCopy = await readRaw(h, id);
    const journalAfterDecision = await readFile(journalFile(), "utf8");
    await h.app.approvals.execute(id);
    expect(await countInvoices(h)).toBe(1);

    // The file alone.
    await writeRaw(h, id, approvedCopy);
    expect((await h.app.approvals.execute(id)).status).not.toBe("executed");
    expect(await countInvoices(h)).toBe(1);
    // The file and the journal as they were right after the decision.
    await writeRaw(h, id, approvedCopy);
    await writeFile(journalFile(), journalAfterDecision);
    expect(await h.app.approvals.execute(id)).toMatchObject({ status: "failed", code: "APPROVAL_INVALID" });
    // The journal deleted altogether.
    await rm(journalFile());
    expect(await h.app.approvals.execute(id)).toMatchObject({ status: "failed", code: "APPROVAL_INVALID" });
    // The runner does not pick it up either.
    const runner = h.app.approvals.startRunner({ fallbackMs: 50 });
    try {
      await runnerWentRound(h);
    } finally {
      await runner.stop();
    }
    expect(await countInvoices(h)).toBe(1);
  });

  it("a torn or garbage last journal line does not hide the completion", async () => {
    const id = await pendingId(h, "create_invoice", invoiceFor(500));
    await h.app.approvals.decide(id, { decision: "approved", channel: "cli", actor: "person" });
    const approvedCopy = await readRaw(h, id);
    await h.app.approvals.execute(id);
    const lines = (await readFile(journalFile(), "utf8")).trimEnd().split("\n");
    // The last line (completed) turned into a torn line: tolerated as a crash, but the head is in the keychain.
    await writeFile(journalFile(), `${[...lines.slice(0, -1), lines.at(-1)!.slice(0, 20)].join("\n")}\n`);
    await writeRaw(h, id, approvedCopy);
    expect(await h.app.approvals.execute(id)).toMatchObject({ status: "failed", code: "APPROVAL_INVALID" });
    expect(await countInvoices(h)).toBe(1);
  });

  it("a rejected request put back as pending is decided afresh, and an executed one put back as pending never runs again", async () => {
    const rejected = await pendingId(h, "create_invoice", invoiceFor(700));
    const pendingCopy = await readRaw(h, rejected);
    await h.reject(rejected, "no");
    await writeRaw(h, rejected, pendingCopy);
    // Nothing runs it on its own: a runner leaves a pending request alone.
    const runner = h.app.approvals.startRunner({ fallbackMs: 50 });
    try {
      await runnerWentRound(h);
    } finally {
      await runner.stop();
    }
    expect(await countInvoices(h)).toBe(0);

    const done = await pendingId(h, "create_invoice", invoiceFor(300));
    const donePending = await readRaw(h, done);
    await h.approve(done);
    await writeRaw(h, done, donePending);
    // The person approves it again (they see it anew): the journal knows it ran.
    await h.app.approvals
      .decide(done, { decision: "approved", channel: "cli", actor: "person" })
      .catch(() => undefined);
    expect((await h.app.approvals.execute(done)).status).not.toBe("executed");
    expect(await countInvoices(h)).toBe(1);
  });
});
