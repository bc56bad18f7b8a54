import { constants } from "node:fs";
import { readdir } from "node:fs/promises";
import path from "node:path";
import type { ChainFormat, ChainHead, ChainLink } from "../chain/chain.js";
import { isErrno, readTextIfExists } from "../fsutil/files.js";
import { openRegular, statFolder } from "../fsutil/regular.js";

/** The audit log's day files and how a line carries its link; where an append finds the end of the chain. */

export const CHAIN_FIELDS = ["seq", "prev", "mac"] as const;
export const GENESIS = "0".repeat(64);
const CHAIN_TAIL = /,"seq":(\d+),"prev":"([0-9a-f]{64})","mac":"([0-9a-f]{64})"\}$/;
const TAIL_CHUNK = 16 * 1024;
const DAY_FILE = /^\d{4}-\d{2}-\d{2}\.json$/;

/** The day files, oldest first (full paths). `Logs` replaced by a link or a FIFO: a `NotRegularFileError`. */
export async function dayFiles(logsDir: string, where: { root: string }): Promise<string[]> {
  if (!(await statFolder(logsDir, where))) return [];
  let names: string[];
  try {
    names = await readdir(logsDir);
  } catch (error) {
    if (isErrno(error, "ENOENT")) return [];
    throw error;
  }
  return names
    .filter((name) => DAY_FILE.test(name))
    .sort()
    .map((name) => path.join(logsDir, name));
}

/**
 * A line as the audit log writes it: the event's JSON with `,"seq":N,"prev":"…"` before its closing brace (the
 * text the link covers), then `,"mac":"…"`.
 */
export const AUDIT_FORMAT: ChainFormat<string> = {
  encode(eventJson, seq, prev) {
    const body = `${eventJson.slice(0, -1)},"seq":${seq},"prev":"${prev}"}`;
    return { body, line: (mac) => `${body.slice(0, -1)},"mac":"${mac}"}` };
  },
  parse: parseChained,
};

/** The chain fields of a line; null for a line without them (written before the chain began). */
function parseChained(line: string): ChainLink | null {
  const match = CHAIN_TAIL.exec(line);
  if (!match) return null;
  return {
    seq: Number(match[1]),
    prev: match[2]!,
    mac: match[3]!,
    body: `${line.slice(0, match.index)},"seq":${match[1]},"prev":"${match[2]}"}`,
  };
}

/**
 * The last chained line of the newest file that has one: only the end of the newest file is read, unless it
 * holds no chained line there (the first append after the chain began, or a damaged tail).
 */
export async function findTail(
  days: string[],
  where: { root: string },
): Promise<{ tail: ChainHead | null; torn: boolean; file?: string }> {
  const newest = days.at(-1);
  if (!newest) return { tail: null, torn: false };
  let torn = false;
  const handle = await openRegular(newest, constants.O_RDONLY, where);
  try {
    const { size } = await handle.stat();
    if (size > 0) {
      const last = Buffer.alloc(1);
      await handle.read(last, 0, 1, size - 1);
      torn = last[0] !== 0x0a;
      for (let chunk = TAIL_CHUNK; ; chunk *= 4) {
        const start = Math.max(0, size - chunk);
        const buffer = Buffer.alloc(size - start);
        await handle.read(buffer, 0, buffer.length, start);
        const text = buffer.toString("utf8");
        const lines = text.split("\n");
        if (start > 0) lines.shift(); // maybe cut in the middle
        for (let i = lines.length - 1; i >= 0; i--) {
          const chained = parseChained(lines[i]!);
          if (chained) return { tail: { seq: chained.seq, mac: chained.mac }, torn, file: newest };
        }
        if (start === 0) break;
        if (lines.some((line) => line.trim())) break; // whole lines, none chained: look no further back here
      }
      // No chained line at the end: scan the whole file from the end.
      const lines = ((await readTextIfExists(newest, where)) ?? "").split("\n");
      for (let i = lines.length - 1; i >= 0; i--) {
        const chained = parseChained(lines[i]!);
        if (chained) return { tail: { seq: chained.seq, mac: chained.mac }, torn, file: newest };
      }
    }
  } finally {
    await handle.close();
  }
  const earlier = await findTail(days.slice(0, -1), where);
  return { ...earlier, torn, file: newest };
}
