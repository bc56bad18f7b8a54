import { describe, expect, it } from "vitest";
import { type ChainFormat, type ChainHead, type ChainLink, createChain } from "../../src/mcp/chain/chain.js";
import { type ChainEntry, diagnoseChain } from "../../src/mcp/chain/verify.js";

/** A log of its own, as the journal and the audit log each have theirs: `{"text":…,"seq":…,"prev":…,"mac":…}`. */
const FORMAT: ChainFormat<string> = {
  encode(text, seq, prev) {
    const body = JSON.stringify({ text, seq, prev });
    return { body, line: (mac) => JSON.stringify({ text, seq, prev, mac }) };
  },
  parse(line) {
    try {
      const { text, seq, prev, mac } = JSON.parse(line) as {
        text: string;
        seq: number;
        prev: string;
        mac: string;
      };
      return { seq, prev, mac, body: JSON.stringify({ text, seq, prev }) };
    } catch {
      return null;
    }
  },
};
const GENESIS = "genesis";
const KEY = Buffer.alloc(32, 5);
const keyed = createChain(FORMAT, { key: KEY, encoding: "hex", genesis: GENESIS });
const START: ChainHead = { seq: 0, mac: GENESIS };

const written = (count: number) =>
  keyed.extend(
    START,
    Array.from({ length: count }, (_, i) => `event ${i + 1}`),
  );

/** The strict rule line after line, as the journal applies it: the first line that breaks it (1-based), or 0. */
function firstBreak(lines: string[]): number {
  let at = START;
  for (let i = 0; i < lines.length; i++) {
    const link = keyed.parse(lines[i]!);
    if (!link || !keyed.follows(at, link)) return i + 1;
    at = link;
  }
  return 0;
}

/** The diagnosing verify, as the audit log applies it to one file. */
function diagnose(lines: string[], head: ChainHead | null = null) {
  const entries: ChainEntry[] = lines.map((line, i) => {
    const link = keyed.parse(line) as ChainLink;
    return { ...link, file: "/logs/day.json", line: i + 1, sealed: keyed.sealed(link) };
  });
  return diagnoseChain(entries, {
    genesis: GENESIS,
    head,
    keyed: true,
    files: ["/logs/day.json"],
    words: { file: "day file", head: "anchored head" },
  });
}

describe("the chain", () => {
  it("links each line to the one before it and ends on the head of the last", () => {
    const { lines, head } = written(3);
    const links = lines.map((line) => keyed.parse(line)!);
    expect(links.map((link) => [link.seq, link.prev])).toEqual([
      [1, GENESIS],
      [2, links[0]!.mac],
      [3, links[1]!.mac],
    ]);
    expect(head).toEqual({ seq: 3, mac: links[2]!.mac });
    expect(firstBreak(lines)).toBe(0);
    expect(diagnose(lines, head)).toEqual([]);
    // Appending later continues from the head.
    const more = keyed.extend(head, ["event 4"]);
    expect(firstBreak([...lines, ...more.lines])).toBe(0);
  });

  it("a tampered line fails verification, naming that line", () => {
    const { lines } = written(4);
    lines[1] = lines[1]!.replace("event 2", "event 9");
    expect(firstBreak(lines)).toBe(2);
    const [problem, ...rest] = diagnose(lines);
    expect(problem).toMatchObject({ line: 2, seq: 2, kind: "edited" });
    expect(problem!.message).toContain("day.json line 2 (seq 2) was edited: its MAC does not match");
    expect(rest).toEqual([]);
  });

  it("a dropped line fails verification, naming the line where the gap is", () => {
    const { lines } = written(4);
    lines.splice(1, 1);
    expect(firstBreak(lines)).toBe(2);
    const [problem] = diagnose(lines);
    expect(problem).toMatchObject({ line: 2, seq: 3, kind: "removed" });
    expect(problem!.message).toContain("seq 2 is missing before day.json line 2");
  });

  it("a reordered line fails verification, naming the line out of place", () => {
    const { lines } = written(4);
    [lines[1], lines[2]] = [lines[2]!, lines[1]!];
    expect(firstBreak(lines)).toBe(2);
    const problems = diagnose(lines);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ line: 2, seq: 3, kind: "reordered" });
  });

  it("a removed tail is seen only against the head kept elsewhere", () => {
    const { lines, head } = written(4);
    const cut = lines.slice(0, 2);
    expect(firstBreak(cut)).toBe(0);
    expect(diagnose(cut)).toEqual([]);
    const [problem] = diagnose(cut, head);
    expect(problem).toMatchObject({ line: 2, kind: "truncated" });
    expect(problem!.message).toContain("the anchored head is seq 4");
  });

  it("with a key, a tail rewritten with plain hashes does not verify; without one, it would", () => {
    const { lines } = written(3);
    const plain = createChain(FORMAT, { encoding: "hex", genesis: GENESIS });
    const forged = plain.extend({ seq: 1, mac: keyed.parse(lines[0]!)!.mac }, ["forged 2", "forged 3"]);
    const rewritten = [lines[0]!, ...forged.lines];
    expect(firstBreak(rewritten)).toBe(2);
    expect(forged.lines.every((line) => plain.sealed(plain.parse(line)!))).toBe(true);
  });
});
