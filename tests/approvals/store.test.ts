import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { computeArgsHash, isApprovalId, newApprovalId } from "../../src/mcp/approvals/ids.js";
import {
  type ApprovalRecord,
  type ApprovalStore,
  createApprovalStore,
} from "../../src/mcp/approvals/store.js";
import { createMemoryKeychain } from "../../src/mcp/credentials/keychain.js";
import { ToolError } from "../../src/mcp/errors.js";

let dataDir: string;
let clock: Date;
const now = () => clock;

async function openStore(
  extra: Partial<Parameters<typeof createApprovalStore>[0]> = {},
): Promise<ApprovalStore> {
  return createApprovalStore({ dataDir, keychain: null, now, pollMs: 10, ...extra });
}

function request(args: unknown = { partner: "Acme", amount: "120.00" }) {
  return {
    tool: "record_payment",
    args,
    summary: "Pay 120.00 EUR to Acme",
    facts: { partner: "Acme" },
    target: "INV/2026/00001",
    amount: "120.00",
    currency: "EUR",
    ttlMs: 3_600_000,
  };
}

const fileOf = (id: string) => path.join(dataDir, "approvals", `${id}.json`);
const readRaw = async (id: string) =>
  JSON.parse(await readFile(fileOf(id), "utf8")) as Record<string, unknown>;
const writeRaw = (id: string, value: unknown) => writeFile(fileOf(id), JSON.stringify(value));

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ToolError) return error.code;
    throw error;
  }
  return "resolved";
}

beforeEach(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), "odoo-mcp-approvals-"));
  clock = new Date("2026-03-01T10:00:00Z");
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe("ids", () => {
  it("are apr_ + 26 base32 characters, random, and strictly validated", () => {
    const ids = new Set(Array.from({ length: 200 }, () => newApprovalId()));
    expect(ids.size).toBe(200);
    for (const id of ids) expect(id).toMatch(/^apr_[a-z2-7]{26}$/);
    for (const bad of [
      "../../x",
      "apr_../../../etc/passwd",
      "apr_AAAAAAAAAAAAAAAAAAAAAAAAAA",
      `${newApprovalId()}x`,
      "apr_",
      5,
    ])
      expect(isApprovalId(bad)).toBe(false);
  });

  it("hash arguments canonically: key order does not matter, values do", () => {
    expect(computeArgsHash("t", { a: 1, b: { c: 2, d: 3 } })).toBe(
      computeArgsHash("t", { b: { d: 3, c: 2 }, a: 1 }),
    );
    expect(computeArgsHash("t", { a: 1 })).not.toBe(computeArgsHash("t", { a: 2 }));
    expect(computeArgsHash("t", { a: 1 })).not.toBe(computeArgsHash("u", { a: 1 }));
  });
});

