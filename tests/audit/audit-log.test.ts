import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmod, mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type AuditAnchor, type AuditHead, createAuditLog } from "../../src/mcp/audit/audit-log.js";
import { localDate } from "../../src/mcp/dates.js";
import { registerSecret } from "../../src/mcp/log.js";
import { buildForChildren } from "../approvals/helpers/build.js";

const run = promisify(execFile);
let dataDir: string;

beforeEach(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), "odoo-mcp-audit-"));
});
afterEach(async () => {
  await chmod(path.join(dataDir, "Logs"), 0o700).catch(() => {});
  await rm(dataDir, { recursive: true, force: true });
});

describe("audit log", () => {
  it("appends one JSON object per line to Logs/<local date>.json, with a timestamp", async () => {
    const at = new Date(2026, 2, 5, 23, 30); // local time: the file is named by the local date
    const audit = createAuditLog(dataDir, { now: () => at });
    await audit.append({
      event: "tool_call",
      action: "generate_report",
      actor: "agent",
      result: "success",
      channel: "mcp",
    });
    await audit.append({
      event: "execution",
      action: "record_payment",
      actor: "system",
      result: "success",
      amount: "120.50",
      currency: "EUR",
      approval_id: "apr_x",
      odoo_record_id: 42,
      target: "INV/2026/00001",
      approval_status: "executed",
    });
    const file = path.join(dataDir, "Logs", "2026-03-05.json");
    const lines = (await readFile(file, "utf8")).trimEnd().split("\n");
    expect(lines).toHaveLength(2);
    const second = JSON.parse(lines[1]!);
    expect(second).toEqual({
      timestamp: at.toISOString(),
      event: "execution",
      action: "record_payment",
      actor: "system",
      target: "INV/2026/00001",
      approval_status: "executed",
      result: "success",
      odoo_record_id: 42,
      amount: "120.50",
      currency: "EUR",
      approval_id: "apr_x",
      seq: 2,
      prev: JSON.parse(lines[0]!).mac,
      mac: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(await audit.read("2026-03-05")).toHaveLength(2);
    expect(await audit.read("2026-03-06")).toEqual([]);
    expect(localDate(at)).toBe("2026-03-05");
    await expect(audit.read("../../etc/passwd")).rejects.toThrow(/not a YYYY-MM-DD/);
  });

  it("never writes a registered secret or a secret-looking field", async () => {
    const secret = "sk-test-9f8e7d6c5b4a";
    registerSecret(secret);
    const audit = createAuditLog(dataDir);
    await audit.append({
      event: "tool_call",
      action: "create_invoice",
      result: "failed",
      message: `Odoo said: bad key ${secret}`,
      target: secret,
    });
    const text = await readFile(audit.fileFor(localDate(new Date())), "utf8");
    expect(text).not.toContain(secret);
    expect(text).toContain("[REDACTED]");
  });

  it("rejects when the line cannot be written", async () => {
    if (process.getuid?.() === 0) {
      // root ignores permissions: make the target a directory instead
      const audit = createAuditLog(dataDir, { now: () => new Date(2026, 0, 1) });
      await mkdir(path.join(dataDir, "Logs", "2026-01-01.json"), { recursive: true });
      await expect(audit.append({ event: "tool_call", action: "x", result: "success" })).rejects.toThrow();
      return;
    }
    await mkdir(path.join(dataDir, "Logs"), { recursive: true });
    await chmod(path.join(dataDir, "Logs"), 0o500);
    const audit = createAuditLog(dataDir);
    await expect(audit.append({ event: "tool_call", action: "x", result: "success" })).rejects.toThrow();
  });
});

describe("audit log across processes", () => {
  let build: { dir: string; cleanup(): Promise<void> };
  beforeAll(async () => {
    build = await buildForChildren();
  }, 60_000);
  afterAll(async () => {
    await build?.cleanup();
  });

  it("concurrent appends from several processes never interleave lines", async () => {
    const script = `
      import path from "node:path";
      import { pathToFileURL } from "node:url";
      const { createAuditLog } = await import(pathToFileURL(path.join(process.env.BUILD_DIR, "mcp/audit/audit-log.js")).href);
      const audit = createAuditLog(process.env.DATA_DIR);
      const filler = process.env.WHO.repeat(3000);
      await Promise.all(Array.from({ length: 60 }, (_, i) =>
        audit.append({ event: "tool_call", action: "stress", result: "success", target: process.env.WHO + "-" + i, message: filler })));
    `;
    const processes = ["a", "b", "c", "d"];
    await Promise.all(
      processes.map((who) =>
        run(process.execPath, ["--input-type=module", "-e", script], {
          env: { ...process.env, BUILD_DIR: build.dir, DATA_DIR: dataDir, WHO: who },
        }),
      ),
    );
    const audit = createAuditLog(dataDir);
    const text = await readFile(audit.fileFor(localDate(new Date())), "utf8");
    const lines = text.trimEnd().split("\n");
    expect(lines).toHaveLength(processes.length * 60);
    const targets = new Set<string>();
    for (const line of lines) {
      const event = JSON.parse(line) as { target: string; message: string };
      const who = event.target.split("-")[0]!;
      expect(event.message).toBe(who.repeat(3000));
      targets.add(event.target);
    }
    expect(targets.size).toBe(processes.length * 60);
    const seqs = lines.map((line) => (JSON.parse(line) as { seq: number }).seq);
    expect(seqs).toEqual(Array.from({ length: lines.length }, (_, i) => i + 1));
    expect(await audit.verify()).toMatchObject({ ok: true, lines: processes.length * 60 });
  });

  it("three processes appending with one keyed anchor: the chain is intact and every line is there, in seq order", async () => {
    // The anchor of the children keeps the head in a file and the key in the environment (a test stand-in for
    // the keychain, which three processes cannot share in memory).
    const key = randomBytes(32);
    const headFile = path.join(dataDir, "test-head.json");
    const script = `
      import path from "node:path";
      import { readFile, writeFile } from "node:fs/promises";
      import { pathToFileURL } from "node:url";
      const { createAuditLog } = await import(pathToFileURL(path.join(process.env.BUILD_DIR, "mcp/audit/audit-log.js")).href);
      const anchor = {
        key: Buffer.from(process.env.KEY, "hex"),
        loadHead: async () => { try { return JSON.parse(await readFile(process.env.HEAD, "utf8")); } catch { return null; } },
        saveHead: async (head) => { await writeFile(process.env.HEAD, JSON.stringify(head)); },
      };
      const audit = createAuditLog(process.env.DATA_DIR, { anchor });
      for (let i = 0; i < 40; i++) {
        await Promise.all([0, 1].map((j) =>
          audit.append({ event: "tool_call", action: "stress", result: "success", target: process.env.WHO + "-" + (2 * i + j) })));
      }
    `;
    const who = ["a", "b", "c"];
    await Promise.all(
      who.map((name) =>
        run(process.execPath, ["--input-type=module", "-e", script], {
          env: {
            ...process.env,
            BUILD_DIR: build.dir,
            DATA_DIR: dataDir,
            WHO: name,
            KEY: key.toString("hex"),
            HEAD: headFile,
          },
        }),
      ),
    );
    const anchor: AuditAnchor = {
      key,
      loadHead: async () => JSON.parse(await readFile(headFile, "utf8")) as AuditHead,
      saveHead: async () => {
        throw new Error("read only");
      },
    };
    const audit = createAuditLog(dataDir, { anchor });
    const report = await audit.verify();
    expect(report).toMatchObject({ ok: true, lines: 240, keyed: true, head: { seq: 240 } });
    const events = await audit.read(localDate(new Date()));
    const rows = (await readFile(audit.fileFor(localDate(new Date())), "utf8")).trimEnd().split("\n");
    expect(rows.map((row) => (JSON.parse(row) as { seq: number }).seq)).toEqual(
      Array.from({ length: 240 }, (_, i) => i + 1),
    );
    const targets = new Set(events.map((event) => event.target));
    for (const name of who) for (let i = 0; i < 80; i++) expect(targets.has(`${name}-${i}`)).toBe(true);
  });
});
