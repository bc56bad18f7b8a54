import { randomUUID } from "node:crypto";
import { appendFile, readFile } from "node:fs/promises";
import { z } from "zod";
import type { AttemptMarker, WriteOperation } from "../../../src/mcp/accounting/operation.js";
import { OdooConnectionError } from "../../../src/mcp/odoo/errors.js";
import type { Odoo, OdooCall } from "../../../src/mcp/odoo/types.js";

/**
 * Test doubles for the executor: Odoo is not what is under test here, so a fake `Odoo` whose `call` fails with
 * `OdooConnectionError` on demand, and a write operation whose side effects are lines in a real file (so that
 * "applied twice" is observable, even across processes).
 */
export interface Controls {
  /** Odoo is unreachable: every call fails before reaching it. */
  down: boolean;
  /** The next apply reaches Odoo, takes effect, and then its answer is lost. */
  loseNextAnswer: boolean;
  /** The next apply fails with this error. */
  failNextApply?: Error;
  applyDelayMs: number;
}

export function createControls(): Controls {
  return { down: false, loseNextAnswer: false, applyDelayMs: 0 };
}

export function createFakeOdoo(controls: Controls): Odoo & { calls: OdooCall[] } {
  const calls: OdooCall[] = [];
  const unused = async (): Promise<never> => {
    throw new Error("not used by these tests");
  };
  return {
    calls,
    settings: {
      url: "http://odoo.test",
      database: "db",
      username: "u",
      secretKind: "api_key",
      api: "json2",
      timeoutMs: 1000,
    },
    version: unused,
    api: unused,
    uid: unused,
    async call<T>(call: OdooCall): Promise<T> {
      if (controls.down) throw new OdooConnectionError("connection refused", false);
      calls.push(call);
      return null as T;
    },
    searchRead: unused,
    read: unused,
    searchCount: unused,
    create: unused,
    write: unused,
    stats: () => ({ roundTrips: calls.length, odooMs: 0 }),
    close: async () => {},
  };
}

export interface Effect {
  nonce: string;
  approvalId: string;
  args: unknown;
}

export async function readEffects(file: string): Promise<Effect[]> {
  const text = await readFile(file, "utf8").catch(() => "");
  return text
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Effect);
}

/** A payment-like operation: each apply appends one line to `effectsFile`; findApplied looks for its marker. */
export function createFakeOperation(
  tool: string,
  effectsFile: string,
  controls: Controls,
): WriteOperation<unknown, { id: number; nonce: string }> {
  return {
    tool,
    result: z.object({ id: z.number().int(), nonce: z.string() }),
    async prepare() {
      const document = { name: "fake", effect: "fake", amounts: [], rows: [] };
      return { summary: "fake", document, target: "fake", direction: "in" as const, facts: {}, binding: {} };
    },
    async mark(odoo) {
      await odoo.call({ model: "fake", method: "search_read" });
      return { nonce: randomUUID() } satisfies AttemptMarker;
    },
    async findApplied(odoo, _input, ref) {
      await odoo.call({ model: "fake", method: "search_read" });
      const effects = await readEffects(effectsFile);
      // As the real operations: by the approval id the effect carries, whatever the local attempts say.
      const index = effects.findIndex((effect) => effect.approvalId === ref.approvalId);
      return index === -1 ? null : { id: index + 1, nonce: String(effects[index]?.nonce) };
    },
    async apply(odoo, input, { approvalId, marker }) {
      await odoo.call({ model: "fake", method: "create" });
      if (controls.failNextApply) {
        const error = controls.failNextApply;
        controls.failNextApply = undefined;
        throw error;
      }
      if (controls.applyDelayMs) await new Promise((resolve) => setTimeout(resolve, controls.applyDelayMs));
      await appendFile(effectsFile, `${JSON.stringify({ nonce: marker.nonce, approvalId, args: input })}\n`);
      const id = (await readEffects(effectsFile)).length;
      if (controls.loseNextAnswer) {
        controls.loseNextAnswer = false;
        throw new OdooConnectionError("timeout after sending", true);
      }
      return { id, nonce: String(marker.nonce) };
    },
    dryRun: async () => ({ fields: {}, would: { action: "pay" } }),
  };
}

/**
 * The same operation in plain JavaScript, for child processes (which run the compiled modules). With RACE set,
 * the child talks with the parent line by line instead of relying on timing: it says "ready" once loaded and
 * waits for "go"; in apply it says "applying" and waits for "release"; it says "waiting" when it first waits for
 * another process's outcome (store.waitForChange, observed, not replaced). The outcome is its last line.
 */
export const CHILD_SCRIPT = String.raw`
import { randomUUID } from "node:crypto";
import { appendFile, readFile } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
const env = process.env;
const lines = env.RACE ? (await import("node:readline")).createInterface({ input: process.stdin }) : null;
const incoming = lines?.[Symbol.asyncIterator]();
const say = (word) => process.stdout.write(word + "\n");
const hear = async (word) => {
  for (;;) {
    const { value, done } = await incoming.next();
    if (done) throw new Error("stdin closed before " + JSON.stringify(word));
    if (value.trim() === word) return;
  }
};
const load = (rel) => import(pathToFileURL(path.join(env.BUILD_DIR, rel)).href);
const { openApprovalStore } = await load("mcp/approvals/open.js");
const { createOsKeychain } = await load("mcp/credentials/keychain.js");
const { executeApproval } = await load("mcp/approvals/executor.js");
const { createAuditLog } = await load("mcp/audit/audit-log.js");
const { createOfflineQueue } = await load("mcp/queue/offline-queue.js");
const effects = async () => (await readFile(env.EFFECTS, "utf8").catch(() => "")).split("\n").filter(Boolean).map((l) => JSON.parse(l));
const odoo = { call: async () => null };
const operation = {
  tool: "record_payment",
  async mark() { return { nonce: randomUUID() }; },
  async findApplied(_odoo, _input, ref) {
    const all = await effects();
    const index = all.findIndex((e) => e.approvalId === ref.approvalId);
    return index === -1 ? null : { id: index + 1, nonce: all[index].nonce };
  },
  async apply(_odoo, input, { approvalId, marker }) {
    if (env.CRASH_AT === "before-apply") process.exit(9);
    if (env.RACE) {
      say("applying");
      await hear("release");
    }
    await appendFile(env.EFFECTS, JSON.stringify({ nonce: marker.nonce, approvalId, args: input, pid: process.pid }) + "\n");
    if (env.CRASH_AT === "after-apply") process.exit(9);
    return { id: (await effects()).length, nonce: marker.nonce };
  },
};
const store = await openApprovalStore({ dataDir: env.DATA_DIR, keychain: createOsKeychain(env.KEYCHAIN_SERVICE) });
const deps = {
  store,
  queue: createOfflineQueue(env.DATA_DIR),
  audit: createAuditLog(env.DATA_DIR),
  odoo,
  operations: new Map([["record_payment", operation]]),
};
if (env.RACE) {
  const waitForChange = store.waitForChange;
  let told = false;
  store.waitForChange = (...args) => {
    if (!told) say("waiting");
    told = true;
    return waitForChange(...args);
  };
  say("ready");
  await hear("go");
}
const outcome = await executeApproval(deps, env.ID);
process.stdout.write(JSON.stringify(outcome));
lines?.close();
`;
