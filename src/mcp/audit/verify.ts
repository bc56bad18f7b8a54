import path from "node:path";
import { type Chain, createChain } from "../chain/chain.js";
import {
  type ChainEntry,
  type ChainProblem,
  type ChainProblemKind,
  diagnoseChain,
  placeOf,
} from "../chain/verify.js";
import { readTextIfExists } from "../fsutil/files.js";
import { NotRegularFileError } from "../fsutil/regular.js";
import { AUDIT_FORMAT, CHAIN_FIELDS, GENESIS } from "./day-files.js";
import type { AuditHead } from "./head.js";

export type AuditProblemKind = ChainProblemKind;
/** `file` is the day file (full path). */
export type AuditProblem = ChainProblem;

export interface AuditVerifyReport {
  /** No problem found. */
  ok: boolean;
  /** Non-empty lines read. */
  lines: number;
  /** The day files read, in chain order. */
  files: string[];
  /** In the order found: the first is where the chain first breaks. */
  problems: AuditProblem[];
  /** Lines written before the chain began (unchained, at the start of the log): not tampering. */
  unchained: number;
  /** Whether MACs were checked with a key. */
  keyed: boolean;
  /** Whether the head came from an anchor (true) or from the untrustworthy cache file in the data folder. */
  anchored: boolean;
  /** The head the chain was checked against, if any. */
  head: AuditHead | null;
}

/** Reads every day file and checks the chain across them against `head` (`chain/verify.ts` says what broke). */
export async function verifyChain(
  files: string[],
  head: AuditHead | null,
  chain: Chain<string>,
  anchored: boolean,
  root: { root: string },
): Promise<AuditVerifyReport> {
  const problems: AuditProblem[] = [];
  const entries: ChainEntry[] = [];
  // Lines hashed without a key before the key existed are accepted only before the first keyed line.
  const unkeyed = createChain(AUDIT_FORMAT, { encoding: "hex", genesis: GENESIS });
  let lines = 0;
  let unchained = 0;
  let keyedSeen = false;

  for (const file of files) {
    let text: string;
    try {
      text = (await readTextIfExists(file, root)) ?? "";
    } catch (error) {
      problems.push({
        file,
        line: 0,
        kind: "unreadable",
        message: `${path.basename(file)} cannot be read (${error instanceof NotRegularFileError ? `it is ${error.kind}, not a file` : error instanceof Error ? error.message : String(error)})`,
      });
      continue;
    }
    const rows = text.split("\n");
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      if (!row.trim()) continue;
      lines++;
      const lineNo = i + 1;
      let value: unknown;
      try {
        value = JSON.parse(row);
      } catch {
        problems.push({
          file,
          line: lineNo,
          kind: "unreadable",
          message: `${placeOf(file, lineNo)} is not a JSON object (a torn write after a crash, or an alteration)`,
        });
        continue;
      }
      const chained = chain.parse(row);
      if (!chained) {
        const hasChainField =
          typeof value === "object" && value !== null && CHAIN_FIELDS.some((field) => field in value);
        if (!hasChainField && entries.length === 0) {
          unchained++;
          continue;
        }
        problems.push({
          file,
          line: lineNo,
          kind: hasChainField ? "edited" : "inserted",
          message: hasChainField
            ? `${placeOf(file, lineNo)}: its chain fields (seq, prev, mac) were altered`
            : `${placeOf(file, lineNo)} has no chain link but comes after the chain began: it was added by hand`,
        });
        continue;
      }
      let sealed = chain.sealed(chained);
      if (chain.keyed && sealed) keyedSeen = true;
      else if (!sealed && chain.keyed && !keyedSeen) sealed = unkeyed.sealed(chained);
      entries.push({ ...chained, file, line: lineNo, sealed });
    }
  }

  problems.push(
    ...diagnoseChain(entries, {
      genesis: GENESIS,
      head: head && { seq: head.seq, mac: head.hash },
      keyed: chain.keyed,
      files,
      words: { file: "day file", head: anchored ? "anchored head" : "cached head" },
    }),
  );
  return { ok: problems.length === 0, lines, files, problems, unchained, keyed: chain.keyed, anchored, head };
}
