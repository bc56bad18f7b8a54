/**
 * Red team (issue 13, attack 3): the agent's file tools put a FIFO, a symbolic link (to a FIFO, or to a sealed
 * record outside the data folder) or a folder where a file of the data folder should be. Opening a FIFO for
 * reading waits for a writer that never comes: before, `odoo-mcp approvals list` and `approvals reject` hung for
 * ever, and so did a gated tool call. Now nothing in the data folder can block a decision: every such entry is
 * refused at once, by name (relative to the data folder) and kind, and everything else goes on.
 *
 * The CLI runs as a person runs it (the built `dist/mcp/bin/odoo-mcp.js`, no keychain: passphrase mode, as the
 * harness here); the gated calls go through the real server. Each must answer within a deadline.
 */
import { execFileSync, spawn } from "node:child_process";
import { closeSync, constants, existsSync, openSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { approvalHandlers } from "../../src/main/approval-handlers.js";
import { POLICY_FILE } from "../../src/mcp/approvals/policy-file.js";
import { JOURNAL_FILE } from "../../src/mcp/approvals/store.js";
import { loadConfig } from "../../src/mcp/config/config.js";
import { localDate } from "../../src/mcp/dates.js";
import { QUEUE_FILE } from "../../src/mcp/queue/offline-queue.js";
import { type Harness, seedCustomer, startHarness } from "../support/harness.js";
import { countExpenses, countInvoices, invoiceFor, isoDay, pendingId, recordFile, until } from "./helpers.js";

const BIN = path.resolve(import.meta.dirname, "../../dist/mcp/bin/odoo-mcp.js");
/** A call inside this process. */
const DEADLINE_MS = 5_000;
/** A command: the same, plus starting a Node process on a busy machine. */
const CLI_DEADLINE_MS = 15_000;

type Variant = "a FIFO" | "a symbolic link to a FIFO";
const VARIANTS: Variant[] = ["a FIFO", "a symbolic link to a FIFO"];
/** How the error names what it found. */
const kindShown = (variant: Variant) => (variant === "a FIFO" ? "a FIFO" : "a symbolic link");

let h: Harness | undefined;
let elsewhere: string | undefined;
/** Every FIFO planted: opened once more at the end, so that an open that hung (before the fix) returns. */
const fifos: string[] = [];

beforeAll(() => {
  if (!existsSync(BIN))
    throw new Error("dist/ is missing: run `npm run build` first (npm run test:all does)");
});

afterEach(async () => {
  unjam();
  await h?.close();
  h = undefined;
  if (elsewhere) await rm(elsewhere, { recursive: true, force: true });
  elsewhere = undefined;
  fifos.length = 0;
});

/** Opens each FIFO read-write (never blocks): whoever waits on one, reader or writer, is let go. */
function unjam() {
  for (const fifo of fifos)
    try {
      closeSync(openSync(fifo, constants.O_RDWR | constants.O_NONBLOCK));
    } catch {
      // gone
    }
}

async function outside(): Promise<string> {
  elsewhere ??= await mkdtemp(path.join(tmpdir(), "odoo-mcp-elsewhere-"));
  return elsewhere;
}

/** The agent's file tools: `file` replaced by a FIFO, or by a link to one outside the data folder. */
async function plant(file: string, variant: Variant): Promise<void> {
  await rm(file, { recursive: true, force: true });
  await mkdir(path.dirname(file), { recursive: true });
  if (variant === "a FIFO") {
    execFileSync("mkfifo", [file]);
    fifos.push(file);
    return;
  }
  const target = path.join(await outside(), `fifo-${fifos.length}`);
  execFileSync("mkfifo", [target]);
  fifos.push(target);
  await symlink(target, file);
}

/** Rejects when `promise` has not settled within `ms`: the thing hangs. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms: it hangs`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  hung: boolean;
}

/** `odoo-mcp ARGS` as a person runs it, killed if it has not ended by the deadline. */
function cli(args: string[]): Promise<Run> {
  const harness = h!;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { PATH: process.env.PATH ?? "", HOME: harness.dataDir, ...harness.env },
      cwd: harness.dataDir,
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    let hung = false;
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const timer = setTimeout(() => {
      hung = true;
      child.kill("SIGKILL");
    }, CLI_DEADLINE_MS);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, hung });
    });
    child.stdin.end("");
  });
}

