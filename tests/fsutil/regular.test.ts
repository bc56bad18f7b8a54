/**
 * The one way a file of the data folder is opened (fsutil/regular.ts) and the helpers built on it: a FIFO, a
 * socket, a device, a folder or a symbolic link where a file should be is refused at once, by name and kind,
 * never waited on and never followed; a handle opened on one is closed.
 */
import { execFileSync } from "node:child_process";
import { constants, readdirSync, symlinkSync } from "node:fs";
import { mkdir, mkdtemp, readFile, readlink, rm, symlink, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  acquireLock,
  appendLineDurable,
  NotRegularFileError,
  openRegular,
  readJsonFile,
  readLockInfo,
  readRegularTextSync,
  readTextIfExists,
  shownPath,
  statFolder,
  statRegular,
  writeFileAtomic,
  writeNewFile,
} from "../../src/mcp/fsutil/index.js";

const DEADLINE_MS = 2_000;
let dir: string;
let outside: string;
let server: Server | undefined;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "odoo-mcp-regular-"));
  outside = await mkdtemp(path.join(tmpdir(), "odoo-mcp-regular-outside-"));
});
afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
  await rm(dir, { recursive: true, force: true });
  await rm(outside, { recursive: true, force: true });
});

const at = (...parts: string[]) => path.join(dir, ...parts);
const mkfifo = (file: string) => execFileSync("mkfifo", [file]);
/** Settles within the deadline, or fails: the call hangs. */
function within<T>(promise: Promise<T>, what = "the call"): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} hangs`)), DEADLINE_MS);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}
async function refusal(promise: Promise<unknown>): Promise<NotRegularFileError> {
  const error = await within(
    promise.then(
      () => null,
      (e: unknown) => e,
    ),
  );
  expect(error).toBeInstanceOf(NotRegularFileError);
  return error as NotRegularFileError;
}
const openFds = () => readdirSync("/proc/self/fd").length;

describe("openRegular", () => {
  it("opens a regular file for reading and writing", async () => {
    await writeFile(at("a.txt"), "hello");
    const handle = await openRegular(at("a.txt"), constants.O_RDWR);
    try {
      expect(await handle.readFile("utf8")).toBe("hello");
    } finally {
      await handle.close();
    }
  });

  it("refuses a FIFO at once, for reading and for writing, naming it relative to the data folder", async () => {
    await mkdir(at("approvals"));
    mkfifo(at("approvals", "x.json"));
    for (const flags of [constants.O_RDONLY, constants.O_WRONLY | constants.O_APPEND, constants.O_RDWR]) {
      const error = await refusal(openRegular(at("approvals", "x.json"), flags, { root: dir }));
      expect(error.kind).toBe("a FIFO");
      expect(error.message).toBe("approvals/x.json is a FIFO, not a file");
      expect(error.file).toBe(at("approvals", "x.json"));
    }
  });

  it("never follows a symbolic link, whatever it points to; with followSymlinks, only to a file", async () => {
    await writeFile(path.join(outside, "sealed.json"), "{}");
    mkfifo(path.join(outside, "fifo"));
    await symlink(path.join(outside, "sealed.json"), at("to-file"));
    await symlink(path.join(outside, "fifo"), at("to-fifo"));
    for (const name of ["to-file", "to-fifo"])
      expect((await refusal(openRegular(at(name), constants.O_RDONLY, { root: dir }))).message).toBe(
        `${name} is a symbolic link, not a file`,
      );
    const followed = await openRegular(at("to-file"), constants.O_RDONLY, { followSymlinks: true });
    await followed.close();
    expect(
      (await refusal(openRegular(at("to-fifo"), constants.O_RDONLY, { followSymlinks: true }))).kind,
    ).toBe("a FIFO");
  });

  it("names a folder, a socket and a device", async () => {
    await mkdir(at("folder"));
    expect((await refusal(openRegular(at("folder"), constants.O_RDONLY))).kind).toBe("a folder");
    expect((await refusal(openRegular(at("folder"), constants.O_WRONLY))).kind).toBe("a folder");
    const socket = at("s.sock");
    server = createServer();
    await new Promise<void>((resolve) => server!.listen(socket, resolve));
    expect((await refusal(openRegular(socket, constants.O_RDONLY))).kind).toBe("a socket");
    expect((await refusal(openRegular("/dev/null", constants.O_RDONLY, { followSymlinks: true }))).kind).toBe(
      "a character device",
    );
  });

  it("passes other errors through (ENOENT, EEXIST) and leaves no handle open behind a refusal", async () => {
    await expect(openRegular(at("none"), constants.O_RDONLY)).rejects.toMatchObject({ code: "ENOENT" });
    await writeFile(at("there"), "");
    await expect(
      openRegular(at("there"), constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL),
    ).rejects.toMatchObject({ code: "EEXIST" });
    mkfifo(at("fifo"));
    await mkdir(at("folder"));
    const before = openFds();
    for (let i = 0; i < 20; i++) {
      await refusal(openRegular(at("fifo"), constants.O_RDONLY));
      await refusal(openRegular(at("folder"), constants.O_RDONLY));
    }
    expect(openFds()).toBe(before);
  });
});

describe("the helpers built on it", () => {
  it("readTextIfExists and readJsonFile refuse a FIFO and a link; undefined only when nothing is there", async () => {
    mkfifo(at("fifo.json"));
    await writeFile(path.join(outside, "real.json"), '{"a":1}');
    await symlink(path.join(outside, "real.json"), at("link.json"));
    expect(await readTextIfExists(at("none"))).toBeUndefined();
    expect((await refusal(readTextIfExists(at("fifo.json"), { root: dir }))).message).toBe(
      "fifo.json is a FIFO, not a file",
    );
    expect((await refusal(readJsonFile(at("link.json"), { root: dir }))).message).toBe(
      "link.json is a symbolic link, not a file",
    );
  });

  it("appendLineDurable refuses a FIFO (no reader: never waits) and a link, and writes nothing through it", async () => {
    mkfifo(at("log.jsonl"));
    expect((await refusal(appendLineDurable(at("log.jsonl"), "x", { root: dir }))).kind).toBe("a FIFO");
    await writeFile(path.join(outside, "target.jsonl"), "");
    await symlink(path.join(outside, "target.jsonl"), at("linked.jsonl"));
    expect((await refusal(appendLineDurable(at("linked.jsonl"), "x"))).kind).toBe("a symbolic link");
    expect(await readFile(path.join(outside, "target.jsonl"), "utf8")).toBe("");
  });

  it("writeFileAtomic replaces a FIFO or a link (never writing through it) and refuses a folder by name", async () => {
    mkfifo(at("a.json"));
    await within(writeFileAtomic(at("a.json"), "one"));
    expect(await readFile(at("a.json"), "utf8")).toBe("one");
    await writeFile(path.join(outside, "target"), "untouched");
    await symlink(path.join(outside, "target"), at("b.json"));
    await within(writeFileAtomic(at("b.json"), "two"));
    expect(await readFile(at("b.json"), "utf8")).toBe("two");
    expect(await readFile(path.join(outside, "target"), "utf8")).toBe("untouched");
    await expect(readlink(at("b.json"))).rejects.toMatchObject({ code: "EINVAL" }); // a file now
    await mkdir(at("c.json"));
    expect((await refusal(writeFileAtomic(at("c.json"), "three", { root: dir }))).message).toBe(
      "c.json is a folder, not a file",
    );
    expect(readdirSync(dir).filter((name) => name.endsWith(".tmp"))).toEqual([]);
  });

  it("writeNewFile creates only: never through a link, never over anything", async () => {
    await writeFile(path.join(outside, "target"), "untouched");
    await symlink(path.join(outside, "target"), at("link"));
    await expect(writeNewFile(at("link"), "x")).rejects.toMatchObject({ code: "EEXIST" });
    expect(await readFile(path.join(outside, "target"), "utf8")).toBe("untouched");
    await writeNewFile(at("new"), "fresh");
    expect(await readFile(at("new"), "utf8")).toBe("fresh");
  });

  it("statRegular and statFolder: null when absent, the kind by name otherwise, links not followed", async () => {
    expect(await statRegular(at("none"))).toBeNull();
    expect(await statFolder(at("none"))).toBeNull();
    await writeFile(at("file"), "x");
    expect((await statRegular(at("file")))?.size).toBe(1);
    mkfifo(at("fifo"));
    expect((await refusal(statRegular(at("fifo"), { root: dir }))).message).toBe(
      "fifo is a FIFO, not a file",
    );
    await mkdir(path.join(outside, "folder"));
    await symlink(path.join(outside, "folder"), at("Logs"));
    expect((await refusal(statFolder(at("Logs"), { root: dir }))).message).toBe(
      "Logs is a symbolic link, not a folder",
    );
    expect((await refusal(statFolder(at("fifo")))).expected).toBe("a folder");
  });

  it("readRegularTextSync (.env at start-up) refuses a FIFO, even behind a link it may follow", () => {
    mkfifo(path.join(outside, "fifo"));
    mkfifo(at("fifo"));
    expect(() => readRegularTextSync(at("fifo"))).toThrow(NotRegularFileError);
    expect(() => readRegularTextSync(at("fifo"))).toThrow("is a FIFO, not a file");
    symlinkSync(path.join(outside, "fifo"), at(".env"));
    expect(() => readRegularTextSync(at(".env"), { followSymlinks: true })).toThrow("is a FIFO, not a file");
  });

  it("a lock path holding a FIFO or a link is refused at once, by name, instead of waited on", async () => {
    mkfifo(at("x.lock"));
    const started = Date.now();
    expect((await refusal(acquireLock(at("x.lock"), { root: dir, timeoutMs: 10_000 }))).message).toBe(
      "x.lock is a FIFO, not a file",
    );
    expect(Date.now() - started).toBeLessThan(DEADLINE_MS);
    await symlink(path.join(outside, "anything"), at("y.lock"));
    expect((await refusal(acquireLock(at("y.lock"), { root: dir }))).kind).toBe("a symbolic link");
    expect((await refusal(readLockInfo(at("x.lock")))).kind).toBe("a FIFO");
  });

  it("shownPath: relative to the data folder, with '/', only for what lies inside it", () => {
    expect(shownPath(path.join(dir, "approvals", "a.json"), dir)).toBe("approvals/a.json");
    expect(shownPath(path.join(outside, "a.json"), dir)).toBe(path.join(outside, "a.json"));
    expect(shownPath(path.join(dir, "a.json"))).toBe(path.join(dir, "a.json"));
  });
});
