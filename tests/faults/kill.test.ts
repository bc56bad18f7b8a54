/**
 * The server process killed at each step of an approved execution and of a queue replay, then restarted.
 *
 * The server is the BUILT one (`odoo-mcp serve`, tests/faults/servers.ts) as a child process, its ODOO_URL the
 * fault proxy in front of a sandbox, its data folder and OS keychain shared with the test (run under
 * scripts/with-keyring.sh). The agent's gated call is made in the test process (createApp on the same data
 * folder, a client without a prompt: `pending_approval`), and the person decides through the approval core there,
 * as `odoo-mcp approvals approve` does; the server's runner sees the decision and runs it.
 *
 * - execution: a clean run lists the requests a running server makes for the approved write (its steps); then,
 *   for each step k, the proxy SIGKILLs the server when request k arrives, before forwarding it and (for a step
 *   that writes) after Odoo applied it, before the answer reaches the server. A new server is started on the same
 *   data folder: its start-up recovery and queue replay must finish the work. It is the running server of the
 *   next case.
 * - replay: the approved write is queued while Odoo is down (connections refused); Odoo comes back and a new
 *   server replays the queue at start-up; it is killed at step k of that replay, and one more server finishes it.
 *
 * Each time: exactly one effect in Odoo, the approval `executed` with the right output, the queue empty, the audit
 * chain intact with one successful execution. Odoo 19 only (the per-version flows are covered in process by
 * stop-mid-write.test.ts); the lanes (tool × scenario) run in parallel, each with its own sandbox and data folder.
 */
import { afterAll, describe, expect, it } from "vitest";
import { createOsKeychain } from "../../src/mcp/credentials/keychain.js";
import type { FaultAction, FaultProxy } from "./proxy.js";
import { recordRow } from "./results.js";
import { type ServerChild, startServerChild } from "./servers.js";
import {
  auditTrail,
  type Effects,
  startWorld,
  trailText,
  type World,
  WRITE_CASES,
  type WriteCase,
} from "./world.js";

/** Odoo calls that change nothing: killing after one was applied is the same as killing before it. */
const READS =
  /\.(search_read|read|search|search_count|fields_get|name_search|read_group|version|login|authenticate|context_get|check_access_rights|has_group|default_get|onchange|about)$/;
const isRead = (call: string) => READS.test(call) || call.startsWith("common.");

type Kill = "before" | "after";
const KILL_TEXT: Record<Kill, string> = {
  before: "killed before it reached Odoo",
  after: "killed after Odoo applied it, before its answer",
};