const expectAnswered = (run: Run, what: string) =>
  expect(run.hung, `${what} did not end within ${CLI_DEADLINE_MS} ms: it hangs`).toBe(false);

/** A small expense: below the threshold, approved by the policy and run at once (journal, queue, audit). */
const smallExpense = () => ({
  description: "Taxi",
  amount: 12,
  expense_date: isoDay(-1),
  category: "meals",
});

interface Scene {
  /** Two pending requests: A is the one attacked where a request is. */
  a: string;
  b: string;
}

interface Target {
  name: string;
  /** The path replaced, relative to the data folder. */
  file(scene: Scene): string;
  /** Whether `approvals reject A` must fail (naming the file) rather than succeed. */
  rejectFails: boolean;
  /** What `approvals list` must name on its own line, if anything. */
  listNames?: "ignored" | "warning";
  /** The gated call through the server, checked once it answered in time. */
  gated(scene: Scene, shown: string): Promise<void>;
}

const todayLog = () => `Logs/${localDate(new Date())}.json`;

const TARGETS: Target[] = [
  {
    name: "a pending request's file",
    file: ({ a }) => `approvals/${a}.json`,
    rejectFails: true,
    listNames: "ignored",
    async gated({ a }, shown) {
      // A new request is made (its neighbour is not read), and the agent reading A is told what A's file is.
      const answer = await within(h!.call("create_invoice", invoiceFor(30)), DEADLINE_MS, "create_invoice");
      expect(answer.data.status, answer.text).toBe("pending_approval");
      const read = await within(h!.call("get_approval", { approval_id: a }), DEADLINE_MS, "get_approval");
      expect(read.isError, read.text).toBe(true);
      expect(read.error?.message).toContain(shown);
    },
  },
  {
    name: "the approval journal",
    file: () => `approvals/${JOURNAL_FILE}`,
    rejectFails: true,
    async gated(_scene, shown) {
      // The journal counts the day's automatic approvals: it cannot be read, so none is given, and why is said.
      const answer = await within(h!.call("create_expense", smallExpense()), DEADLINE_MS, "create_expense");
      expect(answer.data.status, answer.text).toBe("pending_approval");
      expect(answer.text).toContain(shown);
      expect(await countExpenses(h!)).toBe(0);
    },
  },
  {
    name: "today's audit log",
    file: () => todayLog(),
    rejectFails: true,
    async gated(_scene, shown) {
      const answer = await within(h!.call("create_invoice", invoiceFor(30)), DEADLINE_MS, "create_invoice");
      expect(answer.error?.code, answer.text).toBe("AUDIT_LOG_UNAVAILABLE");
      expect(answer.error?.message).toContain(shown);
    },
  },
  {
    name: "the offline queue",
    file: () => QUEUE_FILE,
    rejectFails: false,
    async gated(_scene, shown) {
      // Approved by the policy, but it runs behind the queue, which cannot be read: it does not run, and says why.
      const answer = await within(h!.call("create_expense", smallExpense()), DEADLINE_MS, "create_expense");
      expect(answer.isError, answer.text).toBe(true);
      expect(answer.error?.message).toContain(shown);
      expect(await countExpenses(h!)).toBe(0);
    },
  },
  {
    name: "the policy file",
    file: () => POLICY_FILE,
    rejectFails: false,
    listNames: "warning",
    async gated(_scene, shown) {
      // What `odoo-mcp serve` reads at start-up: the file is refused, and every request waits for a person.
      const { withPersonPolicy } = await import("../../src/mcp/approvals/person-policy.js");
      const config = await within(
        withPersonPolicy(h!.app.config, null, (options) =>
          loadConfig({ env: h!.env, cwd: h!.dataDir, ...options }),
        ),
        DEADLINE_MS,
        "reading the policy",
      );
      expect(config.warnings.join("\n")).toContain(shown);
      expect(config.policy.expenseThreshold).toBe("0");
      const answer = await within(h!.call("create_invoice", invoiceFor(30)), DEADLINE_MS, "create_invoice");
      expect(answer.data.status, answer.text).toBe("pending_approval");
    },
  },
  {
    name: "a pending request's lock file",
    file: ({ a }) => `approvals/${a}.json.lock`,
    rejectFails: true,
    async gated({ a }, shown) {
      // The agent's own calls are not held up; a decision that needs the lock fails at once, naming it.
      const answer = await within(h!.call("create_invoice", invoiceFor(30)), DEADLINE_MS, "create_invoice");
      expect(answer.data.status, answer.text).toBe("pending_approval");
      await expect(
        within(
          h!.app.approvals.decide(a, { decision: "rejected", channel: "cli", actor: "person" }),
          DEADLINE_MS,
          "decide",
        ),
      ).rejects.toThrow(shown);
    },
  },
  {
    name: "the journal's lock file",
    file: () => `approvals/${JOURNAL_FILE}.lock`,
    rejectFails: true,
    async gated(_scene, shown) {
      const answer = await within(h!.call("create_expense", smallExpense()), DEADLINE_MS, "create_expense");
      expect(answer.isError, answer.text).toBe(true);
      expect(answer.error?.message).toContain(shown);
      expect(await countExpenses(h!)).toBe(0);
    },
  },
  {
    name: "the audit log's lock file",
    file: () => ".audit.lock",
    rejectFails: true,
    async gated(_scene, shown) {
      const answer = await within(h!.call("create_invoice", invoiceFor(30)), DEADLINE_MS, "create_invoice");
      expect(answer.error?.code, answer.text).toBe("AUDIT_LOG_UNAVAILABLE");
      expect(answer.error?.message).toContain(shown);
    },
  },
];

