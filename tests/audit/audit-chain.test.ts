import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { appendFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AUDIT_KEY_ACCOUNT, auditAnchorFor } from "../../src/mcp/audit/anchor.js";
import {
  type AuditAnchor,
  type AuditHead,
  createAuditLog,
  keychainAuditAnchor,
} from "../../src/mcp/audit/audit-log.js";
import { createMemoryKeychain, type Keychain } from "../../src/mcp/credentials/keychain.js";
import { processStartTime } from "../../src/mcp/fsutil/lock.js";
import type { Logger } from "../../src/mcp/log.js";

let dataDir: string;
let keychain: Keychain;
let anchor: AuditAnchor;

beforeEach(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), "odoo-mcp-chain-"));
  keychain = createMemoryKeychain();
  anchor = keychainAuditAnchor(keychain, randomBytes(32));
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

const DAYS = ["2026-03-04", "2026-03-05", "2026-03-06"];

/** Writes `perDay` lines on each of three local days; answers the three day files. */
async function writeDays(perDay: number, options: { anchor?: AuditAnchor } = { anchor }): Promise<string[]> {
  let at = new Date(2026, 2, 4, 9, 0);
  const audit = createAuditLog(dataDir, { now: () => at, ...options });
  for (let day = 0; day < DAYS.length; day++) {
    at = new Date(2026, 2, 4 + day, 9, 0);
    for (let i = 0; i < perDay; i++) {
      await audit.append({
        event: "tool_call",
        action: "list_invoices",
        actor: "agent",
        result: "success",
        target: `day${day}-line${i}`,
        amount: "10.00",
      });
    }
  }
  return DAYS.map((date) => audit.fileFor(date));
}

async function lines(file: string): Promise<string[]> {
  return (await readFile(file, "utf8")).trimEnd().split("\n");
}

async function rewrite(file: string, rows: string[]): Promise<void> {
  await writeFile(file, rows.length ? `${rows.join("\n")}\n` : "");
}

/** Verifies with the keychain anchor, or with `"none"` as a run without a keychain would. */
const verify = (a: AuditAnchor | "none" = anchor) =>
  createAuditLog(dataDir, a === "none" ? {} : { anchor: a }).verify();

/** What an agent without the key can do: recompute the plain SHA-256 chain from line `from` of `file` on. */
async function rechainPlain(files: string[], fromFile: string, fromLine: number): Promise<void> {
  let prev: string | null = null;
  let started = false;
  for (const file of files) {
    const rows = await lines(file);
    for (let i = 0; i < rows.length; i++) {
      const match = /,"seq":(\d+),"prev":"([0-9a-f]{64})","mac":"([0-9a-f]{64})"\}$/.exec(rows[i]!)!;
      if (file === fromFile && i + 1 === fromLine) started = true;
      if (started) {
        const body = `${rows[i]!.slice(0, match.index)},"seq":${match[1]},"prev":"${prev ?? match[2]}"}`;
        const mac = createHash("sha256").update(body).digest("hex");
        rows[i] = `${body.slice(0, -1)},"mac":"${mac}"}`;
      }
      prev = /"mac":"([0-9a-f]{64})"\}$/.exec(rows[i]!)![1]!;
    }
    await rewrite(file, rows);
  }
}

