import path from "node:path";
import { sameSignature } from "../hmac.js";
import type { ChainHead, ChainLink } from "./chain.js";

/**
 * The whole of a chain checked at once, saying what broke where: every problem names the file and line, and says
 * whether a line was edited, removed, inserted or reordered, or the chain ends before its head. The first problem
 * is where the chain first breaks; a line that only moved is one problem, not one for every line after it. (The
 * approval journal checks its lines one at a time with `Chain.follows` instead, as they are appended.)
 */

export type ChainProblemKind = "edited" | "removed" | "inserted" | "reordered" | "truncated" | "unreadable";

export interface ChainProblem {
  /** The file (full path). */
  file: string;
  /** 1-based line number in that file (0 when the chain has no line at all). */
  line: number;
  seq?: number;
  kind: ChainProblemKind;
  message: string;
}

/** A chained line as found, in file order, and whether its link matches its text (`Chain.sealed`). */
export interface ChainEntry extends ChainLink {
  file: string;
  line: number;
  sealed: boolean;
}

export interface ChainVerifyOptions {
  genesis: string;
  /** The head kept out of the files' reach; null when none is known. */
  head: ChainHead | null;
  /** Whether links were checked with a key (only said in the messages). */
  keyed: boolean;
  /** The files read, in chain order (a chain without a line is reported on the last). */
  files: string[];
  /** How the messages call one file and the head: "day file", "anchored head". */
  words: { file: string; head: string };
}

export const placeOf = (file: string, line: number) => `${path.basename(file)} line ${line}`;

export function diagnoseChain(entries: ChainEntry[], options: ChainVerifyOptions): ChainProblem[] {
  const { genesis, head, keyed, files, words } = options;
  const problems: ChainProblem[] = [];
  const seen = new Map<number, ChainEntry[]>();
  const reportedEdited = new Set<ChainEntry>();
  const pending = new Set<number>();
  let maxSeq = 0;
  const linksTo = (entry: ChainEntry) =>
    entry.seq === 1
      ? entry.prev === genesis
      : (seen.get(entry.seq - 1) ?? []).some((before) => before.mac === entry.prev);
  const remember = (entry: ChainEntry) => {
    seen.set(entry.seq, [...(seen.get(entry.seq) ?? []), entry]);
    maxSeq = Math.max(maxSeq, entry.seq);
  };
  /** Whether the line after `index` continues the chain as if the line at `index` were not there. */
  const skippable = (index: number) => {
    const next = entries[index + 1];
    return next !== undefined && next.seq === maxSeq + 1 && next.sealed && linksTo(next);
  };
  const problem = (entry: ChainEntry, kind: ChainProblemKind, message: string) =>
    problems.push({ file: entry.file, line: entry.line, seq: entry.seq, kind, message });

  for (let index = 0; index < entries.length; index++) {
    const entry = entries[index]!;
    const at = placeOf(entry.file, entry.line);
    if (!entry.sealed) {
      if (skippable(index)) {
        problem(entry, "inserted", `${at} (seq ${entry.seq}) was inserted: the chain continues without it`);
        continue;
      }
      problem(
        entry,
        "edited",
        keyed
          ? `${at} (seq ${entry.seq}) was edited: its MAC does not match its content`
          : `${at} (seq ${entry.seq}) was edited: its hash does not match its content (or it was written with an HMAC key that is not available here)`,
      );
      reportedEdited.add(entry);
      remember(entry);
      continue;
    }
    const twin = seen.get(entry.seq)?.[0];
    if (twin) {
      problem(
        entry,
        "inserted",
        `${at}: seq ${entry.seq} appears twice (also ${placeOf(twin.file, twin.line)}): a line was inserted or copied`,
      );
      remember(entry);
      continue;
    }
    if (entry.seq > maxSeq + 1) {
      const later = entries.slice(index + 1).some((e) => e.seq > maxSeq && e.seq < entry.seq);
      const missing =
        entry.seq - 1 === maxSeq + 1 ? `seq ${maxSeq + 1}` : `seq ${maxSeq + 1} to ${entry.seq - 1}`;
      if (later) {
        for (let s = maxSeq + 1; s < entry.seq; s++) pending.add(s);
        problem(entry, "reordered", `${at} (seq ${entry.seq}) comes before ${missing}: lines were reordered`);
      } else {
        const firstOfFile = entries[index - 1]?.file !== entry.file;
        problem(
          entry,
          "removed",
          `${missing} ${entry.seq - 1 === maxSeq + 1 ? "is" : "are"} missing before ${at}: ${firstOfFile && index > 0 ? `a ${words.file} was deleted or lines were removed` : "lines were removed"}`,
        );
      }
      remember(entry);
      continue;
    }
    if (entry.seq <= maxSeq) {
      if (!pending.delete(entry.seq))
        problem(
          entry,
          "reordered",
          `${at} (seq ${entry.seq}) comes after seq ${maxSeq}: lines were reordered`,
        );
      remember(entry);
      continue;
    }
    if (!linksTo(entry)) {
      if (skippable(index)) {
        problem(entry, "inserted", `${at} (seq ${entry.seq}) was inserted: the chain continues without it`);
        continue;
      }
      const before = seen.get(entry.seq - 1)?.[0];
      if (before && !reportedEdited.has(before)) {
        problem(
          before,
          "edited",
          `${placeOf(before.file, before.line)} (seq ${before.seq}) was edited: the next line recorded a different hash for it`,
        );
        reportedEdited.add(before);
      } else if (!before) {
        problem(entry, "edited", `${at} (seq ${entry.seq}): its link to the line before was altered`);
      }
    }
    remember(entry);
  }

  if (head) {
    const atHead = seen.get(head.seq);
    const last = entries.at(-1);
    if (!atHead) {
      if (maxSeq < head.seq) {
        problems.push({
          file: last?.file ?? files.at(-1) ?? "",
          line: last?.line ?? 0,
          ...(last ? { seq: last.seq } : {}),
          kind: "truncated",
          message: `the log ends at seq ${maxSeq}${last ? ` (${placeOf(last.file, last.line)})` : ""}, but the ${words.head} is seq ${head.seq}: the last ${head.seq - maxSeq} line(s) were removed, or the last ${words.file}(s) deleted`,
        });
      }
    } else if (!atHead.some((entry) => sameSignature(head.mac, entry.mac))) {
      const entry = atHead[0]!;
      problem(
        entry,
        "edited",
        `${placeOf(entry.file, entry.line)} (seq ${entry.seq}) is not the line the ${words.head} names: the log was rewritten up to here`,
      );
    }
  }
  return problems;
}