async function scene(): Promise<Scene> {
  h = await startHarness({ keychain: null });
  await seedCustomer(h);
  return {
    a: await pendingId(h, "create_invoice", invoiceFor(10)),
    b: await pendingId(h, "create_invoice", invoiceFor(20)),
  };
}

describe.each(TARGETS)("$name replaced", (target) => {
  it.each(VARIANTS)("by %s: list, reject and a gated call answer at once, naming it", async (variant) => {
    const s = await scene();
    const relative = target.file(s);
    await plant(path.join(h!.dataDir, ...relative.split("/")), variant);
    const shown = `${relative} is ${kindShown(variant)}, not a file`;

    const list = await cli(["approvals", "list"]);
    expectAnswered(list, "approvals list");
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toContain(s.b);
    if (target.listNames !== "ignored") expect(list.stdout).toContain(s.a);
    if (target.listNames === "ignored") expect(list.stderr).toContain(`${shown}: ignored`);
    if (target.listNames === "warning") expect(list.stderr).toContain(shown);

    const reject = await cli(["approvals", "reject", s.a]);
    expectAnswered(reject, "approvals reject");
    if (target.rejectFails) {
      expect(reject.code, reject.stdout).toBe(1);
      expect(reject.stderr).toContain(shown);
    } else {
      expect(reject.code, reject.stderr).toBe(0);
      expect(reject.stdout).toContain(`Rejected ${s.a}`);
    }

    await target.gated(s, shown);
    expect(await countInvoices(h!)).toBe(0);
  });
});

