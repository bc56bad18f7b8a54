import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { WriteOperation } from "../../src/mcp/accounting/operation.js";
import {
  drainQueue,
  type ExecutorDeps,
  executeApproval,
  recoverInterrupted,
} from "../../src/mcp/approvals/executor.js";
import { openApprovalStore } from "../../src/mcp/approvals/open.js";
import type { ApprovalStore } from "../../src/mcp/approvals/store.js";
import { createAuditLog } from "../../src/mcp/audit/audit-log.js";
import { createOsKeychain } from "../../src/mcp/credentials/keychain.js";
import { localDate } from "../../src/mcp/dates.js";
import { createOfflineQueue } from "../../src/mcp/queue/offline-queue.js";
import { buildForChildren, runNode } from "./helpers/build.js";
import {
  CHILD_SCRIPT,
  createControls,
  createFakeOdoo,
  createFakeOperation,
  readEffects,
} from "./helpers/fakes.js";

/**
 * Real processes: two servers racing on one request, and a process killed (exit) at each point of a replay.
 * The children run the compiled modules; the parent checks with the TypeScript ones over the same data folder.
 */
let build: { dir: string; cleanup(): Promise<void> };
let script: string;
let dataDir: string;
let effectsFile: string;

beforeAll(async () => {
  build = await buildForChildren();
  script = path.join(build.dir, "child.mjs");
  await writeFile(script, CHILD_SCRIPT);
}, 60_000);
afterAll(async () => {
  await build?.cleanup();
});
let keychainService: string;
beforeEach(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), "odoo-mcp-crash-"));
  keychainService = `odoo-mcp-test-${path.basename(dataDir)}`;
  effectsFile = path.join(dataDir, "effects.jsonl");
  return () => rm(dataDir, { recursive: true, force: true });
});

async function parentDeps(): Promise<ExecutorDeps & { store: ApprovalStore }> {
  const controls = createControls();
  return {
    // The real OS keychain (tests run under scripts/with-keyring.sh): the children share its key, as processes do.
    store: await openApprovalStore({ dataDir, keychain: createOsKeychain(keychainService), pollMs: 10 }),
    queue: createOfflineQueue(dataDir),
    audit: createAuditLog(dataDir),
    odoo: createFakeOdoo(controls),
    operations: new Map([
      [
        "record_payment",
        createFakeOperation("record_payment", effectsFile, controls) as WriteOperation<unknown, unknown>,
      ],
    ]),
  };
}

async function approvedRequest(store: ApprovalStore): Promise<string> {
  const record = await store.create({
    tool: "record_payment",
    args: { amount: "25.00" },
    meta: { target: "INV/7" },
    ttlMs: 3_600_000,
  });
  await store.decide(record.id, { decision: "approved", channel: "cli", actor: "tester" });
  return record.id;
}

const childEnv = (id: string, extra: Record<string, string> = {}) => ({
  BUILD_DIR: build.dir,
  KEYCHAIN_SERVICE: keychainService,
  DATA_DIR: dataDir,
  EFFECTS: effectsFile,
  ID: id,
  ...extra,
});

/** A child in RACE mode (see CHILD_SCRIPT): the parent hears its words and tells it when to go on. */
function startRacer(env: Record<string, string>) {
  const child = spawn(process.execPath, [script], {
    env: { ...process.env, ...env, RACE: "1" },
    stdio: ["pipe", "pipe", "pipe"],
  });
  const heardLines: string[] = [];
  const waiters: { word: string; resolve(): void; reject(error: Error): void }[] = [];
  let stdout = "";
  let stderr = "";
  let pendingText = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
    pendingText += chunk.toString();
    const parts = pendingText.split("\n");
    pendingText = parts.pop() ?? "";
    for (const line of parts) {
      heardLines.push(line);
      for (const waiter of waiters.filter((w) => w.word === line)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  });
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    child.on("close", (code) => {
      for (const waiter of waiters.splice(0))
        waiter.reject(new Error(`child exited (${code}) before saying "${waiter.word}": ${stderr}`));
      resolve({ code, stdout, stderr });
    });
  });
  return {
    heard: (word: string) =>
      heardLines.includes(word)
        ? Promise.resolve()
        : new Promise<void>((resolve, reject) => waiters.push({ word, resolve, reject })),
    said: (word: string) => heardLines.includes(word),
    tell: (word: string) => child.stdin.write(`${word}\n`),
    done: async () => {
      child.stdin.end();
      return done;
    },
  };
}

