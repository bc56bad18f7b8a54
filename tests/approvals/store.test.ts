import { copyFile, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { computeArgsHash, isApprovalId, newApprovalId } from "../../src/mcp/approvals/ids.js";
import { journalHeadAccount, openApprovalStore } from "../../src/mcp/approvals/open.js";
import { type ApprovalRecord, type ApprovalStore, JOURNAL_FILE } from "../../src/mcp/approvals/store.js";
import { createMemoryKeychain, type Keychain } from "../../src/mcp/credentials/keychain.js";
import { ToolError } from "../../src/mcp/errors.js";
import { until } from "../support/wait.js";

let dataDir: string;
let clock: Date;
let keychain: Keychain;
const now = () => clock;

/** Keychain mode by default (the OS keychain stands in as an in-memory one), as on a desktop. */
async function openStore(
  extra: Partial<Parameters<typeof openApprovalStore>[0]> = {},
): Promise<ApprovalStore> {
  return openApprovalStore({ dataDir, keychain, now, pollMs: 10, ...extra });
}

function request(args: unknown = { partner: "Acme", amount: "120.00" }) {
  return {
    tool: "record_payment",
    args,
    meta: { target: "INV/2026/00001", amount: "120.00", currency: "EUR" },
    ttlMs: 3_600_000,
  };
}

const noKeychain: Keychain = {
  get: async () => {
    throw new Error("no OS keychain available: test");
  },
  set: async () => {
    throw new Error("no OS keychain available: test");
  },
  delete: async () => false,
};

const fileOf = (id: string) => path.join(dataDir, "approvals", `${id}.json`);
/** A completed request's file lies in `approvals/archive/YYYY-MM/`. */
async function archivedFile(id: string): Promise<string | null> {
  const archive = path.join(dataDir, "approvals", "archive");
  for (const month of await readdir(archive).catch(() => [] as string[])) {
    const file = path.join(archive, month, `${id}.json`);
    if (
      await stat(file).then(
        () => true,
        () => false,
      )
    )
      return file;
  }
  return null;
}
/** Where the request's file is now: among the active ones, else in the archive. */
const locate = async (id: string) =>
  (await stat(fileOf(id)).then(
    () => true,
    () => false,
  ))
    ? fileOf(id)
    : ((await archivedFile(id)) ?? fileOf(id));
const readRaw = async (id: string) =>
  JSON.parse(await readFile(await locate(id), "utf8")) as Record<string, unknown>;
/** What an agent putting a request back does with its archived (completed) copy: removes it. */
const removeArchived = async (id: string) => {
  const file = await archivedFile(id);
  expect(file, "the completed request is in the archive").not.toBeNull();
  await rm(file!);
};
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
  keychain = createMemoryKeychain();
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

const approve = (store: ApprovalStore, id: string) =>
  store.decide(id, { decision: "approved", channel: "cli", actor: "me" });
const journalFile = () => path.join(dataDir, "approvals", JOURNAL_FILE);

describe("approval store", () => {
  it("creates a sealed pending request with the exact arguments, readable by another store instance", async () => {
    const store = await openStore();
    expect(store.sealed).toBe(true);
    const created = await store.create(request());
    expect(created.status).toBe("pending");
    expect(created.seal).toMatch(/^[\w-]{43}$/);
    expect(created.expiresAt).toBe("2026-03-01T11:00:00.000Z");
    expect(created.argsHash).toBe(computeArgsHash("record_payment", { partner: "Acme", amount: "120.00" }));
    const other = await openStore();
    expect(await other.get(created.id)).toEqual(created);
    expect(other.integrity(created)).toEqual([]);
    // The key is in the keychain and nowhere in the data folder.
    expect(await keychain.get("approval-signing-key")).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    await expect(stat(path.join(dataDir, ".approval-key"))).rejects.toThrow();
  });

  it("reports and persists a pending request past its expiry as expired, and refuses to decide it", async () => {
    const store = await openStore();
    const created = await store.create({ ...request(), ttlMs: 1000 });
    clock = new Date(clock.getTime() + 2000);
    expect((await store.get(created.id))?.status).toBe("expired");
    expect((await readRaw(created.id)).status).toBe("expired");
    expect(await codeOf(approve(store, created.id))).toBe("APPROVAL_EXPIRED");
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
    expect(await codeOf(approve(store, "../../x"))).toBe("APPROVAL_NOT_FOUND");
    expect(await codeOf(store.claim("../x"))).toBe("APPROVAL_NOT_FOUND");
    expect(await codeOf(store.claim(newApprovalId()))).toBe("APPROVAL_NOT_FOUND");
  });

  it("claims an approved request for one holder only; a dead holder's claim is not taken over from a file edit", async () => {
    const store = await openStore();
    const other = await openStore();
    const created = await store.create(request());
    expect(await codeOf(store.claim(created.id))).toBe("APPROVAL_INVALID"); // still pending
    await approve(store, created.id);
    const [first, second] = await Promise.all([store.claim(created.id), other.claim(created.id)]);
    expect([first, second].filter((r) => r !== null)).toHaveLength(1);
    // Editing the claim to name a dead process breaks the seal: the request is refused, not taken over.
    const raw = await readRaw(created.id);
    const execution = raw.execution as { claim: { pid: number } };
    execution.claim.pid = 2 ** 22 + 12345;
    await writeRaw(created.id, raw);
    await expect(other.claim(created.id)).rejects.toThrow(/seal is broken/);
  });

  it("completes once: a second completion keeps the first outcome", async () => {
    const store = await openStore();
    const created = await store.create(request());
    await approve(store, created.id);
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

  it("watch tells about a new request by its file event, before the safety net's first read (5 s)", async () => {
    const store = await openStore();
    const seen: string[] = [];
    const watching = Date.now();
    const stop = store.watch((ids) => seen.push(...ids));
    try {
      const created = await store.create(request());
      // Told before the safety net could have read anything: a file event did (a busy machine may take a while).
      await until(
        () => seen.includes(created.id),
        "the watch tells about it",
        4_500 - (Date.now() - watching),
      );
    } finally {
      stop();
    }
  });

  it("caps the undecided requests of one client, and the size of a request", async () => {
    const store = await openStore({ limits: { maxPendingPerClient: 2 } });
    await store.create({ ...request({ n: 1 }), requestedBy: "claude-code" });
    await store.create({ ...request({ n: 2 }), requestedBy: "claude-code" });
    expect(await codeOf(store.create({ ...request({ n: 3 }), requestedBy: "claude-code" }))).toBe(
      "TOO_MANY_PENDING",
    );
    // Another client is not blocked by the first one's backlog.
    await store.create({ ...request({ n: 4 }), requestedBy: "cursor" });
    const big = await openStore({ limits: { maxRequestBytes: 1024 } });
    expect(await codeOf(big.create({ ...request({ text: "x".repeat(2000) }), requestedBy: "other" }))).toBe(
      "VALIDATION_ERROR",
    );
  });

  // Within the file events' time, before the folder's full read (every 5 s) could have made the count anew.
  const FILE_EVENT_MS = 4_500;
  it("the caps count what the folder holds now: requests another process makes, decides or removes, and expiry", async () => {
    const limits = { maxPendingPerClient: 2, maxPendingTotal: 3 };
    const here = await openStore({ limits });
    const there = await openStore({ limits }); // another process on the same data folder
    const claude = (n: number) => ({ ...request({ n }), requestedBy: "claude-code" });
    const a = await here.create(claude(1));
    await here.create(claude(2)); // counted here, so the next call's count is kept, not made anew
    expect(await codeOf(here.create(claude(3)))).toBe("TOO_MANY_PENDING");
    // Decided elsewhere: the count here follows the file, without waiting for the folder's full read.
    await there.decide(a.id, { decision: "rejected", channel: "cli", actor: "me" });
    await until(
      async () => (await codeOf(here.create(claude(4)))) === "resolved",
      "a decision frees a place",
      FILE_EVENT_MS,
    );
    // Made elsewhere: counted here against the total.
    await there.create({ ...request({ n: 5 }), requestedBy: "cursor" });
    await until(
      async () =>
        (await codeOf(here.create({ ...request({ n: 6 }), requestedBy: "zed" }))) === "TOO_MANY_PENDING",
      "a request made elsewhere counts",
      FILE_EVENT_MS,
    );
    // Removed from the folder: its place is free again.
    const gone = (await there.list({ status: "pending" })).find((r) => r.requestedBy === "cursor");
    await rm(fileOf(gone!.id));
    await until(
      async () => (await codeOf(here.create({ ...request({ n: 7 }), requestedBy: "zed" }))) === "resolved",
      "a removed request frees a place",
      FILE_EVENT_MS,
    );
    // Expired: nothing undecided is left to count.
    clock = new Date(clock.getTime() + 2 * 3_600_000);
    for (const n of [8, 9, 10]) await here.create({ ...request({ n }), requestedBy: `client ${n}` });
  });
});

describe("a planted lock blocks nothing", () => {
  it("a lock file naming a live process (not signed with the keychain key) does not hold up a decision", async () => {
    const store = await openStore();
    const created = await store.create(request());
    const { hostname } = await import("node:os");
    await writeFile(
      `${fileOf(created.id)}.lock`,
      JSON.stringify({ pid: 1, host: hostname(), createdAt: new Date().toISOString(), token: "planted" }),
    );
    const started = Date.now();
    await approve(store, created.id);
    expect(Date.now() - started).toBeLessThan(1000);
    expect((await store.get(created.id))?.status).toBe("approved");
  });
});

describe("keys: nothing the agent can read or plant", () => {
  it("never adopts a key file planted in the data folder before the first start", async () => {
    // An agent writes a key of its own, then a request "approved" and sealed with it.
    const planted = Buffer.alloc(32, 7).toString("base64");
    await writeFile(path.join(dataDir, ".approval-key"), planted);
    const forgedDir = await mkdtemp(path.join(tmpdir(), "odoo-mcp-forger-"));
    try {
      const forger = await openApprovalStore({
        dataDir: forgedDir,
        keychain: createMemoryKeychain({ "approval-signing-key": planted }),
        now,
      });
      const forged = await forger.create(request({ partner: "Mallory", amount: "9999.00" }));
      const approved = await approve(forger, forged.id);
      const store = await openStore();
      await writeRaw(forged.id, approved);
      expect(await keychain.get("approval-signing-key")).not.toBe(planted);
      await expect(store.claim(forged.id)).rejects.toThrow(/seal is broken/);
    } finally {
      await rm(forgedDir, { recursive: true, force: true });
    }
  });

  it("without a keychain, writes no key anywhere, and a decision made in another process cannot be run here", async () => {
    const server = await openStore({ keychain: noKeychain });
    expect(server.sealed).toBe(false);
    expect(server.decisionKey).toBe("process");
    const created = await server.create(request());
    const elsewhere = await openStore({ keychain: noKeychain });
    await approve(elsewhere, created.id);
    const record = (await server.get(created.id))!;
    expect(server.holdsDecisionKey(record)).toBe(false);
    await expect(server.claim(created.id)).rejects.toThrow(/key, which this process does not hold|not valid/);
    expect(elsewhere.holdsDecisionKey(record)).toBe(true);
    expect(await elsewhere.claim(created.id)).not.toBeNull();
    const names = await readdir(dataDir, { recursive: true });
    expect(names.filter((name) => /key/i.test(String(name)))).toEqual([]);
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
      v: 2,
      id,
      tool: "record_payment",
      args,
      argsHash: computeArgsHash("record_payment", args),
      meta: { target: "x" },
      status: "approved",
      createdAt: clock.toISOString(),
      expiresAt: new Date(clock.getTime() + 3_600_000).toISOString(),
      decision: {
        decision: "approved",
        channel: "cli",
        actor: "me",
        at: clock.toISOString(),
        key: "keychain",
        signature: "forged",
      },
      seal: "forged",
    });
    expect((await store.get(id))?.status).toBe("approved"); // it is readable...
    expect(store.integrity((await store.get(id))!)).toContain(
      "the request's file was changed outside odoo-mcp (its seal is broken)",
    );
    await expect(store.claim(id)).rejects.toThrow(/seal is broken/); // ...but never runs
  });

  it("'approved' edited into a pending file is refused", async () => {
    const created = await store.create(request());
    await writeRaw(created.id, { ...(await readRaw(created.id)), status: "approved" });
    await expect(store.claim(created.id)).rejects.toThrow(/seal is broken/);
  });

  it("a decision copied from another request is refused", async () => {
    const a = await store.create(request({ n: 1 }));
    const b = await store.create(request({ n: 2 }));
    const decidedA = await approve(store, a.id);
    await writeRaw(b.id, { ...(await readRaw(b.id)), status: "approved", decision: decidedA.decision });
    await expect(store.claim(b.id)).rejects.toThrow(/seal is broken/);
  });

  it("arguments changed after approval are refused, with or without a recomputed hash", async () => {
    const created = await store.create(request());
    await approve(store, created.id);
    const original = await readRaw(created.id);
    const tampered = { partner: "Mallory", amount: "9999.00" };
    await writeRaw(created.id, { ...original, args: tampered });
    await expect(store.claim(created.id)).rejects.toThrow(/do not match/);
    await writeRaw(created.id, {
      ...original,
      args: tampered,
      argsHash: computeArgsHash("record_payment", tampered),
    });
    await expect(store.claim(created.id)).rejects.toThrow(/seal is broken/);
  });

  it("an extended expiry invalidates the request", async () => {
    const created = await store.create({ ...request(), ttlMs: 1000 });
    await writeRaw(created.id, { ...(await readRaw(created.id)), expiresAt: "2099-01-01T00:00:00.000Z" });
    expect(await codeOf(approve(store, created.id))).toBe("APPROVAL_INVALID");
  });

  it("REWIND: an executed request put back as it was right after approval, its journal lines removed, does not run again", async () => {
    const created = await store.create(request());
    await approve(store, created.id);
    const before = await readRaw(created.id);
    const journalBefore = await readFile(journalFile(), "utf8");
    await store.claim(created.id);
    await store.recordAttempt(created.id, { n: 1 });
    await store.complete(created.id, { ok: true, output: { id: 1 } });
    expect(await store.claim(created.id)).toBeNull();
    // Put back beside its archived completed copy: the completed one wins, nothing runs.
    await writeRaw(created.id, before);
    expect(await store.claim(created.id)).toBeNull();
    expect((await store.get(created.id))?.status).toBe("executed");
    // Every file as it was right after the approval: seal valid, no attempts, no outcome, journal shorter.
    await writeRaw(created.id, before);
    await removeArchived(created.id);
    await writeFile(journalFile(), journalBefore);
    await expect(store.claim(created.id)).rejects.toThrow(
      /journal ends before the last line the OS keychain remembers/,
    );
    // Deleting the journal altogether is no better.
    await rm(journalFile());
    await expect(store.claim(created.id)).rejects.toThrow(/journal/);
  });

  it("REWIND: a journal whose completion line is edited (chain recomputed without the key) is refused", async () => {
    const created = await store.create(request());
    await approve(store, created.id);
    const before = await readRaw(created.id);
    await store.claim(created.id);
    await store.recordAttempt(created.id, { n: 1 });
    await store.complete(created.id, { ok: true, output: { id: 1 } });
    await writeRaw(created.id, before);
    await removeArchived(created.id);
    const lines = (await readFile(journalFile(), "utf8")).trim().split("\n");
    const edited = lines.map((line) => line.replace(/"event":"completed"/, '"event":"attempt"'));
    await writeFile(journalFile(), `${edited.join("\n")}\n`);
    await expect(store.claim(created.id)).rejects.toThrow(/journal was altered/);
  });

  it("a crash between a journal line and saving its head is not taken for tampering", async () => {
    const created = await store.create(request());
    await approve(store, created.id);
    const head = await keychain.get(journalHeadAccount(dataDir));
    await store.claim(created.id);
    await store.recordAttempt(created.id, { n: 1 });
    await keychain.set(journalHeadAccount(dataDir), head!); // as if the process died before saving the new head
    await store.markQueued(created.id);
    const after = await openStore();
    expect(await after.verifyForExecution((await after.get(created.id))!)).toEqual([]);
  });

  it("removing the recorded attempts of an interrupted request is detected", async () => {
    const created = await store.create(request());
    await approve(store, created.id);
    const before = await readRaw(created.id);
    await store.claim(created.id);
    await store.recordAttempt(created.id, { n: 1 });
    await writeRaw(created.id, before);
    await expect(store.claim(created.id)).rejects.toThrow(/earlier attempts was removed/);
  });

  it("a file sealed with another installation's key is refused", async () => {
    const otherDir = await mkdtemp(path.join(tmpdir(), "odoo-mcp-other-"));
    try {
      const foreign = await openApprovalStore({ dataDir: otherDir, keychain: createMemoryKeychain(), now });
      const created = await foreign.create(request());
      const decided = await approve(foreign, created.id);
      await writeRaw(created.id, decided);
      await copyFile(path.join(otherDir, "approvals", JOURNAL_FILE), journalFile()).catch(() => {});
      await expect(store.claim(created.id)).rejects.toThrow(/seal is broken/);
    } finally {
      await rm(otherDir, { recursive: true, force: true });
    }
  });

  it("stores nothing but JSON files named by id and the journal", async () => {
    await approve(store, (await store.create(request())).id);
    const names = (await readdir(path.join(dataDir, "approvals"))).filter((name) => name !== JOURNAL_FILE);
    expect(names.length).toBeGreaterThan(0);
    expect(names.every((name) => /^apr_[a-z2-7]{26}\.json$/.test(name))).toBe(true);
  });
});