describe("the chained audit log", () => {
  it("adds seq, prev and mac after the event's fields, linking lines across day files", async () => {
    const files = await writeDays(2);
    const all = (await Promise.all(files.map(lines))).flat();
    expect(all).toHaveLength(6);
    let prev = "0".repeat(64);
    all.forEach((row, i) => {
      const value = JSON.parse(row) as Record<string, unknown>;
      expect(Object.keys(value)).toEqual([
        "timestamp",
        "event",
        "action",
        "actor",
        "target",
        "result",
        "amount",
        "seq",
        "prev",
        "mac",
      ]);
      expect(value.seq).toBe(i + 1);
      expect(value.prev).toBe(prev); // the first line of a day links to the last line of the day before
      prev = value.mac as string;
    });
    expect(await anchor.loadHead()).toEqual({ seq: 6, hash: prev });
    // Readers see the events as before, without the chain fields.
    const read = await createAuditLog(dataDir, { anchor }).read(DAYS[1]!);
    expect(read).toHaveLength(2);
    expect(read[0]).toEqual({
      timestamp: new Date(2026, 2, 5, 9, 0).toISOString(),
      event: "tool_call",
      action: "list_invoices",
      actor: "agent",
      target: "day1-line0",
      result: "success",
      amount: "10.00",
    });
    const report = await verify();
    expect(report).toMatchObject({ ok: true, lines: 6, files, problems: [], keyed: true, anchored: true });
    expect(report.head).toEqual({ seq: 6, hash: prev });
  });

  it("an edited field in a middle line: verify names that file and line as edited", async () => {
    const files = await writeDays(3);
    const rows = await lines(files[1]!);
    rows[1] = rows[1]!.replace('"amount":"10.00"', '"amount":"99.00"');
    await rewrite(files[1]!, rows);
    const report = await verify();
    expect(report.ok).toBe(false);
    expect(report.problems[0]).toMatchObject({ file: files[1], line: 2, seq: 5, kind: "edited" });
    expect(report.problems).toHaveLength(1);
  });

  it("without a key, an edit whose own hash was recomputed is found through the next line's link", async () => {
    const files = await writeDays(3, {});
    const original = await lines(files[1]!);
    const rows = [...original];
    rows[1] = rows[1]!.replace('"amount":"10.00"', '"amount":"99.00"');
    await rewrite(files[1]!, rows);
    await rechainPlainOneLine(files[1]!, 2);
    expect((await lines(files[1]!))[1]).not.toBe(original[1]);
    const report = await verify("none");
    expect(report.keyed).toBe(false);
    expect(report.problems[0]).toMatchObject({ file: files[1], line: 2, seq: 5, kind: "edited" });
  });

  it("with a key, an edit whose plain hashes were recomputed to the very end is still detected (MAC)", async () => {
    const files = await writeDays(3);
    const rows = await lines(files[1]!);
    rows[0] = rows[0]!.replace('"amount":"10.00"', '"amount":"99.00"');
    await rewrite(files[1]!, rows);
    await rechainPlain(files, files[1]!, 1);
    const report = await verify();
    expect(report.ok).toBe(false);
    expect(report.problems[0]).toMatchObject({ file: files[1], line: 1, seq: 4, kind: "edited" });
    expect(report.problems[0]!.message).toMatch(/MAC/);
  });

  it("a deleted line is reported as removed, where it was", async () => {
    const files = await writeDays(3);
    const rows = await lines(files[1]!);
    rows.splice(1, 1);
    await rewrite(files[1]!, rows);
    const report = await verify();
    expect(report.ok).toBe(false);
    expect(report.problems[0]).toMatchObject({ file: files[1], line: 2, seq: 6, kind: "removed" });
    expect(report.problems[0]!.message).toContain("seq 5 is missing");
  });

  it("two swapped lines are reported as reordered", async () => {
    const files = await writeDays(3);
    const rows = await lines(files[1]!);
    [rows[0], rows[1]] = [rows[1]!, rows[0]!];
    await rewrite(files[1]!, rows);
    const report = await verify();
    expect(report.ok).toBe(false);
    expect(report.problems[0]).toMatchObject({ file: files[1], line: 1, seq: 5, kind: "reordered" });
    expect(report.problems).toHaveLength(1);
  });

  it("a line copied in is reported as inserted", async () => {
    const files = await writeDays(3);
    const rows = await lines(files[1]!);
    rows.splice(2, 0, rows[0]!);
    await rewrite(files[1]!, rows);
    const report = await verify();
    expect(report.problems[0]).toMatchObject({ file: files[1], line: 3, seq: 4, kind: "inserted" });
  });

  it("a deleted last day file is reported as truncated (the anchored head is not found)", async () => {
    const files = await writeDays(3);
    await rm(files[2]!);
    const report = await verify();
    expect(report.ok).toBe(false);
    expect(report.problems).toHaveLength(1);
    expect(report.problems[0]).toMatchObject({ file: files[1], line: 3, seq: 6, kind: "truncated" });
    expect(report.problems[0]!.message).toContain("head is seq 9");
  });

  it("a truncated tail is reported as truncated, and stays visible after the next append", async () => {
    const files = await writeDays(3);
    const rows = await lines(files[2]!);
    await rewrite(files[2]!, rows.slice(0, 1));
    const report = await verify();
    expect(report.problems).toEqual([
      expect.objectContaining({ file: files[2], line: 1, kind: "truncated" }),
    ]);
    // The next append continues from the anchored head, so the gap remains in the log.
    await createAuditLog(dataDir, { anchor, now: () => new Date(2026, 2, 6, 12) }).append({
      event: "tool_call",
      action: "x",
      result: "success",
    });
    const after = await verify();
    expect(after.problems).toEqual([
      expect.objectContaining({ file: files[2], line: 2, seq: 10, kind: "removed" }),
    ]);
  });

  it("a deleted day file in the middle is reported as removed", async () => {
    const files = await writeDays(2);
    await rm(files[1]!);
    const report = await verify();
    expect(report.problems[0]).toMatchObject({ file: files[2], line: 1, seq: 5, kind: "removed" });
    expect(report.problems[0]!.message).toMatch(/day file was deleted/);
  });

  it("a crash between writing the line and saving the head is not tampering; the head catches up", async () => {
    await writeDays(1);
    let crash = true;
    const crashing: AuditAnchor = {
      key: anchor.key!,
      loadHead: () => anchor.loadHead(),
      async saveHead(head: AuditHead) {
        if (crash) throw new Error("killed before saving the head");
        await anchor.saveHead(head);
      },
    };
    const at = () => new Date(2026, 2, 6, 10);
    const audit = createAuditLog(dataDir, { anchor: crashing, now: at });
    await expect(audit.append({ event: "tool_call", action: "x", result: "success" })).rejects.toThrow(
      /killed/,
    );
    expect(await anchor.loadHead()).toMatchObject({ seq: 3 });
    const report = await verify();
    expect(report).toMatchObject({ ok: true, lines: 4, problems: [] });
    crash = false;
    await createAuditLog(dataDir, { anchor, now: at }).append({
      event: "tool_call",
      action: "y",
      result: "success",
    });
    expect(await anchor.loadHead()).toMatchObject({ seq: 5 });
    expect((await verify()).ok).toBe(true);
  });

  it("lines past the head without a valid MAC are not accepted as a crash window", async () => {
    const files = await writeDays(1);
    const rows = await lines(files[2]!);
    const last = JSON.parse(rows.at(-1)!) as { seq: number; mac: string };
    // A forged line, chained with a plain hash: it cannot carry the HMAC.
    const body = `{"timestamp":"2026-03-06T10:00:00.000Z","event":"execution","action":"record_payment","result":"success","seq":${last.seq + 1},"prev":"${last.mac}"}`;
    const mac = createHash("sha256").update(body).digest("hex");
    await appendFile(files[2]!, `${body.slice(0, -1)},"mac":"${mac}"}\n`);
    const report = await verify();
    expect(report.problems[0]).toMatchObject({ file: files[2], line: 2, seq: 4, kind: "edited" });
  });

  it("lines written before the chain began are reported as unchained, not as tampering", async () => {
    const old = path.join(dataDir, "Logs", "2026-03-01.json");
    await mkdir(path.dirname(old), { recursive: true });
    await writeFile(
      old,
      `${JSON.stringify({ timestamp: "2026-03-01T09:00:00.000Z", event: "tool_call", action: "a", result: "success" })}\n`,
    );
    const files = await writeDays(1);
    const report = await verify();
    expect(report).toMatchObject({ ok: true, unchained: 1, lines: 4, files: [old, ...files] });
    // An unchained line after the chain began is no longer "from before".
    await appendFile(
      files[1]!,
      `${JSON.stringify({ timestamp: "2026-03-05T09:00:00.000Z", event: "tool_call", action: "b", result: "success" })}\n`,
    );
    const altered = await verify();
    expect(altered.problems[0]).toMatchObject({ file: files[1], line: 2, kind: "inserted" });
  });

  it("a torn last line is reported as unreadable, and the next append still lands whole and chained", async () => {
    const files = await writeDays(1);
    await appendFile(files[2]!, '{"timestamp":"2026-03-06T');
    const audit = createAuditLog(dataDir, { anchor, now: () => new Date(2026, 2, 6, 11) });
    await audit.append({ event: "tool_call", action: "after", result: "success" });
    const rows = await lines(files[2]!);
    expect(JSON.parse(rows.at(-1)!)).toMatchObject({ action: "after", seq: 4 });
    const report = await verify();
    expect(report.problems).toEqual([
      expect.objectContaining({ file: files[2], line: 2, kind: "unreadable" }),
    ]);
  });

  it("concurrent appends within one process are serialised and chained", async () => {
    const audit = createAuditLog(dataDir, { anchor });
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        audit.append({ event: "tool_call", action: "p", result: "success", target: `t${i}` }),
      ),
    );
    const report = await audit.verify();
    expect(report).toMatchObject({ ok: true, lines: 40, head: { seq: 40 } });
  });

  it("without an anchor the head is cached in the data folder, and a truncated tail is still noticed", async () => {
    const files = await writeDays(2, {});
    const cache = JSON.parse(await readFile(path.join(dataDir, ".audit-head.json"), "utf8")) as AuditHead;
    expect(cache.seq).toBe(6);
    const rows = await lines(files[2]!);
    await rewrite(files[2]!, rows.slice(0, 1));
    const report = await verify("none");
    expect(report).toMatchObject({ anchored: false, keyed: false });
    expect(report.problems[0]).toMatchObject({ kind: "truncated" });
    expect(report.problems[0]!.message).toContain("cached head");
  });
});