// Longer than the runner's longest backoff (30 s): a replay that met a dead server's lock waits for its step.
async function until<T>(what: string, probe: () => Promise<T | null>, ms = 75_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** The proxy kills `server()` when request `mark + k` arrives, before or after forwarding it. */
function killAt(proxy: FaultProxy, mark: number, k: number, kill: Kill, server: () => ServerChild): void {
  proxy.setPlan(({ n }): FaultAction => {
    if (n - mark !== k) return { kind: "pass" };
    const action = async () => {
      await server().kill();
    };
    return kill === "before" ? { kind: "refuse", before: action } : { kind: "pass", after: action };
  });
}

interface Lane {
  w: World;
  env: Record<string, string>;
  tool: WriteCase["tool"];
  n: number;
  /** This lane's server processes, oldest first (two lanes run at once: the others' are not this one's story). */
  servers: ServerChild[];
}

async function startLane(tool: WriteCase["tool"]): Promise<Lane> {
  const w = await startWorld(19, {}, { keychain: createOsKeychain(), person: "elsewhere" });
  return { w, env: { ...w.h.env }, tool, n: 0, servers: [] };
}

/** A fixture and the agent's gated call for it: `pending_approval`. */
async function request(lane: Lane) {
  const writeCase = WRITE_CASES.find((c) => c.tool === lane.tool) as WriteCase;
  const fixture = await writeCase.setup(lane.w, ++lane.n);
  const asked = await lane.w.h.call(lane.tool, fixture.args);
  expect(asked.isError, asked.text).toBe(false);
  expect(asked.data.status).toBe("pending_approval");
  return { fixture, approvalId: String(asked.data.approval_id) };
}

const decide = (lane: Lane, approvalId: string) =>
  lane.w.h.app.approvals.decide(approvalId, { decision: "approved", channel: "cli", actor: "tester" });

/** Waits until the approval is executed (or failed) and the queue is empty. */
async function settled(lane: Lane, approvalId: string, label: string) {
  try {
    return await until(`${label}: the approval to be executed and the queue emptied`, async () => {
      const record = await lane.w.h.app.approvals.get(approvalId);
      if (record?.status !== "executed" && record?.status !== "failed") return null;
      if ((await lane.w.h.app.queue.pending()).length > 0) return null;
      // The store is completed first, then the audit line is written.
      const trail = await auditTrail(lane.w, approvalId);
      return trail.some((e) => e.event === "execution" && e.result !== "pending") ? record : null;
    });
  } catch (error) {
    // Seen on a busy machine: say where it stood, and what this lane's servers said (at debug, timestamped).
    const record = await lane.w.h.app.approvals.get(approvalId);
    const queue = await lane.w.h.app.queue.pending();
    const trail = await auditTrail(lane.w, approvalId);
    throw new Error(
      `${error instanceof Error ? error.message : String(error)}; the request: ${record?.status} ` +
        `${JSON.stringify(record?.execution ?? null)}; queue: ${JSON.stringify(queue.map((e) => e.approvalId))}; ` +
        `audit: ${JSON.stringify(trail.map((e) => `${e.event}:${e.result}`))}; ` +
        `now ${new Date().toISOString()}; this lane's servers:\n${serversText(lane)}`,
    );
  }
}

/** What must hold after each case; answers the table's cells. */
async function check(
  lane: Lane,
  approvalId: string,
  effects: () => Promise<Effects>,
  label: string,
): Promise<{ answer: string; odoo: string; audit: string }> {
  const record = await settled(lane, approvalId, label);
  const after = await effects();
  expect(after.duplicates, `${label}: ${after.text}`).toEqual([]);
  expect(after.complete, `${label}: ${after.text}`).toBe(true);
  expect(record.status, `${label}: ${JSON.stringify(record.execution)}`).toBe("executed");
  const view = await lane.w.h.call("get_approval", { approval_id: approvalId });
  expect(view.data.status, label).toBe("executed");
  const output = view.data.output as Record<string, unknown> | undefined;
  expect(output, label).toBeDefined();
  const expected: Record<WriteCase["tool"], Record<string, unknown>> = {
    create_invoice: { status: "draft" },
    post_invoice: { status: "posted" },
    // The fixture is a draft: this approval posted it, whichever attempt did.
    send_invoice: { status: "sent", posted: true, email_sent: true },
    record_payment: {},
    create_expense: {},
    create_credit_note: { status: "posted", total_amount: 40.83 },
  };
  expect(output, label).toMatchObject(expected[lane.tool]);
  expect(await lane.w.h.app.queue.pending(), label).toEqual([]);
  const trail = await auditTrail(lane.w, approvalId);
  const successes = trail.filter((e) => e.event === "execution" && e.result === "success");
  expect(successes, `${label}: ${trailText(trail)}`).toHaveLength(1);
  expect(trail.at(-1)?.result, `${label}: ${trailText(trail)}`).toBe("success");
  expect(trail[0]?.event, label).toBe("approval_requested");
  expect(
    trail.some((e) => e.event === "approval_decided"),
    label,
  ).toBe(true);
  const chain = await lane.w.verifyAudit();
  expect(chain.ok, `${label}: the audit chain: ${chain.why}`).toBe(true);
  const posted = lane.tool === "send_invoice" ? `, posted: ${String(output?.posted)}` : "";
  const found = successes[0]?.message ? ` (${successes[0].message})` : "";
  return {
    answer: `${String(view.data.status)}, output ${String(output?.status ?? "ok")}${posted}`,
    odoo: after.text,
    audit: `${trailText(trail)}${found}; chain ok`,
  };
}

const TOOLS = WRITE_CASES.map((c) => c.tool);
const lanes: Lane[] = [];
const servers: ServerChild[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.kill()));
  await Promise.all(lanes.map((lane) => lane.w.close()));
});

