import { type ChildProcessWithoutNullStreams, execFile, spawn } from "node:child_process";
import { createHmac } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  acquireLock,
  appendLineDurable,
  CorruptFileError,
  isProcessAlive,
  type LockAuthority,
  lockSigningText,
  processStartTime,
  readJsonFile,
  readLockInfo,
  tryAcquireLock,
  withLock,
  writeFileAtomic,
} from "../../src/mcp/fsutil/index.js";
import { buildForChildren } from "../approvals/helpers/build.js";

const run = promisify(execFile);
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "odoo-mcp-fsutil-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A pid that certainly does not exist: a child that has exited. */
async function deadPid(): Promise<number> {
  const { stdout } = await run(process.execPath, ["-e", "process.stdout.write(String(process.pid))"]);
  return Number(stdout);
}

describe("files", () => {
  it("writeFileAtomic replaces content, leaves no temp files, and applies the mode", async () => {
    const file = path.join(dir, "sub", "a.json");
    await writeFileAtomic(file, "one");
    await writeFileAtomic(file, "two", { mode: 0o600 });
    expect(await readFile(file, "utf8")).toBe("two");
    expect(await readdir(path.dirname(file))).toEqual(["a.json"]);
    if (process.platform !== "win32") expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it("appendLineDurable appends whole lines and refuses embedded newlines", async () => {
    const file = path.join(dir, "log.jsonl");
    await Promise.all(Array.from({ length: 50 }, (_, i) => appendLineDurable(file, `line ${i}`)));
    const lines = (await readFile(file, "utf8")).trimEnd().split("\n");
    expect(lines.sort()).toEqual(Array.from({ length: 50 }, (_, i) => `line ${i}`).sort());
    await expect(appendLineDurable(file, "a\nb")).rejects.toThrow(/newline/);
  });

  it("readJsonFile: undefined when missing, CorruptFileError (without the content) when not JSON", async () => {
    expect(await readJsonFile(path.join(dir, "none.json"))).toBeUndefined();
    const file = path.join(dir, "bad.json");
    await writeFile(file, "{ secret-ish garbage");
    const error = await readJsonFile(file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CorruptFileError);
    expect((error as Error).message).not.toContain("garbage");
    await writeFile(file, '{"a":1}');
    expect(await readJsonFile(file)).toEqual({ a: 1 });
  });
});

describe("lock files", () => {
  it("are exclusive and hold pid, host and creation time", async () => {
    const lockPath = path.join(dir, "x.lock");
    const first = await tryAcquireLock(lockPath);
    expect(first).not.toBeNull();
    expect(await tryAcquireLock(lockPath)).toBeNull();
    const info = await readLockInfo(lockPath);
    expect(info).toMatchObject({ pid: process.pid, host: hostname() });
    expect(Date.parse(info!.createdAt)).not.toBeNaN();
    await first!.release();
    expect(await tryAcquireLock(lockPath)).not.toBeNull();
  });

  it("serialise critical sections (withLock)", async () => {
    const lockPath = path.join(dir, "y.lock");
    let inside = 0;
    let maxInside = 0;
    await Promise.all(
      Array.from({ length: 10 }, () =>
        withLock(lockPath, async () => {
          inside++;
          maxInside = Math.max(maxInside, inside);
          await new Promise((r) => setTimeout(r, 5));
          inside--;
        }),
      ),
    );
    expect(maxInside).toBe(1);
  });

  it("a lock left by a dead process on this host is taken over; a live or foreign one is not", async () => {
    const lockPath = path.join(dir, "z.lock");
    const pid = await deadPid();
    expect(isProcessAlive(pid)).toBe(false);
    await writeFile(
      lockPath,
      JSON.stringify({ pid, host: hostname(), createdAt: new Date().toISOString(), token: "t" }),
    );
    const taken = await tryAcquireLock(lockPath);
    expect(taken?.info.pid).toBe(process.pid);
    await taken!.release();

    await writeFile(lockPath, JSON.stringify({ pid, host: "another-machine", createdAt: "", token: "t" }));
    expect(await tryAcquireLock(lockPath)).toBeNull();
    await expect(acquireLock(lockPath, { timeoutMs: 50 })).rejects.toThrow(/held by pid/);
  });

  it("an unreadable (half-written) lock is stale only once it is old", async () => {
    const lockPath = path.join(dir, "w.lock");
    await writeFile(lockPath, "");
    expect(await tryAcquireLock(lockPath)).toBeNull();
    const old = new Date(Date.now() - 60_000);
    await utimes(lockPath, old, old);
    expect(await tryAcquireLock(lockPath)).not.toBeNull();
  });

  it("two processes that both see the same dead holder never both get the lock", async () => {
    const lockPath = path.join(dir, "race.lock");
    const pid = await deadPid();
    for (let round = 0; round < 20; round++) {
      await writeFile(
        lockPath,
        JSON.stringify({ pid, host: hostname(), createdAt: "", token: `dead${round}` }),
      );
      const results = await Promise.all(Array.from({ length: 4 }, () => tryAcquireLock(lockPath)));
      const winners = results.filter((r) => r !== null);
      expect(winners).toHaveLength(1);
      await winners[0]!.release();
    }
  });
});

/** An HMAC authority, as the approvals module will pass one. */
function hmacAuthority(key: string): LockAuthority {
  const sign = (text: string) => createHmac("sha256", key).update(text).digest("hex");
  return { sign, verify: (text, sig) => sign(text) === sig };
}

describe("locks an agent cannot plant", () => {
  let build: { dir: string; cleanup(): Promise<void> };
  const children: ChildProcessWithoutNullStreams[] = [];
  beforeAll(async () => {
    build = await buildForChildren();
  }, 60_000);
  afterAll(async () => {
    await build?.cleanup();
  });
  afterEach(async () => {
    for (const child of children.splice(0)) {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill();
        await exited;
      }
    }
  });

  /** A child process that sleeps: a live pid that is not ours. */
  async function sleeper(): Promise<ChildProcessWithoutNullStreams> {
    const child = spawn(process.execPath, ["-e", 'process.stdout.write("up"); setInterval(() => {}, 1000)']);
    children.push(child);
    await new Promise<void>((resolve) => child.stdout.once("data", () => resolve()));
    return child;
  }

  /**
   * A child that takes the lock with the real lock module (built to plain JavaScript), says so, and exits
   * without releasing it when its stdin closes. Waiting for its word keeps the test true on a busy machine.
   */
  async function holder(lockPath: string, key?: string): Promise<ChildProcessWithoutNullStreams> {
    const script = `
      import path from "node:path";
      import { createHmac } from "node:crypto";
      import { pathToFileURL } from "node:url";
      const { acquireLock } = await import(pathToFileURL(path.join(process.env.BUILD_DIR, "mcp/fsutil/index.js")).href);
      const key = process.env.LOCK_KEY;
      const sign = (text) => createHmac("sha256", key).update(text).digest("hex");
      const authority = key ? { sign, verify: (text, sig) => sign(text) === sig } : undefined;
      await acquireLock(process.env.LOCK_PATH, { owner: "child", authority });
      process.stdout.write("locked");
      process.stdin.on("end", () => process.exit(0));
      process.stdin.resume();
    `;
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], {
      env: { ...process.env, BUILD_DIR: build.dir, LOCK_PATH: lockPath, ...(key ? { LOCK_KEY: key } : {}) },
    });
    children.push(child);
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    await new Promise<void>((resolve, reject) => {
      child.stdout.once("data", () => resolve());
      child.once("exit", (code) => reject(new Error(`the holder exited (${code}): ${stderr}`)));
    });
    return child;
  }

  async function exit(child: ChildProcessWithoutNullStreams): Promise<void> {
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.stdin.end();
    await exited;
  }

  async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
    const started = performance.now();
    const value = await fn();
    return { value, ms: performance.now() - started };
  }

  it("records the holder's start time, which is this process's own", async () => {
    const lockPath = path.join(dir, "s.lock");
    const lock = await acquireLock(lockPath);
    const info = await readLockInfo(lockPath);
    expect(info?.start).toBeTypeOf("string");
    expect(info?.start).toBe(processStartTime(process.pid));
    await lock.release();
  });

  it("a genuine lock of a live holder (a child process) excludes us, names it, and is taken over once it dies", async () => {
    const lockPath = path.join(dir, "child.lock");
    const child = await holder(lockPath);
    const info = await readLockInfo(lockPath);
    expect(info).toMatchObject({ pid: child.pid, host: hostname(), owner: "child" });
    if (process.platform === "linux") expect(info?.start).toBe(processStartTime(child.pid!));
    expect(await tryAcquireLock(lockPath)).toBeNull(); // alive
    await expect(acquireLock(lockPath, { timeoutMs: 100 })).rejects.toThrow(
      new RegExp(`held by pid ${child.pid} \\(child\\)`),
    );
    await exit(child);
    expect(await tryAcquireLock(lockPath)).not.toBeNull(); // dead: taken over
  });

  it("a planted lock naming a live foreign pid with a wrong start time is taken over at once", async () => {
    const lockPath = path.join(dir, "planted.lock");
    const child = await sleeper();
    for (const pid of [1, child.pid!]) {
      expect(isProcessAlive(pid)).toBe(true);
      const planted = {
        pid,
        host: hostname(),
        start: "linux:1",
        createdAt: new Date().toISOString(),
        token: "x",
      };
      await writeFile(lockPath, JSON.stringify(planted));
      const { value: lock, ms } = await timed(() => acquireLock(lockPath, { timeoutMs: 5_000 }));
      expect(lock.info.pid).toBe(process.pid);
      expect(ms).toBeLessThan(500);
      await lock.release();
    }
  });

  it('a planted {"pid":1} without a start time: taken at once where start times are readable, else after maxHoldMs', async () => {
    const lockPath = path.join(dir, "pid1.lock");
    await writeFile(
      lockPath,
      JSON.stringify({ pid: 1, host: hostname(), createdAt: new Date().toISOString(), token: "x" }),
    );
    if (processStartTime(1) !== null) {
      const { value: lock, ms } = await timed(() => acquireLock(lockPath, { timeoutMs: 5_000 }));
      expect(ms).toBeLessThan(500);
      await lock.release();
    } else {
      // No start time for a foreign pid on this OS: the lock's age decides.
      expect(await tryAcquireLock(lockPath, { maxHoldMs: 60_000 })).toBeNull();
      const old = new Date(Date.now() - 120_000);
      await utimes(lockPath, old, old);
      expect(await tryAcquireLock(lockPath, { maxHoldMs: 60_000 })).not.toBeNull();
    }
  });

  it("a planted lock naming this very process with a token it does not hold is taken over at once", async () => {
    const lockPath = path.join(dir, "self.lock");
    const planted = {
      pid: process.pid,
      host: hostname(),
      start: processStartTime(process.pid) ?? undefined,
      createdAt: new Date().toISOString(),
      token: "not-ours",
    };
    await writeFile(lockPath, JSON.stringify(planted));
    const { value: lock, ms } = await timed(() => acquireLock(lockPath, { timeoutMs: 5_000 }));
    expect(ms).toBeLessThan(500);
    // ...while our own live lock still excludes a second acquisition in this process
    expect(await tryAcquireLock(lockPath)).toBeNull();
    await lock.release();
  });

  it("with an authority, a lock without a valid signature is taken over at once; a signed one of a live holder excludes", async () => {
    const key = "test-lock-key";
    const authority = hmacAuthority(key);
    const lockPath = path.join(dir, "signed.lock");
    // A perfect copy of a live process's identity (pid and its real start time), but unsigned.
    const child = await sleeper();
    const identity = {
      pid: child.pid!,
      host: hostname(),
      ...(processStartTime(child.pid!) ? { start: processStartTime(child.pid!)! } : {}),
      createdAt: new Date().toISOString(),
      token: "planted",
    };
    await writeFile(lockPath, JSON.stringify(identity));
    if (identity.start) expect(await tryAcquireLock(lockPath)).toBeNull(); // no authority: looks genuine
    for (const sig of [
      undefined,
      "0".repeat(64),
      hmacAuthority("another key").sign(lockSigningText(identity)),
    ]) {
      await writeFile(lockPath, JSON.stringify({ ...identity, ...(sig ? { sig } : {}) }));
      const { value: lock, ms } = await timed(() => acquireLock(lockPath, { authority, timeoutMs: 5_000 }));
      expect(ms).toBeLessThan(500);
      expect(authority.verify(lockSigningText(lock.info), lock.info.sig!)).toBe(true);
      await lock.release();
    }
    // An unreadable lock is never a genuine one when locks are signed.
    await writeFile(lockPath, "");
    const empty = await timed(() => acquireLock(lockPath, { authority, timeoutMs: 5_000 }));
    expect(empty.ms).toBeLessThan(500);
    await empty.value.release();
    // A genuine, signed lock of a live child excludes.
    const signed = await holder(lockPath, key);
    expect(await tryAcquireLock(lockPath, { authority })).toBeNull();
    await exit(signed);
    const after = await tryAcquireLock(lockPath, { authority });
    expect(after).not.toBeNull();
    await after!.release();
  });

  it("a planted takeover guard does not keep a stale lock from being taken over", async () => {
    const lockPath = path.join(dir, "guarded.lock");
    const pid = await deadPid();
    await writeFile(lockPath, JSON.stringify({ pid, host: hostname(), createdAt: "", token: "dead" }));
    await writeFile(
      `${lockPath}.takeover`,
      JSON.stringify({
        pid: 1,
        host: hostname(),
        start: "linux:1",
        createdAt: new Date().toISOString(),
        token: "g",
      }),
    );
    const { value: lock, ms } = await timed(() => acquireLock(lockPath, { timeoutMs: 5_000 }));
    expect(ms).toBeLessThan(500);
    await lock.release();
  });

  it("a short lock held longer than maxHoldMs is reported with its holder in the timeout error", async () => {
    const lockPath = path.join(dir, "long.lock");
    const child = await holder(lockPath);
    await new Promise((r) => setTimeout(r, 150));
    const error = (await acquireLock(lockPath, { timeoutMs: 100, maxHoldMs: 100 }).catch(
      (e: unknown) => e,
    )) as Error;
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toContain(`held by pid ${child.pid} (child) on ${hostname()}`);
    expect(error.message).toMatch(
      /held it for \d+ ms, longer than the 100 ms allowed: that process may be stuck/,
    );
    // Under the limit, no such remark.
    const early = (await acquireLock(lockPath, { timeoutMs: 50 }).catch((e: unknown) => e)) as Error;
    expect(early.message).not.toContain("longer than");
    await exit(child);
  });
});
