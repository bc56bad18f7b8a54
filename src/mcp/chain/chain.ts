import { type DigestEncoding, keyedDigest, sameSignature } from "../hmac.js";

/**
 * A hash chain of lines, the mechanism shared by the approval journal and the audit log. Each line carries its
 * sequence number (1, 2, 3, ...), `prev` (the link of the line before it; the chain's `genesis` for the first)
 * and `mac`, its link: HMAC-SHA256 of the line's text up to `prev`, keyed by a key kept in the OS keychain, or
 * plain SHA-256 without a key. An edited line no longer matches its link, and only the key's holder can compute
 * a new one; a removed, inserted or reordered line breaks the sequence or the `prev` of the line after it. A
 * rewritten tail is seen only against a head kept out of the files' reach (each log keeps its own).
 *
 * What a line holds and how it is spelt on disk is each log's `ChainFormat`: the chain never rewrites a byte of
 * it, so the files written before this module existed verify as they did.
 */

/** The last line of a chain: its sequence number and link (seq 0 and the genesis before the first line). */
export interface ChainHead {
  seq: number;
  mac: string;
}

/** A line's place in the chain, and the text its link covers. */
export interface ChainLink extends ChainHead {
  prev: string;
  body: string;
}

/** How one log writes a line of `P` and finds the chain fields in a line it wrote. */
export interface ChainFormat<P> {
  /** The text the link of `payload` at `seq` after `prev` covers, and the line as written once its link is known. */
  encode(payload: P, seq: number, prev: string): { body: string; line(mac: string): string };
  /** The chain fields of a written line; null when it has none (not JSON, or written before the chain began). */
  parse(line: string): ChainLink | null;
}

export interface Chain<P> {
  readonly genesis: string;
  readonly keyed: boolean;
  parse(line: string): ChainLink | null;
  /** Whether a line's link is the one its text gives (keyed: only the key's holder could have written it). */
  sealed(link: ChainLink): boolean;
  /** Whether `link` is a sealed line right after `at` (the strict rule: nothing before it may be missing). */
  follows(at: ChainHead, link: ChainLink): boolean;
  /** `payloads` chained after `at`: the lines to write, in order, and the head they leave. */
  extend(at: ChainHead, payloads: P[]): { lines: string[]; head: ChainHead };
}

export function createChain<P>(
  format: ChainFormat<P>,
  options: { key?: Buffer | undefined; encoding: DigestEncoding; genesis: string },
): Chain<P> {
  const { key, encoding, genesis } = options;
  const linkOf = (body: string) => keyedDigest(key, body, encoding);
  const sealed = (link: ChainLink) => sameSignature(linkOf(link.body), link.mac);
  return {
    genesis,
    keyed: key !== undefined,
    parse: (line) => format.parse(line),
    sealed,
    follows: (at, link) => link.seq === at.seq + 1 && link.prev === at.mac && sealed(link),
    extend(at, payloads) {
      let { seq, mac } = at;
      const lines = payloads.map((payload) => {
        seq += 1;
        const { body, line } = format.encode(payload, seq, mac);
        mac = linkOf(body);
        return line(mac);
      });
      return { lines, head: { seq, mac } };
    },
  };
}
