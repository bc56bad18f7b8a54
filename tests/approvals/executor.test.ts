import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { WriteOperation } from "../../src/mcp/accounting/operation.js";
import {
  drainQueue,
  type ExecutorDeps,
  executeApproval,
  recoverInterrupted,
} from "../../src/mcp/approvals/executor.js";
import { computeArgsHash, newApprovalId } from "../../src/mcp/approvals/ids.js";
import { openApprovalStore } from "../../src/mcp/approvals/open.js";
import type { ApprovalStore } from "../../src/mcp/approvals/store.js";
import { type AuditLog, createAuditLog } from "../../src/mcp/audit/audit-log.js";
import { createMemoryKeychain } from "../../src/mcp/credentials/keychain.js";
import { localDate } from "../../src/mcp/dates.js";
import { OdooUserError } from "../../src/mcp/odoo/errors.js";
import { createOfflineQueue } from "../../src/mcp/queue/offline-queue.js";
import {
  type Controls,
  createControls,
  createFakeOdoo,
  createFakeOperation,
  readEffects,
} from "./helpers/fakes.js";

let dataDir: string;
let effectsFile: string;
let controls: Controls;
/** One keychain per test, shared by its store instances as by the processes of one OS user. */
let keychain: ReturnType<typeof createMemoryKeychain>;

async function makeDeps(
  overrides: Partial<ExecutorDeps> = {},
): Promise<ExecutorDeps & { store: ApprovalStore }> {
  const store = await openApprovalStore({ dataDir, keychain, pollMs: 10 });
  const operation = createFakeOperation("record_payment", effectsFile, controls);
  return {
    store,
    queue: createOfflineQueue(dataDir),
    audit: createAuditLog(dataDir),
    odoo: createFakeOdoo(controls),
    operations: new Map([["record_payment", operation as WriteOperation<unknown, unknown>]]),
    ...overrides,
  };
}

async function approved(store: ApprovalStore, args: unknown = { amount: "10.00", n: 1 }): Promise<string> {
  const record = await store.create({
    tool: "record_payment",
    args,
    meta: { target: "INV/1", amount: "10.00", currency: "EUR" },
    ttlMs: 3_600_000,
  });
  await store.decide(record.id, { decision: "approved", channel: "cli", actor: "tester" });
  return record.id;
}

const todaysAudit = (deps: { audit: AuditLog }) => deps.audit.read(localDate(new Date()));

beforeEach(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), "odoo-mcp-exec-"));
  effectsFile = path.join(dataDir, "effects.jsonl");
  controls = createControls();
  keychain = createMemoryKeychain();
});
afterEach(async () => {
  await chmod(path.join(dataDir, "Logs"), 0o700).catch(() => {});
  await rm(dataDir, { recursive: true, force: true });
});

