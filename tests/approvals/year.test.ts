import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { openApprovalStore } from "../../src/mcp/approvals/open.js";
import { type ApprovalStore, JOURNAL_FILE, type SeedItem } from "../../src/mcp/approvals/store.js";
import { createMemoryKeychain, type Keychain } from "../../src/mcp/credentials/keychain.js";

/**
 * A year of approvals: with many completed requests in the store, the operations a person and the agent use do
 * not slow down (compared at 2,000 and 100,000 completed requests), a new process's first calls with 100,000
 * take under 50 ms of CPU, an idle watch stays under 1 % of a core, and the archive, the journal's incremental
 * reading and its sharded checkpoint keep every guarantee: a file moved, edited or removed there only slows things
 * down or is refused.
 */
interface Fixture {
  dataDir: string;
  keychain: Keychain;
  store: ApprovalStore;
  decided: string[];
  pending: string[];
}

const MONTH_MS = 30 * 86_400_000;
const request = (n: number) => ({
  tool: "record_payment",
  args: { invoice_id: String(n), amount: "99.00" },
  meta: { target: `INV/${n}`, amount: "99.00", currency: "EUR" },
  ttlMs: 3_600_000,
  requestedBy: "test",
});

async function fixture(decidedCount: number): Promise<Fixture> {
  const dataDir = await mkdtemp(path.join(tmpdir(), "odoo-mcp-year-"));
  const keychain = createMemoryKeychain();
  const store = await openApprovalStore({
    dataDir,
    keychain,
    limits: { maxPendingTotal: 1_000, maxPendingPerClient: 1_000 },
  });
  const end = Date.now();
  const decided: string[] = [];
  for (let start = 0; start < decidedCount; start += 5_000) {
    const items: SeedItem[] = [];
    for (let n = start; n < Math.min(decidedCount, start + 5_000); n++)
      items.push({
        tool: "record_payment",
        args: { invoice_id: String(n) },
        meta: { target: `INV/${n}` },
        createdAt: new Date(end - 12 * MONTH_MS + Math.floor((n * 12 * MONTH_MS) / decidedCount)),
        status: seedStatus(n),
      });
    decided.push(...(await store.seedCompletedForBench(items)));
  }
  const pending: string[] = [];
  for (let n = 0; n < 30; n++) pending.push((await store.create(request(n))).id);
  return { dataDir, keychain, store, decided, pending };
}

const STATUSES: SeedItem["status"][] = ["executed", "executed", "rejected", "expired", "failed"];
const seedStatus = (n: number) => STATUSES[n % STATUSES.length]!;

const exists = (file: string) =>
  readFile(file).then(
    () => true,
    () => false,
  );

/** The checkpoint's header (its first line): the journal's state is in shards after it. */
async function checkpointHeader(
  file: string,
): Promise<{ body: { v: number; seq: number; shards: [number, string][] } }> {
  const text = await readFile(file, "utf8").catch(() => "");
  return text ? JSON.parse(text.slice(0, text.indexOf("\n"))) : { body: { v: 0, seq: 0, shards: [] } };
}
/** Waits until the checkpoint (written in the background) ends past journal line `seq`. */
async function checkpointPast(file: string, seq: number): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if ((await checkpointHeader(file)).body.seq > seq) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error("no checkpoint was written");
}

/** Waits until this process has no file system request in flight (a poll round's reads are over). */
async function filesQuiet(): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    await new Promise((resolve) => setImmediate(resolve));
    if (!process.getActiveResourcesInfo().some((name) => name.startsWith("FSReq"))) return;
    if (Date.now() > deadline) throw new Error("file system requests still in flight after 10 s");
  }
}

/**
 * This process's CPU time so far, in ms. The steps are timed by the CPU they take, not by the clock on the wall:
 * what is claimed is that they do not read the 100,000 completed requests (that would take far longer), and a
 * busy machine makes every step wait longer without making it do more.
 */
const cpuMs = () => {
  const used = process.cpuUsage();
  return (used.user + used.system) / 1000;
};

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
async function timed(fn: (run: number) => Promise<unknown>, runs = 7): Promise<number> {
  await fn(0); // warm (caches of this process)
  const times: number[] = [];
  for (let run = 1; run <= runs; run++) {
    const started = cpuMs();
    await fn(run);
    times.push(cpuMs() - started);
  }
  return median(times);
}

