import { randomUUID } from "node:crypto";
import { type CallToolResult, type McpServer, RELATED_TASK_META_KEY } from "@modelcontextprotocol/server";
import { z } from "zod";

/**
 * MCP Tasks as 2025-11-25 defines them (the SDK v2 keeps only their wire vocabulary): a task-augmented gated call
 * answers a task at once, which completes once a person has decided and the operation has run. A table lives
 * with one connection (an HTTP session: no client sees another's tasks); the approval store stays the source of
 * truth (a task decides nothing, and cancelling one only stops waiting).
 */
type Status = "working" | "completed" | "failed" | "cancelled";

interface Entry {
  task: {
    taskId: string;
    status: Status;
    statusMessage?: string;
    createdAt: string;
    lastUpdatedAt: string;
    ttl: number;
    pollInterval: number;
  };
  result: Promise<CallToolResult>;
  stop: AbortController;
}

export type TaskTable = ReturnType<typeof createTaskTable>;

const TASK_ID = z.object({ taskId: z.string() }).loose();
const CURSOR = z.object({ cursor: z.string().optional() }).loose().optional();

export function createTaskTable() {
  const entries = new Map<string, Entry>();
  const update = (entry: Entry, status: Status, statusMessage?: string) => {
    if (entry.task.status !== "working") return;
    entry.task = {
      ...entry.task,
      status,
      lastUpdatedAt: new Date().toISOString(),
      ...(statusMessage ? { statusMessage } : {}),
    };
  };
  const find = (taskId: string): Entry => {
    const entry = entries.get(taskId);
    if (!entry) throw new Error(`No task has the id "${taskId}".`);
    return entry;
  };
  const forget = () => {
    const now = Date.now();
    for (const [id, entry] of entries)
      if (Date.parse(entry.task.createdAt) + entry.task.ttl < now) entries.delete(id);
  };

  return {
    /** Starts `run` as a task (it is told the approval id once it waits for a person); the task at once. */
    start(
      ttl: number,
      run: (onPending: (approvalId: string) => void, signal: AbortSignal) => Promise<CallToolResult>,
    ): CallToolResult {
      forget();
      const now = new Date().toISOString();
      const stop = new AbortController();
      const entry: Entry = {
        task: {
          taskId: randomUUID(),
          status: "working",
          createdAt: now,
          lastUpdatedAt: now,
          ttl,
          pollInterval: 1000,
        },
        stop,
        result: Promise.resolve({ content: [] }),
      };
      const pending = (approvalId: string) => {
        if (entry.task.status === "working")
          entry.task = { ...entry.task, statusMessage: `waiting for a person's approval (${approvalId})` };
      };
      entry.result = run(pending, stop.signal).then((result) => {
        update(entry, result.isError ? "failed" : "completed");
        return result;
      });
      entries.set(entry.task.taskId, entry);
      // A CreateTaskResult; the SDK v2 lets a tools/call answer carry `task` only beside content.
      return {
        task: entry.task,
        content: [{ type: "text", text: `Task ${entry.task.taskId}: waiting for a person's decision.` }],
      } as CallToolResult;
    },

    /**
     * tasks/get, tasks/result, tasks/list and tasks/cancel on a 2025-era server; when its connection closes (an
     * HTTP session ends or is evicted), its working tasks stop waiting, as a cancel would.
     */
    serve(mcp: McpServer) {
      const server = mcp.server;
      const closed = server.onclose;
      server.onclose = () => {
        closed?.();
        for (const entry of entries.values()) {
          update(entry, "cancelled", "the connection that started it closed");
          entry.stop.abort();
        }
      };
      server.setRequestHandler("tasks/get", { params: TASK_ID }, async ({ taskId }) => find(taskId).task);
      server.setRequestHandler("tasks/result", { params: TASK_ID }, async ({ taskId }) => {
        const entry = find(taskId);
        const result = await entry.result;
        return { ...result, _meta: { ...result._meta, [RELATED_TASK_META_KEY]: { taskId } } };
      });
      server.setRequestHandler("tasks/list", { params: CURSOR }, async () => ({
        tasks: [...entries.values()].map((entry) => entry.task),
      }));
      server.setRequestHandler("tasks/cancel", { params: TASK_ID }, async ({ taskId }) => {
        const entry = find(taskId);
        if (entry.task.status !== "working") throw new Error(`Task ${taskId} has already ended.`);
        update(entry, "cancelled");
        entry.stop.abort();
        return entry.task;
      });
    },
  };
}
