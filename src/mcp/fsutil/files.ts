import { randomBytes } from "node:crypto";
import { constants } from "node:fs";
import { mkdir, open, readFile, rename, rm } from "node:fs/promises";
import path from "node:path";

/**
 * Durable file primitives shared by the audit log, the offline queue and the approval store. "Durable" means
 * the bytes are on disk (fsync) before the promise resolves, so a crash or power loss right after cannot lose
 * what the caller was told is written.
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

/** fsync a directory so that a rename or a new entry in it survives a crash. Windows cannot open directories. */
export async function fsyncDir(dir: string): Promise<void> {
  if (process.platform === "win32") return;
  const handle = await open(dir, constants.O_RDONLY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Replace `file` with `data` atomically: readers see the old or the new content, never a mix, even across a
 * crash. A temp file in the same directory is written and fsynced, renamed over the target, then the directory
 * is fsynced.
 */
export async function writeFileAtomic(
  file: string,
  data: string | Uint8Array,
  options: { mode?: number } = {},
): Promise<void> {
  const dir = path.dirname(file);
  await mkdir(dir, { recursive: true });
  const temp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
  const handle = await open(temp, "wx", options.mode ?? 0o600);
  try {
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true }).catch(() => {});
    throw error;
  }
  await fsyncDir(dir);
}

/**
 * Append one line with a single `write` on a file opened with O_APPEND, then fsync. Several processes may append
 * to the same file at once: each line lands whole, never interleaved with another's.
 */
export async function appendLineDurable(
  file: string,
  line: string,
  options: { mode?: number } = {},
): Promise<void> {
  return appendLinesDurable(file, [line], options);
}

/** `appendLineDurable` for several lines at once: one `write` of all of them, one fsync. */
export async function appendLinesDurable(
  file: string,
  lines: string[],
  options: { mode?: number } = {},
): Promise<void> {
  if (lines.some((line) => line.includes("\n")))
    throw new Error("appendLineDurable: a line must not contain a newline");
  const dir = path.dirname(file);
  await mkdir(dir, { recursive: true });
  let created = false;
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(
      file,
      constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_EXCL,
      options.mode ?? 0o600,
    );
    created = true;
  } catch (error) {
    if (!isErrno(error, "EEXIST")) throw error;
    handle = await open(file, constants.O_WRONLY | constants.O_APPEND);
  }
  try {
    const bytes = Buffer.from(lines.map((line) => `${line}\n`).join(""), "utf8");
    const { bytesWritten } = await handle.write(bytes, 0, bytes.length);
    if (bytesWritten !== bytes.length)
      throw new Error(`short write to ${file}: ${bytesWritten} of ${bytes.length} bytes`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  if (created) await fsyncDir(dir);
}

/** The parsed content of a JSON file, `undefined` when it does not exist; `CorruptFileError` when it is not JSON. */
export async function readJsonFile(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if (isErrno(error, "ENOENT")) return undefined;
    throw error;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new CorruptFileError(file, { cause: error });
  }
}

/** Reads a text file, `undefined` when it does not exist. */
export async function readTextIfExists(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, "utf8");
  } catch (error) {
    if (isErrno(error, "ENOENT")) return undefined;
    throw error;
  }
}

export function isErrno(error: unknown, code: string): boolean {
  return typeof error === "object" && error !== null && (error as { code?: unknown }).code === code;
}