function spawnServer(lane: Lane): ServerChild {
  const server = startServerChild(lane.env);
  servers.push(server);
  lane.servers.push(server);
  return server;
}

/** Waits until the proxy killed the server at request `n`; on a timeout, says how far the requests got, and the servers' logs. */
async function killed(lane: Lane, label: string, n: number, exited: () => boolean): Promise<void> {
  try {
    await until(`${label}: the server to be killed`, async () => (exited() ? true : null));
  } catch (error) {
    const seen = lane.w.proxy.seen.filter((r) => r.n > n - 5);
    throw new Error(
      `${error instanceof Error ? error.message : String(error)}; the kill was planned at request ${n}, the proxy ` +
        `saw ${lane.w.proxy.count()} (the last: ${JSON.stringify(seen.map((r) => `${r.n} ${r.call}`))}); ` +
        `now ${new Date().toISOString()}; this lane's servers:\n${serversText(lane)}`,
    );
  }
}

/** This lane's servers, each with the start and the end of what it logged (the last one in full, to a point). */
function serversText(lane: Lane): string {
  return lane.servers
    .map((server, i) => {
      const text = server.stderr();
      const last = i === lane.servers.length - 1;
      const keep = last ? 12_000 : 1_500;
      const shown =
        text.length <= keep ? text : `${text.slice(0, keep / 2)}\n[...]\n${text.slice(-keep / 2)}`;
      return `- ${server.describe()}:\n${shown || "(nothing on stderr)"}`;
    })
    .join("\n");
}

async function executionLane(tool: WriteCase["tool"]): Promise<void> {
  {
    const lane = await startLane(tool);
    lanes.push(lane);
    const { w } = lane;
    let server = spawnServer(lane);
    // A running server: the first approval warms it up (its session with Odoo), the second lists the steps.
    let steps: string[] = [];
    for (let round = 0; round < 2; round++) {
      const { fixture, approvalId } = await request(lane);
      const mark = w.proxy.count();
      await decide(lane, approvalId);
      await check(lane, approvalId, fixture.effects, `${tool}: clean run`);
      steps = w.proxy.since(mark).map((r) => r.call);
    }
    expect(steps.length, steps.join(", ")).toBeGreaterThan(1);
    for (let k = 1; k <= steps.length; k++) {
      for (const kill of ["before", "after"] as const) {
        if (kill === "after" && isRead(steps[k - 1] ?? "")) continue;
        const { fixture, approvalId } = await request(lane);
        const mark = w.proxy.count();
        const victim = server;
        killAt(w.proxy, mark, k, kill, () => victim);
        await decide(lane, approvalId);
        await killed(lane, `${tool} step ${k}`, mark + k, () => victim.exited);
        const at = w.proxy.seen.find((r) => r.n === mark + k)?.call ?? "?";
        const where = `${k}/${steps.length} ${at} (${KILL_TEXT[kill]})`;
        const label = `${tool}, step ${where}`;
        const during = await fixture.effects();
        expect(during.duplicates, label).toEqual([]);
        const left = await w.h.app.approvals.get(approvalId);
        w.proxy.setPlan(null);
        server = spawnServer(lane);
        const cells = await check(lane, approvalId, fixture.effects, label);
        // The audit log says that the killed process's attempt was interrupted and queued again.
        const trail = await auditTrail(w, approvalId);
        expect(
          trail.some((e) => e.event === "queue" && /stopped before it finished/.test(e.message ?? "")),
          `${label}: ${trailText(trail)}`,
        ).toBe(true);
        recordRow({
          scenario: "kill-execution",
          case: `${tool}, Odoo 19`,
          step: where,
          answer: cells.answer,
          odoo: `at the kill: ${during.text}; after restart: ${cells.odoo}`,
          audit: cells.audit,
          queue: `left ${left?.execution?.state ?? "not started"}; after restart: empty`,
          verdict: "pass",
        });
      }
    }
    await server.stop();
  }
}