async function measure(f: Fixture): Promise<Record<string, number>> {
  let next = 0;
  let n = 10_000;
  return {
    "list pending": await timed(() => f.store.list({ status: "pending" })),
    "show one (get pending)": await timed(() => f.store.get(f.pending[0]!)),
    "get_approval of an archived request": await timed((run) =>
      f.store.get(f.decided[(run * 7919) % f.decided.length]!),
    ),
    "decide one": await timed(
      () => f.store.decide(f.pending[1 + next++]!, { decision: "rejected", channel: "cli", actor: "t" }),
      5,
    ),
    "gated call (store's part)": await timed(async () => {
      const created = await f.store.create(request(n++));
      await f.store.decide(created.id, { decision: "approved", channel: "cli", actor: "t" });
      await f.store.claim(created.id);
      await f.store.recordAttempt(created.id, { n });
      await f.store.complete(created.id, { ok: true, output: { n } });
    }, 5),
  };
}

describe("a year of approvals", () => {
  let small: Fixture;
  let large: Fixture;
  beforeAll(async () => {
    small = await fixture(2_000);
    large = await fixture(100_000);
  }, 400_000);
  afterAll(async () => {
    await rm(small.dataDir, { recursive: true, force: true });
    await rm(large.dataDir, { recursive: true, force: true });
  });

  it("listing the pending ones, showing one, deciding one, get_approval and a gated call do not grow with the completed requests", async () => {
    // The journal of both is read once (a process's first read is the only whole read).
    await small.store.claim(small.pending[0]!).catch(() => null);
    await large.store.claim(large.pending[0]!).catch(() => null);
    const few = await measure(small);
    const many = await measure(large);
    for (const [step, ms] of Object.entries(many)) {
      const base = few[step]!;
      const report = `${step}: ${ms.toFixed(1)} ms of CPU with 100,000 vs ${base.toFixed(1)} ms with 2,000`;
      expect(ms, report).toBeLessThan(step.startsWith("gated") ? 250 : 50);
      expect(ms, report).toBeLessThan(base * 3 + 10);
    }
    expect((await large.store.list({ status: "pending" })).length).toBeGreaterThan(0);
  }, 120_000);

  it("a new process's first list, get_approval, decision and claim with 100,000 stored requests take under 50 ms of CPU each", async () => {
    // The running server read the whole journal once (above) and left the sealed checkpoint a new process starts
    // from, as `odoo-mcp approvals approve` or a restarted server does.
    const checkpoint = path.join(large.dataDir, "approvals", `${JOURNAL_FILE}.checkpoint`);
    await large.store.verifyForExecution((await large.store.get(large.decided[0]!))!);
    for (let i = 0; i < 300 && !(await exists(checkpoint)); i++)
      await new Promise((resolve) => setTimeout(resolve, 100));
    const runs: Record<string, number>[] = [];
    for (let run = 0; run < 3; run++) {
      const fresh = await openApprovalStore({ dataDir: large.dataDir, keychain: large.keychain });
      const times: Record<string, number> = {};
      let started = cpuMs();
      const pending = await fresh.list({ status: "pending" });
      times["cold: list pending"] = cpuMs() - started;
      started = cpuMs();
      const old = await fresh.get(large.decided[(run * 7919 + 13) % large.decided.length]!);
      times["cold: get_approval of an archived request"] = cpuMs() - started;
      const id = pending.find((record) => large.pending.slice(20).includes(record.id))!.id;
      started = cpuMs();
      await fresh.decide(id, { decision: "approved", channel: "cli", actor: "t" });
      times["cold: decide one"] = cpuMs() - started;
      started = cpuMs();
      const claimed = await fresh.claim(id);
      times["cold: claim (the journal's first read)"] = cpuMs() - started;
      expect(old?.status).toMatch(/executed|rejected|expired|failed/);
      expect(claimed?.execution?.state).toBe("running");
      runs.push(times);
    }
    for (const step of Object.keys(runs[0]!)) {
      const ms = median(runs.map((times) => times[step]!));
      expect(ms, `${step}: ${ms.toFixed(1)} ms of CPU with 100,000`).toBeLessThan(50);
    }
    // What ran stays known to a new process: an executed request's approved copy is refused.
    const fresh = await openApprovalStore({ dataDir: large.dataDir, keychain: large.keychain });
    const executed = (await fresh.get(large.decided[0]!))!;
    expect(await fresh.verifyForExecution({ ...executed, status: "approved" })).toContain(
      "it has already been executed",
    );
  }, 60_000);

  it("an idle watch over 100,000 completed requests uses under 1 % of a core", async () => {
    // The watch's safety poll (every 5 s) runs on fake intervals: six rounds, one of them the full listing, are
    // 30 s of an idle watch; each is let finish its reads (the files are real) before the next.
    vi.useFakeTimers({ toFake: ["setInterval"] });
    const stop = large.store.watch(() => {});
    try {
      const rounds = 6;
      const cpu = process.cpuUsage();
      for (let round = 0; round < rounds; round++) {
        vi.advanceTimersByTime(5_000);
        await filesQuiet();
      }
      const used = process.cpuUsage(cpu);
      const share = (used.user + used.system) / 1000 / (rounds * 5_000);
      expect(share, `${(share * 100).toFixed(2)} % of a core`).toBeLessThan(0.01);
    } finally {
      stop();
      vi.useRealTimers();
    }
  });

  it("old completed requests stay readable (history), newest first, within a limit", async () => {
    const history = await large.store.list({ status: ["executed", "rejected"], limit: 50 });
    expect(history).toHaveLength(50);
    const times = history.map((record) => record.createdAt);
    expect([...times].sort().reverse()).toEqual(times);
    const oldest = await large.store.get(large.decided[0]!);
    expect(oldest?.status).toBe("executed");
    expect(large.store.integrity(oldest!)).toEqual([]);
  });
});

