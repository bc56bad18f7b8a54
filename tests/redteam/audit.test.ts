/**
 * Red team: the audit log is in the data folder. Made unwritable by the agent, nothing is approved or run; a
 * chain rewritten by the agent is reported by `verify` (keychain mode: keyed, anchored).
 */
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { afterEach, describe, expect, it } from "vitest";
import type { ChainedAuditLog } from "../../src/mcp/audit/audit-log.js";
import { localDate } from "../../src/mcp/dates.js";
import { type Harness, seedCustomer, startHarness } from "../support/harness.js";
import { countExpenses, countInvoices, invoiceFor, isoDay, pendingId } from "./helpers.js";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe("the audit log under the agent's file tools", () => {
  it("today's log replaced by a folder: no automatic approval, no decision, nothing in Odoo", async () => {
    h = await startHarness();
    await seedCustomer(h);
    const id = await pendingId(h, "create_invoice", invoiceFor(10));
    const today = h.app.audit.fileFor(localDate(new Date()));
    await rm(today, { force: true });
    await mkdir(today);
    const small = await h.call("create_expense", {
      description: "Taxi",
      amount: 12,
      expense_date: isoDay(-1),
      category: "meals",
    });
    expect(small.isError).toBe(true);
    expect(small.error?.code).toBe("AUDIT_LOG_UNAVAILABLE");
    await expect(
      h.app.approvals.decide(id, { decision: "approved", channel: "cli", actor: "person" }),
    ).rejects.toMatchObject({ code: "AUDIT_LOG_UNAVAILABLE" });
    expect((await h.app.approvals.get(id))?.status).toBe("pending");
    expect(await countExpenses(h)).toBe(0);
    expect(await countInvoices(h)).toBe(0);
  });

  it("lines edited or removed in today's log are reported by verify (keyed and anchored)", async () => {
    h = await startHarness();
    await h.call("create_expense", {
      description: "Taxi",
      amount: 12,
      expense_date: isoDay(-1),
      category: "meals",
    });
    const today = h.app.audit.fileFor(localDate(new Date()));
    const text = await readFile(today, "utf8");
    await writeFile(today, text.replace('"channel":"auto"', '"channel":"cli"'));
    expect((await (h.app.audit as ChainedAuditLog).verify()).ok).toBe(false);
    await writeFile(today, text.split("\n").slice(0, 1).join("\n"));
    expect((await (h.app.audit as ChainedAuditLog).verify()).ok).toBe(false);
  });
});