describe("executeApproval", () => {
  it("runs an approved request once, with the stored arguments, and audits before and after", async () => {
    const deps = await makeDeps();
    const id = await approved(deps.store, { amount: "10.00", partner: "Acme" });
    const outcome = await executeApproval(deps, id);
    expect(outcome).toEqual({ status: "executed", output: { id: 1, nonce: expect.any(String) } });
    expect(await executeApproval(deps, id)).toEqual(outcome); // a replay answers the stored outcome
    const effects = await readEffects(effectsFile);
    expect(effects).toHaveLength(1);
    expect(effects[0]?.args).toEqual({ amount: "10.00", partner: "Acme" });
    const record = await deps.store.get(id);
    expect(record?.status).toBe("executed");
    expect(record?.outcome).toEqual({
      ok: true,
      output: outcome.status === "executed" ? outcome.output : null,
    });
    const lines = (await todaysAudit(deps)).filter((e) => e.approval_id === id);
    expect(lines.map((e) => [e.event, e.result])).toEqual([
      ["execution", "pending"],
      ["execution", "success"],
    ]);
    expect(lines[1]).toMatchObject({
      action: "record_payment",
      amount: "10.00",
      currency: "EUR",
      channel: "cli",
      odoo_record_id: 1,
    });
  });

  it("does nothing for pending, rejected or expired requests", async () => {
    const deps = await makeDeps();
    const pending = await deps.store.create({
      tool: "record_payment",
      args: {},
      meta: { target: "" },
      ttlMs: 60_000,
    });
    const rejected = await deps.store.create({
      tool: "record_payment",
      args: {},
      meta: { target: "" },
      ttlMs: 60_000,
    });
    await deps.store.decide(rejected.id, { decision: "rejected", channel: "tray", actor: "me" });
    expect(await executeApproval(deps, pending.id)).toEqual({ status: "pending" });
    expect(await executeApproval(deps, rejected.id)).toEqual({ status: "rejected" });
    await expect(executeApproval(deps, "../../x")).rejects.toMatchObject({ code: "APPROVAL_NOT_FOUND" });
    expect(await readEffects(effectsFile)).toHaveLength(0);
  });

  it("writes nothing when DRY_RUN is on", async () => {
    const deps = await makeDeps({ dryRun: true });
    const id = await approved(deps.store);
    expect((await executeApproval(deps, id)).status).toBe("failed");
    expect((await deps.store.get(id))?.status).toBe("approved");
    expect(await readEffects(effectsFile)).toHaveLength(0);
  });

  it("an Odoo error other than the connection is the request's outcome, not queued", async () => {
    const deps = await makeDeps();
    const id = await approved(deps.store);
    controls.failNextApply = new OdooUserError(
      "The invoice is already paid",
      "odoo.exceptions.UserError",
      422,
    );
    const outcome = await executeApproval(deps, id);
    expect(outcome).toMatchObject({ status: "failed", code: "VALIDATION_ERROR" });
    expect((await deps.store.get(id))?.status).toBe("failed");
    expect(await deps.queue.pending()).toEqual([]);
  });

  it("when the audit line cannot be written, nothing is applied", async () => {
    const deps = await makeDeps({
      audit: {
        append: async () => {
          throw new Error("disk full");
        },
        read: async () => [],
        fileFor: () => "",
      },
    });
    const id = await approved(deps.store);
    expect(await executeApproval(deps, id)).toMatchObject({
      status: "failed",
      code: "AUDIT_LOG_UNAVAILABLE",
    });
    expect(await readEffects(effectsFile)).toHaveLength(0);
  });

  it("refuses a forged approval without touching Odoo", async () => {
    const deps = await makeDeps();
    const id = newApprovalId();
    const args = { amount: "5000.00" };
    const at = new Date().toISOString();
    await writeFile(
      path.join(dataDir, "approvals", `${id}.json`),
      JSON.stringify({
        v: 2,
        id,
        tool: "record_payment",
        args,
        argsHash: computeArgsHash("record_payment", args),
        meta: { target: "" },
        status: "approved",
        createdAt: at,
        expiresAt: "2099-01-01T00:00:00.000Z",
        decision: { decision: "approved", channel: "cli", actor: "me", at, key: "keychain", signature: "x" },
        seal: "x",
      }),
    );
    expect(await executeApproval(deps, id)).toMatchObject({ status: "failed", code: "APPROVAL_INVALID" });
    expect(await readEffects(effectsFile)).toHaveLength(0);
    expect((await deps.store.get(id))?.status).toBe("approved");
    expect(deps.store.integrity((await deps.store.get(id))!)).not.toEqual([]);
  });

  it("two store instances racing on the same request apply it once", async () => {
    controls.applyDelayMs = 150;
    const a = await makeDeps();
    const b = await makeDeps();
    const id = await approved(a.store);
    const outcomes = await Promise.all([executeApproval(a, id), executeApproval(b, id)]);
    expect(
      outcomes.map((o) => o.status),
      JSON.stringify(outcomes),
    ).toEqual(["executed", "executed"]);
    expect(outcomes[0]).toEqual(outcomes[1]);
    expect(await readEffects(effectsFile)).toHaveLength(1);
  });
});