describe("the archive and the journal under tampering", () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await fixture(300);
  }, 60_000);
  afterAll(() => rm(f.dataDir, { recursive: true, force: true }));

  const archive = () => path.join(f.dataDir, "approvals", "archive");
  async function archivedFile(id: string): Promise<string> {
    for (const month of await readdir(archive())) {
      const file = path.join(archive(), month, `${id}.json`);
      if (
        await readFile(file).then(
          () => true,
          () => false,
        )
      )
        return file;
    }
    throw new Error(`${id} is not in the archive`);
  }
  const active = (id: string) => path.join(f.dataDir, "approvals", `${id}.json`);

  async function executed(): Promise<string> {
    const created = await f.store.create(request(Math.floor(Math.random() * 1e9)));
    await f.store.decide(created.id, { decision: "approved", channel: "cli", actor: "t" });
    await f.store.claim(created.id);
    await f.store.recordAttempt(created.id, { n: 1 });
    await f.store.complete(created.id, { ok: true, output: { id: 1 } });
    return created.id;
  }

  it("a completed request goes to the archive, sealed, and is found by id", async () => {
    const id = await executed();
    await expect(readFile(active(id))).rejects.toThrow();
    const file = await archivedFile(id);
    expect(JSON.parse(await readFile(file, "utf8"))).toMatchObject({ id, status: "executed" });
    const again = await openApprovalStore({ dataDir: f.dataDir, keychain: f.keychain });
    expect((await again.get(id))?.status).toBe("executed");
  });

  it("an archived record edited (its outcome, its status) breaks its seal and never runs", async () => {
    const id = await executed();
    const file = await archivedFile(id);
    const record = JSON.parse(await readFile(file, "utf8")) as Record<string, unknown>;
    await writeFile(file, JSON.stringify({ ...record, status: "approved", outcome: undefined }));
    const read = await f.store.get(id);
    expect(f.store.integrity(read!)).toContainEqual(expect.stringMatching(/seal is broken/));
    await expect(f.store.claim(id)).rejects.toMatchObject({ code: "APPROVAL_INVALID" });
  });

  it("an archived record moved back among the active ones is archived again and never listed as pending", async () => {
    const id = await executed();
    await rename(await archivedFile(id), active(id));
    expect((await f.store.list({ status: "pending" })).map((r) => r.id)).not.toContain(id);
    await expect(readFile(active(id))).rejects.toThrow();
    expect((await f.store.get(id))?.status).toBe("executed");
    expect(await f.store.claim(id)).toBeNull();
  });

  it("an approved copy put back beside its archived completion: the completion wins, nothing runs again", async () => {
    const created = await f.store.create(request(424242));
    const decided = await f.store.decide(created.id, { decision: "approved", channel: "cli", actor: "t" });
    const approvedCopy = await readFile(active(decided.id), "utf8");
    await f.store.claim(created.id);
    await f.store.complete(created.id, { ok: true, output: { id: 7 } });
    await writeFile(active(created.id), approvedCopy);
    expect(await f.store.claim(created.id)).toBeNull();
    expect(await f.store.get(created.id)).toMatchObject({ status: "executed", outcome: { ok: true } });
    // Moved back instead (the archived copy gone): the journal still knows it ran.
    await writeFile(active(created.id), approvedCopy);
    await rm(await archivedFile(created.id));
    await expect(f.store.claim(created.id)).rejects.toThrow(/already been executed|earlier execution/);
  });

  it("a pending request moved into the archive is still itself: found, not approved, decided as usual", async () => {
    const created = await f.store.create(request(515151));
    const month = created.createdAt.slice(0, 7);
    await mkdir(path.join(archive(), month), { recursive: true });
    await rename(active(created.id), path.join(archive(), month, `${created.id}.json`));
    expect((await f.store.get(created.id))?.status).toBe("pending");
    await expect(f.store.claim(created.id)).rejects.toMatchObject({ code: "APPROVAL_INVALID" });
    const decided = await f.store.decide(created.id, { decision: "rejected", channel: "cli", actor: "t" });
    expect(decided.status).toBe("rejected");
  });

  it("the archive deleted: history is gone, nothing is approved or run", async () => {
    const id = await executed();
    const other = await mkdtemp(path.join(tmpdir(), "odoo-mcp-year-archive-"));
    await rename(archive(), path.join(other, "archive"));
    try {
      expect(await f.store.get(id)).toBeNull();
      await expect(f.store.claim(id)).rejects.toMatchObject({ code: "APPROVAL_NOT_FOUND" });
      expect((await f.store.list({ status: "executed" })).map((r) => r.id)).not.toContain(id);
    } finally {
      await rename(path.join(other, "archive"), archive());
      await rm(other, { recursive: true, force: true });
    }
  });

  it("the journal read incrementally: an older copy put back, or its tail rewritten, after a process read it is refused", async () => {
    const journal = path.join(f.dataDir, "approvals", JOURNAL_FILE);
    const created = await f.store.create(request(616161));
    await f.store.decide(created.id, { decision: "approved", channel: "cli", actor: "t" });
    const before = await readFile(journal, "utf8");
    const approvedCopy = await readFile(active(created.id), "utf8");
    await f.store.claim(created.id);
    await f.store.recordAttempt(created.id, { n: 1 });
    await f.store.complete(created.id, { ok: true, output: { id: 1 } });
    expect((await f.store.verifyForExecution((await f.store.get(created.id))!)).length).toBeGreaterThan(0);
    // The journal as it was before the run, the file moved back: this same process (which read the journal
    // incrementally) refuses it.
    await writeFile(journal, before);
    await writeFile(active(created.id), approvedCopy);
    await rm(await archivedFile(created.id));
    await expect(f.store.claim(created.id)).rejects.toThrow(/journal/);
    // Longer than before, with forged lines after a rewritten tail: still refused.
    const forged = `${before}${JSON.stringify({ seq: 999_999, id: created.id, event: "decided", at: "x", prev: "x", mac: "x" })}\n`;
    await writeFile(journal, forged.repeat(2));
    await expect(f.store.claim(created.id)).rejects.toThrow(/journal/);
  });
});

