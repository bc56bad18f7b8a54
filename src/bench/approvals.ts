import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { openApprovalStore } from "../mcp/approvals/open.js";
import { type ApprovalStore, JOURNAL_FILE, type SeedItem } from "../mcp/approvals/store.js";
import { createMemoryKeychain } from "../mcp/credentials/keychain.js";

/**
 * A year of approvals: the store's operations with `decided` completed requests (spread over twelve months,
 * sealed, journalled, archived) and 20 pending ones, in keychain mode (an in-memory keychain stands in). Each
 * figure is the median of `runs` runs, in ms; `cold` ones are the first call of a fresh process.
 */
export interface ApprovalBenchRow {
  step: string;
  ms: number;
}

const MONTH_MS = 30 * 86_400_000;

export async function seedYear(store: ApprovalStore, decided: number, end: Date): Promise<string[]> {
  const statuses: SeedItem["status"][] = [
    "executed",
    "executed",
    "executed",
    "rejected",
    "expired",
    "failed",
  ];
  const ids: string[] = [];
  for (let start = 0; start < decided; start += 5_000) {
    const items: SeedItem[] = [];
    for (let n = start; n < Math.min(decided, start + 5_000); n++)
      items.push({
        tool: "record_payment",
        args: { invoice_id: String(100_000 + n), amount: "120.00" },
        meta: { target: `INV/2026/${n}`, amount: "120.00", currency: "EUR" },
        createdAt: new Date(end.getTime() - 12 * MONTH_MS + Math.floor((n * 12 * MONTH_MS) / decided)),
        status: statuses[n % statuses.length]!,
      });
    ids.push(...(await store.seedCompletedForBench(items)));
  }
  return ids;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function timed(fn: () => Promise<unknown>, runs: number): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await fn();
    times.push(performance.now() - started);
  }
  return median(times);
}

export async function runApprovalBench(options: {
  decided: number;
  runs?: number;
}): Promise<ApprovalBenchRow[]> {
  const runs = options.runs ?? 5;
  const dataDir = await mkdtemp(path.join(tmpdir(), "odoo-mcp-bench-approvals-"));
  const keychain = createMemoryKeychain();
  const open = () =>
    openApprovalStore({
      dataDir,
      keychain,
      limits: { maxPendingTotal: 1_000, maxPendingPerClient: 1_000 },
    });
  const rows: ApprovalBenchRow[] = [];
  const row = (step: string, ms: number) => rows.push({ step, ms });
  try {
    const store = await open();
    let started = performance.now();
    const decidedIds = await seedYear(store, options.decided, new Date());
    row(`seed ${options.decided} completed requests (bench only)`, performance.now() - started);
    const request = (n: number) => ({
      tool: "record_payment",
      args: { invoice_id: String(n), amount: "99.00" },
      meta: { target: `INV/${n}`, amount: "99.00", currency: "EUR" },
      ttlMs: 3_600_000,
      requestedBy: "bench",
    });
    for (let n = 0; n < 20; n++) await store.create(request(n));
    // The running server's first journal read (it leaves the sealed checkpoint a new process starts from).
    started = performance.now();
    await store.verifyForExecution((await store.get(decidedIds[0]!))!);
    row("first journal read after seeding (whole ledger, once)", performance.now() - started);
    // The checkpoint is written in the background: wait for it (at most 20 s), as a later process finds it.
    const checkpoint = path.join(dataDir, "approvals", `${JOURNAL_FILE}.checkpoint`);
    for (let i = 0; i < 200 && !(await stat(checkpoint).catch(() => null)); i++)
      await new Promise((resolve) => setTimeout(resolve, 100));

    // A fresh process (the CLI, a new server): its first calls.
    const fresh = await open();
    started = performance.now();
    const pending = await fresh.list({ status: "pending" });
    row("cold: list pending (first call of a process)", performance.now() - started);
    const old = decidedIds[Math.floor(decidedIds.length / 3)]!;
    started = performance.now();
    await fresh.get(old);
    row("cold: get_approval of an archived request", performance.now() - started);
    started = performance.now();
    await fresh.decide(pending[0]!.id, { decision: "approved", channel: "cli", actor: "bench" });
    row("cold: decide one", performance.now() - started);
    started = performance.now();
    await fresh.claim(pending[0]!.id);
    row("cold: claim (first journal read of a process)", performance.now() - started);

    row("list pending (20)", await timed(() => store.list({ status: "pending" }), runs));
    row("show one pending (get)", await timed(() => store.get(pending[1]!.id), runs));
    let k = 0;
    row(
      "get_approval of an archived request",
      await timed(() => {
        k += 997;
        return store.get(decidedIds[k % decidedIds.length]!);
      }, runs),
    );
    let next = 2;
    row(
      "decide one",
      await timed(
        () => store.decide(pending[next++]!.id, { decision: "rejected", channel: "cli", actor: "bench" }),
        runs,
      ),
    );
    let n = 1_000;
    row(
      "gated call, store's part (create, decide, claim, attempt, complete)",
      await timed(async () => {
        const created = await store.create(request(n++));
        await store.decide(created.id, { decision: "approved", channel: "cli", actor: "bench" });
        await store.claim(created.id);
        await store.recordAttempt(created.id, { n });
        await store.complete(created.id, { ok: true, output: { n } });
      }, runs),
    );
    row("history: newest 20 of every status", await timed(() => store.list({ limit: 20 }), runs));

    const stop = store.watch(() => {});
    const cpu = process.cpuUsage();
    started = performance.now();
    await new Promise((resolve) => setTimeout(resolve, 6_000));
    const used = process.cpuUsage(cpu);
    stop();
    row(
      "idle watch: CPU % of a core over 6 s",
      ((used.user + used.system) / 1000 / (performance.now() - started)) * 100,
    );
    return rows;
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

export function printApprovalBench(decided: number, rows: ApprovalBenchRow[]): void {
  const lines = [`\napproval store with ${decided} completed requests + 20 pending            ms (median)`];
  for (const { step, ms } of rows) lines.push(`${step.padEnd(68)}${ms.toFixed(1).padStart(8)}`);
  process.stdout.write(`${lines.join("\n")}\n`);
}
