import { randomBytes } from "node:crypto";
import { closeSync, constants, fsync, writeSync } from "node:fs";
import { lstat, mkdir, open, rename, rm } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import {
  NotRegularFileError,
  openRegular,
  openRegularSync,
  type RegularOptions,
  shownPath,
} from "./regular.js";

/**
 * Durable file primitives shared by the audit log, the offline queue and the approval store. "Durable" means
 * the bytes are on disk (fsync) before the promise resolves, so a crash or power loss right after cannot lose
 * what the caller was told is written.
 *
 * Every file is opened through `openRegular` (regular.ts): a FIFO, a link, a folder... in a file's place is
 * refused at once with a `NotRegularFileError` naming it, never opened in a way that could wait for ever. `root`
 * (the data folder) only makes those errors name the file relative to it.
 */

/** Thrown by `readJsonFile` when a file exists but does not hold JSON. The message names the file, never its content. */
export class CorruptFileError extends Error {
  override readonly name = "CorruptFileError";
  constructor(
    readonly file: string,
    options?: { cause?: unknown },
  ) {
    super(`${file} is not valid JSON`, options);
  }
}

/**
 * fsync a directory so that a rename or a new entry in it survives a crash. Windows cannot open directories.
 * O_DIRECTORY and O_NONBLOCK: something else put in the folder's place meanwhile is refused, never waited on.
 */
export async function fsyncDir(dir: string): Promise<void> {
  if (process.platform === "win32") return;
  const handle = await open(dir, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NONBLOCK);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Where a file is created or written: its mode when created, and the data folder for error messages. */
export interface WriteOptions {
  mode?: number;
  root?: string;
}

/**
 * Creates `file` (it must not exist: O_CREAT|O_EXCL, which never follows a link) and writes `data`. Not fsynced.
 * EEXIST when something is there already.
 */
export async function writeNewFile(
  file: string,
  data: string | Uint8Array,
  options: WriteOptions & { sync?: boolean } = {},
): Promise<void> {
  const handle = await openRegular(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, {
    mode: options.mode ?? 0o600,
    ...(options.root ? { root: options.root } : {}),
  });
  try {
    await handle.writeFile(data);
    if (options.sync) await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Replace `file` with `data` atomically: readers see the old or the new content, never a mix, even across a
 * crash. A temp file in the same directory is written and fsynced, renamed over the target, then the directory
 * is fsynced (`durable: false`: neither, for a cache). The rename replaces whatever is at `file` (a FIFO or a
 * link is replaced, never opened); a folder there is refused.
 */
export async function writeFileAtomic(
  file: string,
  data: string | Uint8Array,
  options: WriteOptions & { durable?: boolean } = {},
): Promise<void> {
  const durable = options.durable !== false;
  const dir = path.dirname(file);
  await mkdir(dir, { recursive: true });
  const temp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
  try {
    await writeNewFile(temp, data, { ...options, sync: durable });
    try {
      await rename(temp, file);
    } catch (error) {
      // A folder in the file's place (EISDIR on Linux): said as such, like any other entry that is not a file.
      const there = await lstat(file).catch(() => null);
      if (there?.isDirectory())
        throw new NotRegularFileError(file, "a folder", shownPath(file, options.root));
      throw error;
    }
  } catch (error) {
    await rm(temp, { force: true }).catch(() => {});
    throw error;
  }
  if (durable) await fsyncDir(dir);
}

/**
 * Append one line with a single `write` on a file opened with O_APPEND, then fsync. Several processes may append
 * to the same file at once: each line lands whole, never interleaved with another's.
 */
export async function appendLineDurable(
  file: string,
  line: string,
  options: WriteOptions = {},
): Promise<void> {
  return appendLinesDurable(file, [line], options);
}

/**
 * `appendLineDurable` for several lines at once: one `write` of all of them, one fsync. The open, the write (to
 * the page cache) and the close are synchronous (`openRegularSync`: microseconds each, where an asynchronous call
 * waits for a worker thread and the event loop); the fsync, which waits for the disk, goes to a worker.
 */
export async function appendLinesDurable(
  file: string,
  lines: string[],
  options: WriteOptions = {},
): Promise<void> {
  if (lines.some((line) => line.includes("\n")))
    throw new Error("appendLineDurable: a line must not contain a newline");
  const dir = path.dirname(file);
  let created = false;
  const root = options.root ? { root: options.root } : {};
  const append = constants.O_WRONLY | constants.O_APPEND;
  let fd: number;
  try {
    // Usually a file of ours is there (an audit line per tool call): opened at once, with no folder to make
    // and no create that fails first. Anything else is refused (a FIFO without a reader is ENXIO, not a wait).
    fd = openRegularSync(file, append, root);
  } catch (error) {
    if (!isErrno(error, "ENOENT")) throw error;
    await mkdir(dir, { recursive: true });
    try {
      fd = openRegularSync(file, append | constants.O_CREAT | constants.O_EXCL, {
        mode: options.mode ?? 0o600,
        ...root,
      });
      created = true;
    } catch (raced) {
      if (!isErrno(raced, "EEXIST")) throw raced;
      fd = openRegularSync(file, append, root); // another process created it meanwhile
    }
  }
  try {
    const bytes = Buffer.from(lines.map((line) => `${line}\n`).join(""), "utf8");
    const written = writeSync(fd, bytes, 0, bytes.length);
    if (written !== bytes.length)
      throw new Error(`short write to ${file}: ${written} of ${bytes.length} bytes`);
    await fsyncFd(fd);
  } finally {
    closeSync(fd);
  }
  if (created) await fsyncDir(dir);
}

const fsyncFd = promisify(fsync);

/**
 * The parsed content of a JSON file, `undefined` when it does not exist; `CorruptFileError` when it is not JSON,
 * `NotRegularFileError` when it is not a file.
 */
export async function readJsonFile(file: string, options: RegularOptions = {}): Promise<unknown> {
  const text = await readTextIfExists(file, options);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new CorruptFileError(file, { cause: error });
  }
}

/** Reads a text file, `undefined` when it does not exist; `NotRegularFileError` when it is not a file. */
export async function readTextIfExists(
  file: string,
  options: RegularOptions = {},
): Promise<string | undefined> {
  let handle: Awaited<ReturnType<typeof openRegular>>;
  try {
    handle = await openRegular(file, constants.O_RDONLY, options);
  } catch (error) {
    if (isErrno(error, "ENOENT")) return undefined;
    throw error;
  }
  try {
    return await handle.readFile("utf8");
  } finally {
    await handle.close();
  }
}

export function isErrno(error: unknown, code: string): boolean {
  return typeof error === "object" && error !== null && (error as { code?: unknown }).code === code;
}
