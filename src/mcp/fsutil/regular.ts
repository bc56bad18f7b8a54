import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  openSync,
  readFileSync,
  type Stats,
  statSync,
} from "node:fs";
import { type FileHandle, lstat, open, stat } from "node:fs/promises";
import path from "node:path";

/**
 * The one way odoo-mcp opens a file of its data folder. The folder is within the agent's reach: in place of a
 * file it may put a FIFO (an `open` for reading waits for a writer that never comes, and hangs the command or a
 * worker thread for ever), a socket, a device, a folder, or a symbolic link to any of these or to a file outside
 * the folder. So every open here:
 * - adds `O_NOFOLLOW`: a symbolic link as the last component is refused, never followed (only callers reading a
 *   file the person may link on purpose, a receipt or `.env`, pass `followSymlinks`);
 * - adds `O_NONBLOCK`: opening a FIFO answers at once (for writing without a reader: ENXIO), never waits. On a
 *   regular file the flag changes nothing (reads and writes of regular files do not block on Linux, macOS or the
 *   BSDs), so it is left on the handle;
 * - checks with `fstat` on the handle that what was opened is a regular file, and closes it otherwise.
 * Whatever is not a regular file is refused with a `NotRegularFileError` that names it, relative to the data
 * folder when the caller gives it (`root`), and says what it is. Windows has neither flag (nor FIFOs in the file
 * system): there an `lstat` before the open refuses a link or anything else that is not a file.
 *
 * A file replaced through a temp file and a rename needs none of this for its target (the rename replaces a FIFO
 * or a link, it does not open them); its temp file is created here, with `O_EXCL` (`O_CREAT|O_EXCL` never follows
 * a link either).
 */

const NOFOLLOW = constants.O_NOFOLLOW ?? 0;
const NONBLOCK = constants.O_NONBLOCK ?? 0;
/** Without O_NOFOLLOW (Windows), the kind is checked by a stat before the open. */
const CHECK_BEFORE_OPEN = NOFOLLOW === 0;

/** What an entry of the file system is, said to a person. */
export type EntryKind =
  | "a FIFO"
  | "a socket"
  | "a symbolic link"
  | "a folder"
  | "a character device"
  | "a block device"
  | "a file"
  | "an entry of an unknown kind";

/** What the entry is, as `NotRegularFileError` names it. */
export function kindOf(stats: Stats): EntryKind {
  if (stats.isFile()) return "a file";
  if (stats.isFIFO()) return "a FIFO";
  if (stats.isSymbolicLink()) return "a symbolic link";
  if (stats.isDirectory()) return "a folder";
  if (stats.isSocket()) return "a socket";
  if (stats.isCharacterDevice()) return "a character device";
  if (stats.isBlockDevice()) return "a block device";
  return "an entry of an unknown kind";
}

/**
 * Something that is not what odoo-mcp keeps there (a FIFO, a link, a folder... where a file should be; a file or
 * a link where a folder should be). The message names it, relative to the data folder when known, and never
 * quotes its content.
 */
export class NotRegularFileError extends Error {
  override readonly name = "NotRegularFileError";
  constructor(
    /** The full path. */
    readonly file: string,
    readonly kind: EntryKind,
    /** The path as shown: relative to the data folder (with `/`) when the caller gave it. */
    readonly shown: string = file,
    readonly expected: "a file" | "a folder" = "a file",
  ) {
    super(`${shown} is ${kind}, not ${expected}`);
  }
}

export interface RegularOptions {
  /** The data folder: errors name the file relative to it. */
  root?: string;
  /**
   * Follow a symbolic link as the last component (a file the person may link: a receipt, `.env`). What it points
   * to must still be a regular file.
   */
  followSymlinks?: boolean;
}

/** `file` as a person reads it in a message: relative to `root` (with `/`) when it lies inside it. */
export function shownPath(file: string, root?: string): string {
  if (!root) return file;
  const relative = path.relative(root, file);
  if (!relative || relative.startsWith("..") || path.isAbsolute(relative)) return file;
  return relative.split(path.sep).join("/");
}

/**
 * Opens `file` with `flags` (numeric, `fs.constants`), adding O_NOFOLLOW and O_NONBLOCK, and answers the handle
 * only when it is a regular file; otherwise the handle is closed and a `NotRegularFileError` thrown. Other errors
 * (ENOENT, EEXIST for O_CREAT|O_EXCL, EACCES...) are thrown as they are.
 */
export async function openRegular(
  file: string,
  flags: number,
  options: RegularOptions & { mode?: number } = {},
): Promise<FileHandle> {
  const follow = options.followSymlinks === true;
  if (CHECK_BEFORE_OPEN) {
    const before = await (follow ? stat : lstat)(file).catch(() => null);
    if (before && !before.isFile())
      throw new NotRegularFileError(file, kindOf(before), shownPath(file, options.root));
  }
  let handle: FileHandle;
  try {
    handle = await open(file, flags | NONBLOCK | (follow ? 0 : NOFOLLOW), options.mode);
  } catch (error) {
    throw await explain(file, error, follow, options.root);
  }
  let info: Stats;
  try {
    info = await handle.stat();
  } catch (error) {
    await handle.close().catch(() => {});
    throw error;
  }
  if (!info.isFile()) {
    await handle.close().catch(() => {});
    throw new NotRegularFileError(file, kindOf(info), shownPath(file, options.root));
  }
  return handle;
}

