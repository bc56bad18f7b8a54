/**
 * Odoo refusing connections, truncated answers, non-JSON answers and 502/503 bursts, through the fault proxy, for a
 * read (list_invoices) and for the write of an approved create_invoice (its `account.move.create`): what the tool
 * answers, what Odoo holds, the audit log and the queue; then Odoo answers normally and the queue is replayed.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FaultAction } from "./proxy.js";
import { recordRow, type ScenarioId } from "./results.js";
import {
  auditTrail,
  describeAnswer,
  startWorld,
  trailText,
  type Version,
  type World,
  WRITE_CASES,
} from "./world.js";

const createInvoice = WRITE_CASES.find((c) => c.tool === "create_invoice")!;
const WRITE = "account.move.create";

interface Fault {
  scenario: ScenarioId;
  name: string;
  /** What the proxy does to a matching request; `times`: how many of them (then they pass). */
  action: FaultAction;
  times: number;
  /** The read's expected answer: "ok" (retried through) or an error code. */
  read: "ok" | string;
  /** The write's expected answer. */
  write: "draft" | "queued" | string;
}

const FAULTS: Fault[] = [
  {
    scenario: "refused",
    name: "connections refused (Odoo down)",
    action: { kind: "refuse", stop: true },
    times: Infinity,
    read: "ODOO_CONNECTION_ERROR",
    write: "queued",
  },
  {
    scenario: "truncated",
    name: "body cut mid-wire (connection reset)",
    action: { kind: "truncate-wire" },
    times: 1,
    read: "ok",
    write: "queued",
  },
  {
    scenario: "truncated",
    name: "half a JSON body, well framed",
    action: { kind: "truncate" },
    times: 1,
    read: "ODOO_CONNECTION_ERROR",
    write: "queued",
  },
  {
    scenario: "non-json",
    name: "an HTML page with HTTP 200",
    action: { kind: "non-json" },
    times: 1,
    read: "ODOO_CONNECTION_ERROR",
    write: "queued",
  },
  {
    scenario: "gateway-burst",
    name: "503 × 3 (not applied)",
    action: { kind: "status", status: 503, forward: false },
    times: 3,
    read: "ok",
    write: "draft",
  },
  {
    scenario: "gateway-burst",
    name: "503 × 10 (not applied)",
    action: { kind: "status", status: 503, forward: false },
    times: 10,
    read: "ODOO_CONNECTION_ERROR",
    write: "queued",
  },
  {
    scenario: "gateway-burst",
    name: "502 × 3 (applied behind the gateway)",
    action: { kind: "status", status: 502, forward: true },
    times: 3,
    read: "ok",
    write: "queued",
  },
];

describe.each([19, 17] as Version[])("Odoo %i answering badly", (version) => {
  let w: World;
  let n = 0;
  beforeAll(async () => {
    w = await startWorld(version);
  });
  afterAll(async () => {
    await w?.close();
  });

  it.each(FAULTS)("$name: a read", async (fault) => {
    await w.proxy.start();
    let left = fault.times;
    w.proxy.setPlan(({ call }) =>
      call === "account.move.search_read" && left-- > 0 ? fault.action : { kind: "pass" },
    );
    const answer = await w.h.call("list_invoices", {});
    w.proxy.setPlan(null);
    await w.proxy.start();
    if (fault.read === "ok") expect(answer.isError, answer.text).toBe(false);
    else expect(answer.error?.code, answer.text).toBe(fault.read);
    expect(answer.text).not.toMatch(/at .*\.(js|ts):\d+/);
    recordRow({
      scenario: fault.scenario,
      case: `list_invoices (read), Odoo ${version}`,
      step: `${fault.name} on account.move.search_read`,
      answer: answer.isError ? `error ${answer.error?.code}` : "the invoices (retried through)",
      odoo: "unchanged (a read)",
      audit: "a read: no line",
      queue: "untouched",
      verdict: "pass",
    });
  });

  it.each(FAULTS)("$name: the write of an approved create_invoice", async (fault) => {
    const fixture = await createInvoice.setup(w, ++n);
    await w.proxy.start();
    let left = fault.times;
    w.afterDecision((_, call) =>
      call === WRITE && left-- > 0
        ? fault.action
        : left < 0 && fault.times === Infinity
          ? fault.action
          : { kind: "pass" },
    );
    const answer = await w.h.call("create_invoice", fixture.args);
    w.proxy.setPlan(null);
    await w.proxy.start();
    const label = `${fault.name} (Odoo ${version}): ${answer.text}`;
    expect(answer.isError, label).toBe(false);
    expect(answer.data.status, label).toBe(fault.write);
    const approvalId = String(answer.data.approval_id);
    const during = await fixture.effects();
    expect(during.duplicates, label).toEqual([]);
    const queued = (await w.h.app.queue.pending()).map((e) => e.approvalId);
    expect(queued, label).toEqual(fault.write === "queued" ? [approvalId] : []);

    const replay = await w.h.app.approvals.drain();
    expect(replay, label).toMatchObject({
      executed: fault.write === "queued" ? 1 : 0,
      failed: 0,
      remaining: 0,
    });
    const after = await fixture.effects();
    expect(after.duplicates, label).toEqual([]);
    expect(after.complete, `${label}: ${after.text}`).toBe(true);
    expect((await w.h.call("get_approval", { approval_id: approvalId })).data.status).toBe("executed");
    const trail = await auditTrail(w, approvalId);
    expect(
      trail.filter((e) => e.event === "execution" && e.result === "success"),
      trailText(trail),
    ).toHaveLength(1);
    expect((await w.verifyAudit()).ok).toBe(true);
    recordRow({
      scenario: fault.scenario,
      case: `create_invoice (approved write), Odoo ${version}`,
      step: `${fault.name} on ${WRITE}`,
      answer: `${describeAnswer(answer)}; after replay: executed`,
      odoo: `during: ${during.text}; after replay: ${after.text}`,
      audit: `${trailText(trail)}; chain ok`,
      queue: fault.write === "queued" ? "held it; after replay: empty" : "empty",
      verdict: "pass",
    });
  });
});
