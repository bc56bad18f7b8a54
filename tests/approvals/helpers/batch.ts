import { randomUUID } from "node:crypto";
import { appendFile, readFile } from "node:fs/promises";
import { z } from "zod";
import { writeOperations } from "../../../src/mcp/accounting/index.js";
import type { WriteOperation } from "../../../src/mcp/accounting/operation.js";
import { OdooConnectionError } from "../../../src/mcp/odoo/errors.js";
import type { RequestDocument } from "../../../src/shared/document.js";
import { documentText } from "../../../src/shared/document-text.js";

/**
 * A gated batch for the tests of partial approval: its one request holds several items (as reconcile_bank_lines
 * holds bank-line matches), and the person may approve some of them. Its effect is a line per apply in a real file
 * (so "applied twice" and "applied which items" are observable); findApplied finds it by the approval id, as the
 * real operations find theirs in Odoo. Every `ref` the executor gives it is kept, to check what `keep` it passed.
 */
export const BATCH_TOOL = "fake_batch";

export interface BatchInput {
  items: { title: string; amount: string; note?: string }[];
  /** Decided by a person only, as a bank reconciliation is. */
  personOnly?: boolean;
}
export interface BatchEffect {
  approvalId: string;
  applied: number[];
}
export interface BatchOperation extends WriteOperation<BatchInput, { applied: number[] }> {
  /** Every ref findApplied and apply were given, in order. */
  refs: { call: "findApplied" | "apply"; keep?: readonly number[] | undefined }[];
  /** The next apply takes effect, then its answer is lost (Odoo stopped answering). */
  loseNextAnswer: boolean;
}

export async function readBatchEffects(file: string): Promise<BatchEffect[]> {
  const text = await readFile(file, "utf8").catch(() => "");
  return text
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as BatchEffect);
}

export function batchDocument(input: BatchInput): RequestDocument {
  return {
    name: `Batch of ${input.items.length} matches`,
    effect: "Applies the items approved; the others stay as they are.",
    amounts: [],
    rows: [],
    items: input.items.map((item) => ({
      title: item.title,
      rows: item.note === undefined ? [] : [{ label: "Note", value: item.note }],
      amount: item.amount,
    })),
  };
}

export function createBatchOperation(effectsFile: string): BatchOperation {
  const operation: BatchOperation = {
    tool: BATCH_TOOL,
    refs: [],
    loseNextAnswer: false,
    result: z.object({ applied: z.array(z.number().int()) }),
    async prepare(_odoo, input) {
      const document = batchDocument(input);
      return {
        document,
        summary: documentText(document),
        target: document.name,
        direction: "none" as const,
        ...(input.personOnly ? { personOnly: true } : {}),
        // Small and in the sandbox company's currency: the chat's prompt may be asked about it.
        amount: "10.00",
        currency: "USD",
        facts: {},
        binding: {},
      };
    },
    mark: async () => ({ nonce: randomUUID() }),
    async findApplied(_odoo, _input, ref) {
      operation.refs.push({ call: "findApplied", keep: ref.keep });
      const found = (await readBatchEffects(effectsFile)).find((e) => e.approvalId === ref.approvalId);
      return found ? { applied: found.applied } : null;
    },
    async apply(_odoo, input, ref) {
      operation.refs.push({ call: "apply", keep: ref.keep });
      const applied = ref.keep ? [...ref.keep] : input.items.map((_, index) => index);
      await appendFile(effectsFile, `${JSON.stringify({ approvalId: ref.approvalId, applied })}\n`);
      if (operation.loseNextAnswer) {
        operation.loseNextAnswer = false;
        throw new OdooConnectionError("timeout after sending", true);
      }
      return { applied };
    },
    dryRun: async () => ({ fields: {}, would: { action: "apply the batch" } }),
  };
  return operation;
}

/** The product's operations and the batch: what a test's app gates. */
export function withBatch(batch: BatchOperation): ReadonlyMap<string, WriteOperation<unknown, unknown>> {
  return new Map([...writeOperations, [BATCH_TOOL, batch as unknown as WriteOperation<unknown, unknown>]]);
}