/**
 * `openRegular`, synchronous, answering the file descriptor: for the appends of a line (files.ts), whose open,
 * write and close take microseconds, where each asynchronous call waits for a worker thread and then the event
 * loop. O_NONBLOCK makes it as safe: nothing in the file's place can make the open wait.
 */
export function openRegularSync(
  file: string,
  flags: number,
  options: RegularOptions & { mode?: number } = {},
): number {
  const follow = options.followSymlinks === true;
  if (CHECK_BEFORE_OPEN) {
    let before: Stats | null = null;
    try {
      before = (follow ? statSync : lstatSync)(file);
    } catch {
      before = null;
    }
    if (before && !before.isFile())
      throw new NotRegularFileError(file, kindOf(before), shownPath(file, options.root));
  }
  let fd: number;
  try {
    fd = openSync(file, flags | NONBLOCK | (follow ? 0 : NOFOLLOW), options.mode);
  } catch (error) {
    throw explainSync(file, error, follow, options.root);
  }
  let info: Stats;
  try {
    info = fstatSync(fd);
  } catch (error) {
    closeSync(fd);
    throw error;
  }
  if (!info.isFile()) {
    closeSync(fd);
    throw new NotRegularFileError(file, kindOf(info), shownPath(file, options.root));
  }
  return fd;
}

/** `statRegular`, synchronous: a cache's "did it change" on the audit log's path (as `openRegularSync`). */
export function statRegularSync(file: string, options: RegularOptions = {}): Stats | null {
  let info: Stats;
  try {
    info = (options.followSymlinks ? statSync : lstatSync)(file);
  } catch (error) {
    if (isMissing(error)) return null;
    throw error;
  }
  if (!info.isFile()) throw new NotRegularFileError(file, kindOf(info), shownPath(file, options.root));
  return info;
}

/**
 * The entry's stats (never following a link unless asked), `null` when there is none; a `NotRegularFileError`
 * when it is not a regular file. A stat never blocks, not even on a FIFO: this is for a cache's "did it change",
 * the read that follows goes through `openRegular`.
 */
export async function statRegular(file: string, options: RegularOptions = {}): Promise<Stats | null> {
  let info: Stats;
  try {
    info = await (options.followSymlinks ? stat : lstat)(file);
  } catch (error) {
    if (isMissing(error)) return null;
    throw error;
  }
  if (!info.isFile()) throw new NotRegularFileError(file, kindOf(info), shownPath(file, options.root));
  return info;
}

/**
 * A folder's stats (never following a link), `null` when there is none; a `NotRegularFileError` when something
 * else is in its place (a link to a folder elsewhere, a FIFO, a file). Listing a folder never opens its entries.
 */
export async function statFolder(
  folder: string,
  options: Pick<RegularOptions, "root"> = {},
): Promise<Stats | null> {
  let info: Stats;
  try {
    info = await lstat(folder);
  } catch (error) {
    if (isMissing(error)) return null;
    throw error;
  }
  if (!info.isDirectory())
    throw new NotRegularFileError(folder, kindOf(info), shownPath(folder, options.root), "a folder");
  return info;
}

/** `readFileSync(file, "utf8")` through the same checks (the configuration's `.env`, read at start-up). */
export function readRegularTextSync(file: string, options: RegularOptions = {}): string {
  const fd = openRegularSync(file, constants.O_RDONLY, options);
  try {
    return readFileSync(fd, "utf8");
  } finally {
    closeSync(fd);
  }
}

const isMissing = (error: unknown) => hasCode(error, "ENOENT") || hasCode(error, "ENOTDIR");
const hasCode = (error: unknown, code: string) =>
  typeof error === "object" && error !== null && (error as { code?: unknown }).code === code;
/** Errors that say nothing about the entry's kind: thrown as they are. */
const PLAIN = [
  "ENOENT",
  "ENOTDIR",
  "EEXIST",
  "EACCES",
  "EPERM",
  "ENOSPC",
  "EDQUOT",
  "EROFS",
  "EMFILE",
  "ENFILE",
];

/**
 * Why an open failed, when the entry is not a regular file: O_NOFOLLOW on a link (ELOOP; EMLINK on FreeBSD), a
 * FIFO opened for writing without a reader or a socket (ENXIO, EOPNOTSUPP), a folder opened for writing (EISDIR).
 */
async function explain(file: string, error: unknown, follow: boolean, root?: string): Promise<unknown> {
  if (PLAIN.some((code) => hasCode(error, code))) return error;
  const info = await (follow ? stat : lstat)(file).catch(() => null);
  return info && !info.isFile() ? new NotRegularFileError(file, kindOf(info), shownPath(file, root)) : error;
}

function explainSync(file: string, error: unknown, follow: boolean, root?: string): unknown {
  if (PLAIN.some((code) => hasCode(error, code))) return error;
  let info: Stats | null = null;
  try {
    info = (follow ? statSync : lstatSync)(file);
  } catch {
    info = null;
  }
  return info && !info.isFile() ? new NotRegularFileError(file, kindOf(info), shownPath(file, root)) : error;
}
