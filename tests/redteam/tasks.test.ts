/**
 * Red team: MCP Tasks. A task-augmented gated call waits in the server for the person's decision; the agent may
 * poll, cancel and ask again. No task operation decides anything, and the waiting call and the person's own run
 * move money once.
 */
import { CallToolResultSchema } from "@modelcontextprotocol/sdk/types.js";
import { afterEach, describe, expect, it } from "vitest";
import { type Harness, seedCustomer, startHarness } from "../support/harness.js";
import { countInvoices, invoiceFor, until } from "./helpers.js";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function startTask(harness: Harness, amount: number) {
  await harness.client.listTools();
  const stream = harness.client.experimental.tasks.callToolStream(
    { name: "create_invoice", arguments: invoiceFor(amount) },
    CallToolResultSchema,
  );
  const iterator = stream[Symbol.asyncIterator]();
  const first = await iterator.next();
  const message = first.value as { type: string; task: { taskId: string } };
  expect(message.type).toBe("taskCreated");
  return { taskId: message.task.taskId, iterator };
}

describe("decisions through MCP Tasks", () => {
  it("cancelling or polling a task approves nothing; the request stays pending", async () => {
    h = await startHarness();
    await seedCustomer(h);
    const { taskId } = await startTask(h, 5_000);
    await until(async () => (await h!.app.approvals.list({ status: "pending" })).length === 1, 5_000, 20);
    await h.client.experimental.tasks.getTask(taskId);
    await h.client.experimental.tasks.cancelTask(taskId).catch(() => undefined);
    // The server has handled the cancellation (its answer is in): whatever it decided, it has decided.
    expect((await h.client.experimental.tasks.getTask(taskId)).status).toBe("cancelled");
    const [pending] = await h.app.approvals.list();
    expect(pending?.status).toBe("pending");
    expect(await countInvoices(h)).toBe(0);
    // Still the person's to decide, and what they approve is counted here: it runs, once.
    await h.approve(pending!.id);
    expect((await h.app.approvals.get(pending!.id))?.status).toBe("executed");
    expect(await countInvoices(h)).toBe(1);
  });

  it("the person's own run and the task waiting for it move money once", async () => {
    h = await startHarness();
    await seedCustomer(h);
    const { iterator } = await startTask(h, 700);
    await until(async () => (await h!.app.approvals.list({ status: "pending" })).length === 1, 5_000, 20);
    const [pending] = await h.app.approvals.list({ status: "pending" });
    // The person approves at the terminal: the CLI runs it, while the task's waiter wakes up and runs it too.
    await h.approve(pending!.id);
    for (;;) {
      const next = await iterator.next();
      if (next.done) break;
      const type = (next.value as { type: string }).type;
      if (type === "result" || type === "error") break;
    }
    // Both have finished: the person's run (awaited) and the task's (its result is in, sent after its own run).
    expect(await countInvoices(h)).toBe(1);
    expect((await h.app.approvals.get(pending!.id))?.status).toBe("executed");
  }, 30_000);
});