describe("the audit lock", () => {
  it("with a key, a planted lock naming a live process is taken over at once", async () => {
    const child = spawn(process.execPath, ["-e", 'process.stdout.write("up"); setInterval(() => {}, 1000)']);
    try {
      await new Promise<void>((resolve) => child.stdout.once("data", () => resolve()));
      const planted = {
        pid: child.pid,
        host: hostname(),
        ...(processStartTime(child.pid!) ? { start: processStartTime(child.pid!) } : {}),
        createdAt: new Date().toISOString(),
        token: "planted",
      };
      await writeFile(path.join(dataDir, ".audit.lock"), JSON.stringify(planted));
      const audit = createAuditLog(dataDir, { anchor });
      const started = performance.now();
      await audit.append({ event: "tool_call", action: "x", result: "success" });
      expect(performance.now() - started).toBeLessThan(500);
      expect((await audit.verify()).ok).toBe(true);
    } finally {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill();
      await exited;
    }
  });
});

describe("auditAnchorFor", () => {
  it("keeps a 32-byte key in the keychain account audit-chain-key, and reuses it", async () => {
    const memory = createMemoryKeychain();
    const first = await auditAnchorFor(memory, { dataDir });
    const stored = await memory.get(AUDIT_KEY_ACCOUNT);
    expect(Buffer.from(stored!, "base64")).toHaveLength(32);
    expect(first?.key?.equals(Buffer.from(stored!, "base64"))).toBe(true);
    const second = await auditAnchorFor(memory, { dataDir });
    expect(second?.key?.equals(first!.key!)).toBe(true);
    // A head per data folder
    await first!.saveHead({ seq: 1, hash: "a".repeat(64) });
    const other = await auditAnchorFor(memory, { dataDir: path.join(dataDir, "other") });
    expect(await other!.loadHead()).toBeNull();
    expect(await second!.loadHead()).toEqual({ seq: 1, hash: "a".repeat(64) });
  });

  it("no keychain, or one that does not answer: no anchor, and one warning", async () => {
    const warnings: string[] = [];
    const logger: Logger = {
      debug() {},
      info() {},
      warn: (message) => warnings.push(message),
      error() {},
      child: () => logger,
    };
    expect(await auditAnchorFor(null, { dataDir, logger })).toBeUndefined();
    expect(await auditAnchorFor(null, { dataDir, logger })).toBeUndefined();
    expect(warnings).toHaveLength(1);
    const broken: Keychain = {
      get: async () => {
        throw new Error("no secret service");
      },
      set: async () => {},
      delete: async () => false,
    };
    const otherWarnings: string[] = [];
    expect(
      await auditAnchorFor(broken, { dataDir, logger: { ...logger, warn: (m) => otherWarnings.push(m) } }),
    ).toBeUndefined();
    expect(otherWarnings[0]).toMatch(/cannot be kept in the OS keychain/);
  });
});

/** Recomputes the plain hash of one line only (its successor keeps naming the old one). */
async function rechainPlainOneLine(file: string, lineNo: number): Promise<void> {
  const rows = await lines(file);
  const row = rows[lineNo - 1]!;
  const match = /,"seq":(\d+),"prev":"([0-9a-f]{64})","mac":"([0-9a-f]{64})"\}$/.exec(row)!;
  const body = `${row.slice(0, match.index)},"seq":${match[1]},"prev":"${match[2]}"}`;
  rows[lineNo - 1] = `${body.slice(0, -1)},"mac":"${createHash("sha256").update(body).digest("hex")}"}`;
  await rewrite(file, rows);
}