describe("offline queue replay", () => {
  it("queues an approved request while Odoo is unreachable and replays it once when it answers", async () => {
    const deps = await makeDeps();
    const id = await approved(deps.store);
    controls.down = true;
    expect(await executeApproval(deps, id)).toEqual({ status: "queued" });
    expect((await deps.store.get(id))?.execution?.state).toBe("queued");
    expect((await deps.queue.pending()).map((e) => e.approvalId)).toEqual([id]);
    expect((await todaysAudit(deps)).some((e) => e.event === "queue" && e.result === "queued")).toBe(true);

    expect(await drainQueue(deps)).toEqual({ executed: 0, failed: 0, remaining: 1 }); // still down
    controls.down = false;
    expect(await drainQueue(deps)).toEqual({ executed: 1, failed: 0, remaining: 0 });
    expect(await readEffects(effectsFile)).toHaveLength(1);
    expect((await deps.store.get(id))?.status).toBe("executed");
    expect(await drainQueue(deps)).toEqual({ executed: 0, failed: 0, remaining: 0 });
    expect(await readEffects(effectsFile)).toHaveLength(1);
  });

  it("an attempt whose answer was lost is found on replay, not applied again", async () => {
    const deps = await makeDeps();
    const id = await approved(deps.store);
    controls.loseNextAnswer = true;
    expect(await executeApproval(deps, id)).toEqual({ status: "queued" });
    expect(await readEffects(effectsFile)).toHaveLength(1); // it did reach Odoo
    const outcome = await drainQueue(deps);
    expect(outcome).toEqual({ executed: 1, failed: 0, remaining: 0 });
    expect(await readEffects(effectsFile)).toHaveLength(1);
    const record = await deps.store.get(id);
    expect(record?.status).toBe("executed");
    expect(record?.outcome).toMatchObject({ ok: true, output: { id: 1 } });
  });

  it("replays in approval order, and a request approved later waits behind the queue", async () => {
    const deps = await makeDeps();
    const first = await approved(deps.store, { n: 1 });
    const second = await approved(deps.store, { n: 2 });
    controls.down = true;
    expect(await executeApproval(deps, first)).toEqual({ status: "queued" });
    expect(await executeApproval(deps, second)).toEqual({ status: "queued" });
    controls.down = false;
    const third = await approved(deps.store, { n: 3 });
    // Odoo answers again, but two earlier operations are waiting: the third runs after them.
    expect((await executeApproval(deps, third)).status).toBe("executed");
    expect((await readEffects(effectsFile)).map((e) => e.args)).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    expect(await deps.queue.pending()).toEqual([]);
  });

  it("stops at the first connection error so that order is kept", async () => {
    const deps = await makeDeps();
    const ids = [await approved(deps.store, { n: 1 }), await approved(deps.store, { n: 2 })];
    controls.down = true;
    for (const id of ids) await executeApproval(deps, id);
    const progress: string[] = [];
    expect(await drainQueue(deps, (m) => progress.push(m))).toEqual({ executed: 0, failed: 0, remaining: 2 });
    expect(progress).toHaveLength(1);
    expect((await deps.queue.pending()).map((e) => e.approvalId)).toEqual(ids);
  });

  it("another process draining means this drain does nothing", async () => {
    const deps = await makeDeps();
    const id = await approved(deps.store);
    controls.down = true;
    await executeApproval(deps, id);
    controls.down = false;
    await mkdir(dataDir, { recursive: true });
    const result = await deps.queue.withDrainLock(() => drainQueue(deps));
    expect(result).toEqual({ executed: 0, failed: 0, remaining: 1 });
    expect(await readEffects(effectsFile)).toHaveLength(0);
  });

  it("recoverInterrupted puts a request left running by a dead process back in the queue", async () => {
    const deps = await makeDeps();
    const id = await approved(deps.store);
    await deps.store.claim(id);
    const file = path.join(dataDir, "approvals", `${id}.json`);
    const raw = JSON.parse(await readFile(file, "utf8")) as { execution: { claim: { pid: number } } };
    raw.execution.claim.pid = 2 ** 22 + 4242; // no such process
    await writeFile(file, JSON.stringify(raw));
    expect(await recoverInterrupted(deps)).toBe(1);
    expect(await recoverInterrupted(deps)).toBe(0);
    expect((await deps.queue.pending()).map((e) => e.approvalId)).toEqual([id]);
    expect(await drainQueue(deps)).toEqual({ executed: 1, failed: 0, remaining: 0 });
  });

  it("recoverInterrupted leaves a live process's running request alone", async () => {
    const deps = await makeDeps();
    const id = await approved(deps.store);
    await deps.store.claim(id); // held by this (live) process
    expect(await recoverInterrupted(deps)).toBe(0);
    expect(await deps.queue.pending()).toEqual([]);
  });
});
