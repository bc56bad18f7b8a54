/**
 * Test set-up for the accounting code: the project's fake Odoo (`startSandbox`) reached through the real client
 * (`createOdooClient`) over HTTP, so every test runs the same transport, fault mapping and wire format as
 * production. One sandbox per version per test file; records are created through the wire API like a user would.
 */
import { expect } from "vitest";
import type { ApplyRef, AttemptMarker } from "../../src/mcp/accounting/operation.js";
import { newApprovalId } from "../../src/mcp/approvals/ids.js";
import { todayIn } from "../../src/mcp/dates.js";
import { type ErrorCode, ToolError } from "../../src/mcp/errors.js";
import { createOdooClient } from "../../src/mcp/odoo/index.js";
import type { Odoo, OdooCall } from "../../src/mcp/odoo/types.js";
import { sandboxConnection } from "../../src/sandbox/connection.js";
import { type Sandbox, startSandbox } from "../../src/sandbox/index.js";

export const VERSIONS = [19, 18, 17] as const;
export type TestVersion = (typeof VERSIONS)[number];

export interface TestOdoo {
  sandbox: Sandbox;
  odoo: Odoo;
  close(): Promise<void>;
}

export async function startTestOdoo(version: TestVersion): Promise<TestOdoo> {
  const sandbox = await startSandbox({ version });
  const odoo = createOdooClient(sandboxConnection(sandbox));
  return {
    sandbox,
    odoo,
    async close() {
      await odoo.close();
      await sandbox.close();
    },
  };
}

/** Awaits `promise` and checks it rejects with a `ToolError` of `code`; answers the error for more checks. */
export async function expectToolError(promise: Promise<unknown>, code: ErrorCode): Promise<ToolError> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  expect(caught, `expected ToolError ${code}`).toBeInstanceOf(ToolError);
  const error = caught as ToolError;
  expect(error.code, error.message).toBe(code);
  return error;
}

let counter = 0;
/** A name no other test uses, so that tests sharing a sandbox do not see each other's customers. */
export function uniqueName(base: string): string {
  counter += 1;
  return `${base} ${process.pid}-${counter}`;
}

export async function createCustomer(odoo: Odoo, name: string, email: string | false): Promise<number> {
  const values: Record<string, unknown> = { name, is_company: true };
  if (email) values.email = email;
  return odoo.create("res.partner", values);
}

export function today(): string {
  return todayIn("UTC");
}

/** `days` days before today (UTC), as `YYYY-MM-DD`. */
export function daysAgo(days: number): string {
  return new Date(Date.now() - days * 86_400_000).toISOString().slice(0, 10);
}

/**
 * The same Odoo with some calls changed on the way, to reproduce a server configured or behaving differently
 * (a mail queue instead of immediate sending, a wizard that books another amount). Everything else goes through.
 */
export function alteredOdoo(
  odoo: Odoo,
  alter: {
    call?: (call: OdooCall) => OdooCall;
    create?: (model: string, values: Record<string, unknown>) => Record<string, unknown>;
  },
): Odoo {
  return {
    settings: odoo.settings,
    version: () => odoo.version(),
    api: () => odoo.api(),
    uid: () => odoo.uid(),
    call: (call, options) => odoo.call(alter.call ? alter.call(call) : call, options),
    searchRead: (model, domain, fields, options) => odoo.searchRead(model, domain, fields, options),
    read: (model, ids, fields, context) => odoo.read(model, ids, fields, context),
    searchCount: (model, domain, context) => odoo.searchCount(model, domain, context),
    create: (model, values, context) =>
      odoo.create(model, alter.create ? alter.create(model, values) : values, context),
    write: (model, ids, values, context) => odoo.write(model, ids, values, context),
    stats: () => odoo.stats(),
    close: () => odoo.close(),
  };
}

/** What the executor gives `apply`/`findApplied`: a fresh approval id and this attempt's marker. */
export function applyRef(marker: AttemptMarker = {}): ApplyRef {
  return { approvalId: newApprovalId(), marker };
}