describe("the journal's sealed checkpoint (a new process does not verify a year of lines again)", () => {
  let f: Fixture;
  let journal: string;
  let checkpoint: string;
  let done: string;
  /** The checkpoint from before `done` ran (the one after holds its completion in a shard). */
  let older: string;
  /** A process that started from the older checkpoint and read one of its shards. */
  let early: ApprovalStore;
  beforeAll(async () => {
    f = await fixture(2_000); // more than 5,000 journal lines
    journal = path.join(f.dataDir, "approvals", JOURNAL_FILE);
    checkpoint = `${journal}.checkpoint`;
    const created = await f.store.create(request(717171));
    await f.store.decide(created.id, { decision: "approved", channel: "cli", actor: "t" });
    await f.store.claim(created.id); // the first whole read: leaves the checkpoint
    await checkpointPast(checkpoint, 0);
    older = await readFile(checkpoint, "latin1");
    early = await openApprovalStore({ dataDir: f.dataDir, keychain: f.keychain });
    await early.verifyForExecution((await early.get(f.decided[1]!))!);
    await f.store.complete(created.id, { ok: true, output: { id: 1 } });
    done = created.id;
    // Another 5,000 lines and a read: the next checkpoint, which holds `done`'s completion in its shard.
    const { seq } = (await checkpointHeader(checkpoint)).body;
    const items: SeedItem[] = [];
    for (let n = 0; n < 2_000; n++)
      items.push({
        tool: "record_payment",
        args: { invoice_id: String(n) },
        meta: { target: `INV/more/${n}` },
        createdAt: new Date(),
        status: "executed",
      });
    await f.store.seedCompletedForBench(items);
    await f.store.verifyForExecution((await f.store.get(done))!);
    await checkpointPast(checkpoint, seq);
  }, 120_000);
  afterAll(() => rm(f.dataDir, { recursive: true, force: true }));

  const fresh = () => openApprovalStore({ dataDir: f.dataDir, keychain: f.keychain });
  /** What a new process concludes about an executed request's approved copy. */
  async function verdict(store?: ApprovalStore): Promise<string[]> {
    const reader = store ?? (await fresh());
    const record = (await reader.get(done))!;
    return reader.verifyForExecution({ ...record, status: "approved" });
  }
  /** The checkpoint's text with `done`'s completion removed from its shard (same length), and that shard's index. */
  async function withoutCompletion(): Promise<{ text: string; shard: number; bytes: Buffer }> {
    const text = await readFile(checkpoint, "latin1");
    const entry = new RegExp(`\\["${done}",1,(\\d+),(\\d+),1\\]`);
    const at = text.search(entry);
    expect(at).toBeGreaterThan(0);
    const forged = text.replace(entry, (match) => `${match.slice(0, -2)}0]`);
    const header = await checkpointHeader(checkpoint);
    let offset = text.indexOf("\n") + 1;
    let shard = 0;
    while (offset + header.body.shards[shard]![0] <= at) offset += header.body.shards[shard++]![0];
    const bytes = Buffer.from(forged.slice(offset, offset + header.body.shards[shard]![0]), "latin1");
    return { text: forged, shard, bytes };
  }

  it("is written, sealed, small to start from, and a new process starting from it knows what ran", async () => {
    const header = await checkpointHeader(checkpoint);
    expect(header).toMatchObject({ body: { v: 3 }, mac: expect.any(String) });
    expect(header.body.shards).toHaveLength(256);
    const text = await readFile(checkpoint, "utf8");
    expect(text.indexOf("\n")).toBeLessThan(32_768); // what a new process reads first, whatever the history
    expect(text).toContain(`"${done}",1,1,0,1]`); // its completion is in the checkpoint, not after it
    expect(await verdict()).toContain("it has already been executed");
  });

  it("a shard edited (a completion removed from it): its digest does not match, the journal is read, the completion is still known", async () => {
    const saved = await readFile(checkpoint);
    const { text } = await withoutCompletion();
    await writeFile(checkpoint, text, "latin1");
    try {
      expect(await verdict()).toContain("it has already been executed");
    } finally {
      await writeFile(checkpoint, saved);
    }
  });

  it("a shard edited and its digest in the header changed to match: the header's seal is broken, the completion is still known", async () => {
    const saved = await readFile(checkpoint);
    const { text, shard, bytes } = await withoutCompletion();
    const header = await checkpointHeader(checkpoint);
    const digest = header.body.shards[shard]![1];
    const forged = text.replace(`"${digest}"`, `"${createHash("sha256").update(bytes).digest("base64url")}"`);
    expect(forged).not.toBe(text);
    await writeFile(checkpoint, forged, "latin1");
    try {
      expect(await verdict()).toContain("it has already been executed");
    } finally {
      await writeFile(checkpoint, saved);
    }
  });

  it("an older checkpoint put back (from before it ran): the lines after it are read, the completion is still known", async () => {
    const saved = await readFile(checkpoint);
    await writeFile(checkpoint, older, "latin1");
    try {
      expect(await verdict()).toContain("it has already been executed");
    } finally {
      await writeFile(checkpoint, saved);
    }
  });

  it("a process started from the older checkpoint, which a newer one replaced: starts again from the newer one, knows what ran", async () => {
    expect(await verdict(early)).toContain("it has already been executed");
  });

  it("deleted, or garbage: only slower", async () => {
    const saved = await readFile(checkpoint);
    await rm(checkpoint);
    expect(await verdict()).toContain("it has already been executed");
    await writeFile(checkpoint, "{not json");
    expect(await verdict()).toContain("it has already been executed");
    await writeFile(checkpoint, saved);
  });

  it("kept while the journal is put back to an older copy: refused (the keychain's head), not trusted", async () => {
    const lines = (await readFile(journal, "utf8")).trim().split("\n");
    const saved = await readFile(journal, "utf8");
    await writeFile(journal, `${lines.slice(0, -3).join("\n")}\n`);
    try {
      expect((await verdict()).join("; ")).toMatch(/journal/);
    } finally {
      await writeFile(journal, saved);
    }
  });
});