async function replayLane(tool: WriteCase["tool"]): Promise<void> {
  {
    const lane = await startLane(tool);
    lanes.push(lane);
    const { w } = lane;
    /** An approved write queued while Odoo refuses connections (decided and run in the test process). */
    const queued = async () => {
      const { fixture, approvalId } = await request(lane);
      await w.proxy.stop();
      await decide(lane, approvalId);
      const outcome = await w.h.app.approvals.execute(approvalId);
      expect(outcome.status).toBe("queued");
      expect((await w.h.app.queue.pending()).map((e) => e.approvalId)).toEqual([approvalId]);
      await w.proxy.start();
      return { fixture, approvalId };
    };
    // A clean replay by a server started on the queue lists the steps.
    const clean = await queued();
    const mark0 = w.proxy.count();
    const first = spawnServer(lane);
    await check(lane, clean.approvalId, clean.fixture.effects, `${tool}: clean replay`);
    const steps = w.proxy.since(mark0).map((r) => r.call);
    await first.stop();
    expect(steps.length, steps.join(", ")).toBeGreaterThan(1);
    // The cold server's session steps come first and are the same for every tool: killed there in one lane only.
    let from = 1;
    if (tool !== "create_invoice") while (SESSION.test(steps[from - 1] ?? "")) from++;
    expect(from, steps.join(", ")).toBeLessThan(steps.length);
    for (let k = from; k <= steps.length; k++) {
      for (const kill of ["before", "after"] as const) {
        if (kill === "after" && isRead(steps[k - 1] ?? "")) continue;
        const { fixture, approvalId } = await queued();
        const mark = w.proxy.count();
        let victim: ServerChild | null = null;
        killAt(w.proxy, mark, k, kill, () => victim as ServerChild);
        victim = spawnServer(lane);
        await killed(lane, `${tool} replay step ${k}`, mark + k, () => victim?.exited === true);
        const at = w.proxy.seen.find((r) => r.n === mark + k)?.call ?? "?";
        const where = `${k}/${steps.length} ${at} (${KILL_TEXT[kill]})`;
        const label = `${tool}, replay step ${where}`;
        const during = await fixture.effects();
        expect(during.duplicates, label).toEqual([]);
        const left = await w.h.app.approvals.get(approvalId);
        const inQueue = (await w.h.app.queue.pending()).map((e) => e.approvalId);
        w.proxy.setPlan(null);
        const finisher = spawnServer(lane);
        const cells = await check(lane, approvalId, fixture.effects, label);
        await finisher.stop();
        recordRow({
          scenario: "kill-replay",
          case: `${tool}, Odoo 19`,
          step: where,
          answer: `queued; ${cells.answer}`,
          odoo: `at the kill: ${during.text}; after restart: ${cells.odoo}`,
          audit: cells.audit,
          queue: `held it; at the kill: ${inQueue.includes(approvalId) ? "still queued" : "not in the queue"} (${left?.execution?.state ?? "?"}); after restart: empty`,
          verdict: "pass",
        });
      }
    }
  }
}

/** The first requests of a server started cold (its session with Odoo), the same for every tool. */
const SESSION =
  /^(\/web\/|common\.|res\.users\.|res\.company\.read$|account\.journal\.search_read$|account\.tax\.search_read$|res\.currency\.read$|account\.payment\.method\.line\.read$)/;

// The longest lanes first; each lane has its own sandbox, proxy, data folder and server processes.
const LANES = [
  ...TOOLS.map((tool) => ({ scenario: "replay" as const, tool })),
  ...TOOLS.map((tool) => ({ scenario: "execution" as const, tool })),
];
// Two lanes at a time (the killed project's maxConcurrency, vitest.config.ts): a lane waits on its processes most
// of the time; ten at once on two cores starved the one keychain daemon and flaked.
describe.concurrent("the server killed at each step, then restarted", () => {
  it.each(LANES)(
    "$scenario: $tool",
    async ({ scenario, tool }) => {
      await (scenario === "execution" ? executionLane(tool) : replayLane(tool));
    },
    300_000,
  );
});