describe("a request's file replaced by something else that is not a file", () => {
  it("by a folder: listed as ignored, refused by name when decided or read", async () => {
    const s = await scene();
    await rm(recordFile(h!, s.a));
    await mkdir(recordFile(h!, s.a));
    const shown = `approvals/${s.a}.json is a folder, not a file`;
    const list = await cli(["approvals", "list"]);
    expectAnswered(list, "approvals list");
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toContain(s.b);
    expect(list.stderr).toContain(`${shown}: ignored`);
    const reject = await cli(["approvals", "reject", s.a]);
    expectAnswered(reject, "approvals reject");
    expect(reject.code).toBe(1);
    expect(reject.stderr).toContain(shown);
    const read = await within(h!.call("get_approval", { approval_id: s.a }), DEADLINE_MS, "get_approval");
    expect(read.error?.message).toContain(shown);
  });

  it("by a symbolic link to a genuine record kept outside the data folder: never followed, never read", async () => {
    const s = await scene();
    // The agent keeps A's genuine file elsewhere and links to it: whatever is there now is not read.
    const kept = path.join(await outside(), `${s.a}.json`);
    await copyFile(recordFile(h!, s.a), kept);
    await rm(recordFile(h!, s.a));
    await symlink(kept, recordFile(h!, s.a));
    const shown = `approvals/${s.a}.json is a symbolic link, not a file`;
    const list = await cli(["approvals", "list"]);
    expectAnswered(list, "approvals list");
    expect(list.stdout).toContain(s.b);
    expect(list.stdout).not.toContain(s.a);
    expect(list.stderr).toContain(`${shown}: ignored`);
    const reject = await cli(["approvals", "reject", s.a]);
    expectAnswered(reject, "approvals reject");
    expect(reject.code).toBe(1);
    expect(reject.stderr).toContain(shown);
    await expect(within(h!.app.approvals.get(s.a), DEADLINE_MS, "get")).rejects.toThrow(shown);
    const read = await within(h!.call("get_approval", { approval_id: s.a }), DEADLINE_MS, "get_approval");
    expect(read.error?.message).toContain(shown);
  });
});

describe("the running server's background work", () => {
  it("a FIFO among the requests holds up neither the runner nor the watch", async () => {
    const s = await scene();
    const changed: string[][] = [];
    const unwatch = h!.app.approvals.watch((ids) => changed.push(ids));
    await plant(recordFile(h!, s.a), "a FIFO");
    // B, approved in this process (passphrase mode: its own key), is run by the runner in spite of A.
    await within(
      h!.app.approvals.decide(s.b, { decision: "approved", channel: "cli", actor: "person" }),
      DEADLINE_MS,
      "decide",
    );
    const runner = h!.app.approvals.startRunner({ fallbackMs: 50 });
    try {
      await until(async () => (await h!.app.approvals.get(s.b))?.status === "executed", DEADLINE_MS, 20);
      await until(() => changed.flat().includes(s.a), DEADLINE_MS, 20);
    } finally {
      await runner.stop();
      unwatch();
    }
    expect(await countInvoices(h!)).toBe(1);
  });
});

describe("the desktop app's handlers (the same core)", () => {
  it("a FIFO in place of a request's file: the list, the status and a decision answer at once, naming it", async () => {
    const s = await scene();
    await plant(recordFile(h!, s.a), "a FIFO");
    const shown = `approvals/${s.a}.json is a FIFO, not a file`;
    const handlers = approvalHandlers(h!.app, { actor: "person (app)" });
    const list = await within(
      handlers["approvals.list"]({ scope: "pending", limit: 50 }),
      DEADLINE_MS,
      "approvals.list",
    );
    expect(list.items.map((item) => item.approval_id)).toEqual([s.b]);
    const status = await within(handlers["agent.status"]({}), DEADLINE_MS, "agent.status");
    expect(status.warnings).toContain(`${shown}: ignored`);
    const decided = await within(
      handlers["approvals.decide"]({ ids: [s.a, s.b], decision: "rejected" }),
      DEADLINE_MS,
      "approvals.decide",
    );
    expect(decided.results[0]).toMatchObject({ id: s.a, ok: false, error: { code: "APPROVAL_INVALID" } });
    expect(decided.results[0]?.error?.message).toContain(shown);
    expect(decided.results[1]).toMatchObject({ id: s.b, ok: true, status: "rejected" });
  });
});
