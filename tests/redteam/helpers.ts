/**
 * What the agent can do to the data folder with file tools, and how the tests count what reached Odoo. Nothing
 * here decides anything: it reads and writes files, as an agent's file tools do.
 */
import { readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { expect } from "vitest";
import type { Harness } from "../support/harness.js";

export const recordFile = (h: Harness, id: string) => path.join(h.dataDir, "approvals", `${id}.json`);
const exists = (file: string) =>
  stat(file).then(
    () => true,
    () => false,
  );
/** A completed request's file is in `approvals/archive/YYYY-MM/`; an active one's in `approvals/`. */
async function archivedFiles(h: Harness, id: string): Promise<string[]> {
  const archive = path.join(h.dataDir, "approvals", "archive");
  const files = (await readdir(archive).catch(() => [] as string[])).map((month) =>
    path.join(archive, month, `${id}.json`),
  );
  const found: string[] = [];
  for (const file of files) if (await exists(file)) found.push(file);
  return found;
}
/** Where the request's file is now. */
export const currentFile = async (h: Harness, id: string) =>
  (await exists(recordFile(h, id)))
    ? recordFile(h, id)
    : ((await archivedFiles(h, id))[0] ?? recordFile(h, id));
export const readRaw = async (h: Harness, id: string) => readFile(await currentFile(h, id), "utf8");
/** Puts a request's file back: in its active place, its archived copy gone (as a file tool moving it back). */
export const writeRaw = async (h: Harness, id: string, text: string) => {
  await writeFile(recordFile(h, id), text);
  for (const file of await archivedFiles(h, id)) await rm(file);
};
export const readJson = async (h: Harness, id: string) =>
  JSON.parse(await readRaw(h, id)) as Record<string, unknown>;

export const countInvoices = (h: Harness) =>
  h.app.odoo.searchCount("account.move", [["move_type", "=", "out_invoice"]]);
export const countPayments = (h: Harness) => h.app.odoo.searchCount("account.payment", []);
export const countExpenses = (h: Harness) => h.app.odoo.searchCount("hr.expense", []);
export const countPosted = (h: Harness) => h.app.odoo.searchCount("account.move", [["state", "=", "posted"]]);

export function isoDay(offsetDays: number): string {
  const d = new Date(Date.now() + offsetDays * 86_400_000);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
}

/** A small invoice (one line) for the seeded customer. */
export function invoiceFor(unitPrice: number, description = "Consulting") {
  return {
    customer_name: "Acme Corp",
    customer_email: "billing@acme.example",
    invoice_date: isoDay(-1),
    due_date: isoDay(29),
    line_items: [{ description, quantity: 1, unit_price: unitPrice }],
  };
}

/** A gated call that must wait for a person: its approval id. */
export async function pendingId(h: Harness, tool: string, args: unknown): Promise<string> {
  const answer = await h.call(tool, args);
  expect(answer.isError, answer.text).toBe(false);
  expect(answer.data.status, answer.text).toBe("pending_approval");
  return String(answer.data.approval_id);
}

/** Polls until `check` holds (the agent watching a file), at most `ms`. */
export async function until(check: () => Promise<boolean> | boolean, ms = 5_000, stepMs = 1): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not reached in time");
    await new Promise((resolve) => setTimeout(resolve, stepMs));
  }
}

/** The output an executed request stored (its invoice id, say). */
export async function outputOf(h: Harness, id: string): Promise<Record<string, unknown>> {
  const record = await h.app.approvals.get(id);
  const outcome = record?.outcome;
  if (!outcome?.ok) throw new Error(`approval ${id} has no successful outcome`);
  return outcome.output as Record<string, unknown>;
}

export const sleepMs = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