describe("approval store", () => {
  it("creates a signed pending request with the exact arguments, readable by another store instance", async () => {
    const store = await openStore();
    const created = await store.create(request());
    expect(created.status).toBe("pending");
    expect(created.expiresAt).toBe("2026-03-01T11:00:00.000Z");
    expect(created.argsHash).toBe(computeArgsHash("record_payment", { partner: "Acme", amount: "120.00" }));
    const other = await openStore();
    expect(await other.get(created.id)).toEqual(created);
    expect(store.signingKeySource()).toBe("file");
    const keyFile = await stat(path.join(dataDir, ".approval-key"));
    if (process.platform !== "win32") expect(keyFile.mode & 0o777).toBe(0o600);
  });

  it("reports and persists a pending request past its expiry as expired, and refuses to decide it", async () => {
    const store = await openStore();
    const created = await store.create({ ...request(), ttlMs: 1000 });
    clock = new Date(clock.getTime() + 2000);
    expect((await store.get(created.id))?.status).toBe("expired");
    expect((await readRaw(created.id)).status).toBe("expired");
    expect(
      await codeOf(store.decide(created.id, { decision: "approved", channel: "cli", actor: "me" })),
    ).toBe("APPROVAL_EXPIRED");
  });

  it("lists newest first and filters by status", async () => {
    const store = await openStore();
    const a = await store.create(request({ n: 1 }));
    clock = new Date(clock.getTime() + 1000);
    const b = await store.create(request({ n: 2 }));
    clock = new Date(clock.getTime() + 1000);
    const c = await store.create(request({ n: 3 }));
    await store.decide(b.id, { decision: "rejected", channel: "cli", actor: "me", reason: "no" });
    expect((await store.list()).map((r) => r.id)).toEqual([c.id, b.id, a.id]);
    expect((await store.list({ status: "pending" })).map((r) => r.id)).toEqual([c.id, a.id]);
    expect((await store.list({ status: ["rejected", "approved"] })).map((r) => r.id)).toEqual([b.id]);
  });

  it("decides once: of concurrent deciders (separate store instances) exactly one wins, the other is told why", async () => {
    const stores = await Promise.all([openStore(), openStore(), openStore(), openStore()]);
    const created = await stores[0]!.create(request());
    const results = await Promise.allSettled(
      stores.map((store, i) =>
        store.decide(created.id, {
          decision: i % 2 ? "rejected" : "approved",
          channel: "cli",
          actor: `person ${i}`,
        }),
      ),
    );
    const won = results.filter((r) => r.status === "fulfilled");
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(3);
    for (const failure of lost) {
      expect(failure.reason).toBeInstanceOf(ToolError);
      expect((failure.reason as ToolError).message).toMatch(/already decided/);
    }
    const final = await stores[0]!.get(created.id);
    expect(final?.decision?.actor).toBe(
      (won[0] as PromiseFulfilledResult<ApprovalRecord>).value.decision?.actor,
    );
  });

  it("refuses unknown and malformed ids without building a path from them", async () => {
    const store = await openStore();
    await writeFile(path.join(dataDir, "x.json"), JSON.stringify({ status: "approved" }));
    expect(await store.get("../../x")).toBeNull();
    expect(await store.get("apr_aaaaaaaaaaaaaaaaaaaaaaaaaa")).toBeNull();
    expect(await codeOf(store.decide("../../x", { decision: "approved", channel: "cli", actor: "me" }))).toBe(
      "APPROVAL_NOT_FOUND",
    );
    expect(await codeOf(store.claim("../x"))).toBe("APPROVAL_NOT_FOUND");
    expect(await codeOf(store.claim(newApprovalId()))).toBe("APPROVAL_NOT_FOUND");
  });

  it("claims an approved request for one holder only; a dead holder's claim is taken over", async () => {
    const store = await openStore();
    const other = await openStore();
    const created = await store.create(request());
    expect(await codeOf(store.claim(created.id))).toBe("VALIDATION_ERROR"); // still pending
    await store.decide(created.id, { decision: "approved", channel: "cli", actor: "me" });
    const [first, second] = await Promise.all([store.claim(created.id), other.claim(created.id)]);
    expect([first, second].filter((r) => r !== null)).toHaveLength(1);

    // A claim whose process is gone (pid that cannot exist) is taken over.
    const raw = await readRaw(created.id);
    const execution = raw.execution as { claim: { pid: number } };
    execution.claim.pid = 2 ** 22 + 12345;
    await writeRaw(created.id, raw);
    expect(await other.claim(created.id)).not.toBeNull();
  });

  it("completes once: a second completion keeps the first outcome", async () => {
    const store = await openStore();
    const created = await store.create(request());
    await store.decide(created.id, { decision: "approved", channel: "cli", actor: "me" });
    await store.claim(created.id);
    await store.recordAttempt(created.id, { before: 7 });
    const done = await store.complete(created.id, { ok: true, output: { payment_id: 42 } });
    expect(done.status).toBe("executed");
    expect(done.execution?.claim).toBeUndefined();
    expect(done.execution?.attempts.map((a) => a.marker)).toEqual([{ before: 7 }]);
    const again = await store.complete(created.id, { ok: false, code: "ODOO_ERROR", message: "x" });
    expect(again.outcome).toEqual({ ok: true, output: { payment_id: 42 } });
    expect(await store.claim(created.id)).toBeNull();
  });

  it("waitForChange resolves when the status changes, and at the timeout otherwise", async () => {
    const store = await openStore();
    const created = await store.create(request());
    const started = Date.now();
    const unchanged = await store.waitForChange(created.id, { timeoutMs: 150 });
    expect(unchanged?.status).toBe("pending");
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    const get = vi.spyOn(store, "get");
    const waiting = store.waitForChange(created.id, { timeoutMs: 5000 });
    await get.mock.results[0]?.value; // the waiter has read the status it waits to see change
    await store.decide(created.id, { decision: "approved", channel: "tray", actor: "me" });
    expect((await waiting)?.status).toBe("approved");
  });

  it("keeps the signing key in the keychain when there is one, and moves a file key into it", async () => {
    const fileStore = await openStore();
    const created = await fileStore.create(request());
    const keychain = createMemoryKeychain();
    const store = await openStore({ keychain });
    expect(store.signingKeySource()).toBe("keychain");
    expect(await keychain.get("approval-signing-key")).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    await expect(stat(path.join(dataDir, ".approval-key"))).rejects.toThrow();
    // The request signed with the former file key still verifies.
    await store.decide(created.id, { decision: "approved", channel: "cli", actor: "me" });
    expect(await store.claim(created.id)).not.toBeNull();
  });

  it("falls back to the file key when the keychain fails", async () => {
    const broken = {
      get: async () => {
        throw new Error("no OS keychain available: test");
      },
      set: async () => {},
      delete: async () => false,
    };
    const store = await openStore({ keychain: broken });
    expect(store.signingKeySource()).toBe("file");
  });
});