describe("across processes", () => {
  it("two processes racing executeApproval on the same request apply it exactly once", async () => {
    const deps = await parentDeps();
    for (let round = 0; round < 3; round++) {
      const id = await approvedRequest(deps.store);
      const racers = [startRacer(childEnv(id)), startRacer(childEnv(id))];
      // Both start together once loaded; one takes the claim and is held inside apply until the other has
      // found the claim taken and waits for its outcome.
      await Promise.all(racers.map((racer) => racer.heard("ready")));
      for (const racer of racers) racer.tell("go");
      const winner = await Promise.race(racers.map((racer, i) => racer.heard("applying").then(() => i)));
      const loser = racers[1 - winner]!;
      await loser.heard("waiting");
      racers[winner]!.tell("release");
      const results = await Promise.all(racers.map((racer) => racer.done()));
      expect(loser.said("applying")).toBe(false);
      const outcomes = results.map((result) => {
        expect(result.code, result.stderr).toBe(0);
        return JSON.parse(result.stdout.trim().split("\n").at(-1) ?? "");
      });
      for (const outcome of outcomes) expect(outcome).toMatchObject({ status: "executed" });
      expect(outcomes[0]).toEqual(outcomes[1]);
    }
    expect(await readEffects(effectsFile)).toHaveLength(3);
  });

  it("a crash after the attempt is recorded but before Odoo is touched: the replay applies it once", async () => {
    const deps = await parentDeps();
    const id = await approvedRequest(deps.store);
    const crashed = await runNode(script, childEnv(id, { CRASH_AT: "before-apply" }));
    expect(crashed.code).toBe(9);
    expect(await readEffects(effectsFile)).toHaveLength(0);
    const left = await deps.store.get(id);
    expect(left?.execution?.state).toBe("running");
    expect(left?.execution?.attempts).toHaveLength(1);

    expect(await recoverInterrupted(deps)).toBe(1);
    expect(await drainQueue(deps)).toEqual({ executed: 1, failed: 0, remaining: 0 });
    expect(await readEffects(effectsFile)).toHaveLength(1);
    expect((await deps.store.get(id))?.status).toBe("executed");
  });

  it("a crash after Odoo applied it but before completion: the replay finds it and never applies it again", async () => {
    const deps = await parentDeps();
    const id = await approvedRequest(deps.store);
    const crashed = await runNode(script, childEnv(id, { CRASH_AT: "after-apply" }));
    expect(crashed.code).toBe(9);
    expect(await readEffects(effectsFile)).toHaveLength(1);

    // Without recoverInterrupted first, a direct executeApproval takes over the dead process's claim.
    const outcome = await executeApproval(deps, id);
    expect(outcome).toMatchObject({ status: "executed", output: { id: 1 } });
    expect(await readEffects(effectsFile)).toHaveLength(1);
    const audit = await deps.audit.read(localDate(new Date()));
    expect(audit.some((e) => e.approval_id === id && /earlier attempt/.test(e.message ?? ""))).toBe(true);
    // And later replays do nothing more.
    expect(await recoverInterrupted(deps)).toBe(0);
    expect(await drainQueue(deps)).toEqual({ executed: 0, failed: 0, remaining: 0 });
    expect(await readEffects(effectsFile)).toHaveLength(1);
  });

  it("a crash in the middle of replaying the queue loses nothing and applies each operation once", async () => {
    const deps = await parentDeps();
    const ids = [await approvedRequest(deps.store), await approvedRequest(deps.store)];
    for (const id of ids) {
      await deps.queue.enqueue(id, "record_payment");
      await deps.store.markQueued(id);
    }
    // A child asked to run the second one drains the queue in order, and dies right after applying the first.
    const crashed = await runNode(script, childEnv(ids[1]!, { CRASH_AT: "after-apply" }));
    expect(crashed.code).toBe(9);
    expect(await readEffects(effectsFile)).toHaveLength(1);
    // The drain lock of the dead process is taken over, the first is found applied, the second runs.
    expect(await recoverInterrupted(deps)).toBe(1);
    expect(await drainQueue(deps)).toEqual({ executed: 2, failed: 0, remaining: 0 });
    expect(await readEffects(effectsFile)).toHaveLength(2);
    for (const id of ids) expect((await deps.store.get(id))?.status).toBe("executed");
    const queueText = await readFile(path.join(dataDir, ".odoo_queue.jsonl"), "utf8");
    expect(queueText).toBe(""); // compacted once empty
  });
});
