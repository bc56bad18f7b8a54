import { execFile, spawn } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  acquireLock,
  appendLineDurable,
  CorruptFileError,
  isProcessAlive,
  readJsonFile,
  readLockInfo,
  tryAcquireLock,
  withLock,
  writeFileAtomic,
} from "../../src/mcp/fsutil/index.js";

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

  it("a child process holding the lock excludes us until it exits without releasing it", async () => {
    const lockPath = path.join(dir, "child.lock");
    // The child takes the lock the same way (open "wx" with its own pid), says so, and exits without cleaning
    // up when its stdin closes. Waiting for its word (not a fixed delay) keeps this test true on a busy machine.
    const child = spawn(
      process.execPath,
      [
        "-e",
        `const fs=require("fs");const os=require("os");
         fs.writeFileSync(${JSON.stringify(lockPath)}, JSON.stringify({pid:process.pid,host:os.hostname(),createdAt:new Date().toISOString(),token:"c"}), {flag:"wx"});
         process.stdout.write("locked");
         process.stdin.on("end", () => process.exit(0)); process.stdin.resume();`,
      ],
      { stdio: ["pipe", "pipe", "inherit"] },
    );
    await new Promise<void>((resolve) => child.stdout.once("data", () => resolve()));
    expect(await tryAcquireLock(lockPath)).toBeNull(); // alive
    const exited = new Promise((resolve) => child.on("exit", resolve));
    child.stdin.end();
    await exited;
    expect(await tryAcquireLock(lockPath)).not.toBeNull(); // dead: taken over
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