describe("forgery resistance", () => {
  let store: ApprovalStore;
  beforeEach(async () => {
    store = await openStore();
  });

  it("a hand-written approved record approves nothing", async () => {
    const id = newApprovalId();
    const args = { partner: "Mallory", amount: "9999.00" };
    await writeRaw(id, {
      id,
      tool: "record_payment",
      args,
      argsHash: computeArgsHash("record_payment", args),
      summary: "looks legit",
      facts: {},
      target: "x",
      status: "approved",
      createdAt: clock.toISOString(),
      expiresAt: new Date(clock.getTime() + 3_600_000).toISOString(),
      signature: "forged",
      decision: {
        decision: "approved",
        channel: "cli",
        actor: "me",
        at: clock.toISOString(),
        signature: "forged",
      },
    });
    expect((await store.get(id))?.status).toBe("approved"); // it is readable...
    await expect(store.claim(id)).rejects.toThrow(/signature is not valid/); // ...but never runs
  });

  it("'approved' edited into a pending file is refused", async () => {
    const created = await store.create(request());
    await writeRaw(created.id, { ...(await readRaw(created.id)), status: "approved" });
    await expect(store.claim(created.id)).rejects.toThrow(/no human decision/);
  });

  it("a decision copied from another request is refused", async () => {
    const a = await store.create(request({ n: 1 }));
    const b = await store.create(request({ n: 2 }));
    const decidedA = await store.decide(a.id, { decision: "approved", channel: "cli", actor: "me" });
    await writeRaw(b.id, { ...(await readRaw(b.id)), status: "approved", decision: decidedA.decision });
    await expect(store.claim(b.id)).rejects.toThrow(/decision's signature is not valid/);
  });

  it("arguments changed after approval are refused, with or without a recomputed hash", async () => {
    const created = await store.create(request());
    await store.decide(created.id, { decision: "approved", channel: "cli", actor: "me" });
    const original = await readRaw(created.id);
    const tampered = { partner: "Mallory", amount: "9999.00" };
    await writeRaw(created.id, { ...original, args: tampered });
    await expect(store.claim(created.id)).rejects.toThrow(/do not match/);
    await writeRaw(created.id, {
      ...original,
      args: tampered,
      argsHash: computeArgsHash("record_payment", tampered),
    });
    await expect(store.claim(created.id)).rejects.toThrow(/request's signature is not valid/);
  });

  it("an extended expiry invalidates the request", async () => {
    const created = await store.create({ ...request(), ttlMs: 1000 });
    await writeRaw(created.id, { ...(await readRaw(created.id)), expiresAt: "2099-01-01T00:00:00.000Z" });
    expect(
      await codeOf(store.decide(created.id, { decision: "approved", channel: "cli", actor: "me" })),
    ).toBe("VALIDATION_ERROR");
  });

  it("an executed request rolled back to approved in its file is not run again", async () => {
    const created = await store.create(request());
    await store.decide(created.id, { decision: "approved", channel: "cli", actor: "me" });
    const before = await readRaw(created.id);
    await store.claim(created.id);
    await store.recordAttempt(created.id, { n: 1 });
    await store.complete(created.id, { ok: true, output: { id: 1 } });
    expect(await store.claim(created.id)).toBeNull();
    // Restore the file as it was right after approval: signatures all valid, no attempts, no outcome.
    await writeRaw(created.id, before);
    await expect(store.claim(created.id)).rejects.toThrow(/already been executed/);
  });

  it("removing the recorded attempts of an interrupted request is detected", async () => {
    const created = await store.create(request());
    await store.decide(created.id, { decision: "approved", channel: "cli", actor: "me" });
    const before = await readRaw(created.id);
    await store.claim(created.id);
    await store.recordAttempt(created.id, { n: 1 });
    await writeRaw(created.id, before);
    await expect(store.claim(created.id)).rejects.toThrow(/earlier attempts was removed/);
  });

  it("a file signed with another installation's key is refused", async () => {
    const otherDir = await mkdtemp(path.join(tmpdir(), "odoo-mcp-other-"));
    try {
      const foreign = await createApprovalStore({ dataDir: otherDir, keychain: null, now });
      const created = await foreign.create(request());
      const decided = await foreign.decide(created.id, { decision: "approved", channel: "cli", actor: "me" });
      await writeRaw(created.id, decided);
      await expect(store.claim(created.id)).rejects.toThrow(/signature is not valid/);
    } finally {
      await rm(otherDir, { recursive: true, force: true });
    }
  });

  it("stores nothing but JSON files named by id", async () => {
    await store.create(request());
    const names = await readdir(path.join(dataDir, "approvals"));
    expect(names.every((name) => /^apr_[a-z2-7]{26}\.json$/.test(name))).toBe(true);
  });
});
