/**
 * generate_report as a tool: contract errors, NO_DATA, progress notifications, the PDF (rendered with poppler's
 * pdftoppm and read with pdftotext), the resource link, the grouping method per Odoo version, and round trips
 * that do not grow with the ledger.
 */
import { execFile } from "node:child_process";
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { OdooCall } from "../../src/mcp/odoo/types.js";
import { type Harness, startHarness } from "../support/harness.js";
import { buildLedger } from "./ledger-builder.js";

const run = promisify(execFile);

describe("generate_report: input and empty ledgers", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ version: 19 });
  });
  afterAll(async () => {
    await h?.close();
  });

  it("refuses an unknown report type with INVALID_REPORT_TYPE", async () => {
    const r = await h.call("generate_report", {
      report_type: "trial_balance",
      start_date: "2026-01-01",
      end_date: "2026-12-31",
    });
    expect(r.error?.code).toBe("INVALID_REPORT_TYPE");
  });

  it("refuses a start after the end, or a date that does not exist, with INVALID_DATE_RANGE", async () => {
    const after = await h.call("generate_report", {
      report_type: "profit_loss",
      start_date: "2026-12-31",
      end_date: "2026-01-01",
    });
    expect(after.error?.code).toBe("INVALID_DATE_RANGE");
    const bogus = await h.call("generate_report", {
      report_type: "profit_loss",
      start_date: "2026-02-30",
      end_date: "2026-03-01",
    });
    expect(bogus.error?.code).toBe("INVALID_DATE_RANGE");
    const malformed = await h.call("generate_report", {
      report_type: "profit_loss",
      start_date: "01/01/2026",
      end_date: "2026-03-01",
    });
    expect(malformed.error?.code).toBe("INVALID_DATE_RANGE");
  });

  it("answers NO_DATA for every report type when nothing is posted", async () => {
    for (const report_type of [
      "profit_loss",
      "balance_sheet",
      "cash_flow",
      "aged_receivables",
      "aged_payables",
      "tax_summary",
      "general_ledger",
    ]) {
      const r = await h.call("generate_report", {
        report_type,
        start_date: "2030-01-01",
        end_date: "2030-12-31",
        ...(report_type === "general_ledger" ? { account_code: "121000" } : {}),
      });
      expect(r.error?.code, report_type).toBe("NO_DATA");
    }
  });

  it("is listed read-only with its output schema", async () => {
    const { tools } = await h.client.listTools();
    const tool = tools.find((t) => t.name === "generate_report");
    expect(tool?.annotations?.readOnlyHint).toBe(true);
    expect(tool?.outputSchema).toBeDefined();
  });
});

for (const version of [19, 18, 17] as const) {
  describe(`generate_report on Odoo ${version}: grouping in Odoo, constant round trips`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = await startHarness({ version });
      await buildLedger(h.app.odoo, { invoices: 12, years: [2026] });
    }, 60_000);
    afterAll(async () => {
      await h?.close();
    });

    it(`sums with ${version >= 19 ? "formatted_read_group" : "read_group (after asking for formatted_read_group)"} and never reads journal items for the statements`, async () => {
      const spy = vi.spyOn(h.app.odoo, "call");
      try {
        for (const report_type of ["profit_loss", "balance_sheet", "cash_flow"]) {
          const r = await h.call("generate_report", {
            report_type,
            start_date: "2026-01-01",
            end_date: "2026-12-31",
          });
          expect(r.isError, r.text).toBe(false);
        }
        const calls = spy.mock.calls.map(([call]) => call as OdooCall);
        const onLines = calls.filter((c) => c.model === "account.move.line");
        expect(onLines.length).toBeGreaterThan(0);
        if (version >= 19) for (const c of onLines) expect(c.method).toBe("formatted_read_group");
        else {
          // Odoo is asked, not its version: the client's first grouped read tries formatted_read_group, which
          // 17 and 18 answer does not exist; read_group from then on.
          expect(onLines[0]?.method).toBe("formatted_read_group");
          for (const c of onLines.slice(1)) expect(c.method).toBe("read_group");
        }
      } finally {
        spy.mockRestore();
      }
    });

    it("needs as many round trips for a ledger three times larger", async () => {
      const trips = async () => {
        const out: Record<string, number> = {};
        for (const report_type of ["profit_loss", "balance_sheet", "cash_flow", "aged_receivables"]) {
          const before = h.app.odoo.stats().roundTrips;
          const r = await h.call("generate_report", {
            report_type,
            start_date: "2026-01-01",
            end_date: "2026-12-31",
          });
          expect(r.isError, r.text).toBe(false);
          out[report_type] = h.app.odoo.stats().roundTrips - before;
        }
        return out;
      };
      await trips(); // warm the session caches
      const small = await trips();
      await buildLedger(h.app.odoo, { invoices: 24, years: [2026], seed: 7 });
      const large = await trips();
      expect(large).toEqual(small);
      // cash_flow's sixth: the bank items of statement lines not yet reconciled (cash at bank, split).
      for (const [type, value] of Object.entries(small))
        expect(value, type).toBeLessThanOrEqual(type === "cash_flow" ? 6 : 5);
    }, 60_000);
  });
}

describe("generate_report: PDF, resource link and progress", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ version: 19 });
    await buildLedger(h.app.odoo, { invoices: 20 });
  }, 60_000);
  afterAll(async () => {
    await h?.close();
  });

  it("writes a printable PDF under Reports/, links it, and it reads back with the figures", async () => {
    const result = await h.client.callTool({
      name: "generate_report",
      arguments: {
        report_type: "profit_loss",
        start_date: "2026-01-01",
        end_date: "2026-12-31",
        format: "pdf",
      },
    });
    expect(result.isError).toBeFalsy();
    const data = result.structuredContent as {
      pdf: { path: string; uri: string };
      data: { net_income: number; revenue: number };
      generated_at: string;
    };
    expect(path.dirname(data.pdf.path)).toBe(path.join(h.dataDir, "Reports"));
    expect((await readFile(data.pdf.path)).subarray(0, 5).toString()).toBe("%PDF-");
    const content = result.content as Array<{ type: string; uri?: string; mimeType?: string }>;
    const link = content.find((c) => c.type === "resource_link");
    expect(link?.uri).toBe(data.pdf.uri);
    expect(link?.mimeType).toBe("application/pdf");

    const { stdout: text } = await run("pdftotext", ["-layout", data.pdf.path, "-"]);
    expect(text).toContain("My Company");
    expect(text).toContain("Profit and Loss");
    expect(text).toContain("Period: 2026-01-01 to 2026-12-31");
    expect(text).toContain("Generated:");
    expect(text).toContain("Amounts in USD");
    const fmt = (n: number) =>
      n.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    expect(text).toMatch(new RegExp(`Net Income\\s+${fmt(data.data.net_income).replace(/[.,]/g, "\\$&")}`));
    expect(text).toContain("Total Income");
    expect(text).toContain("Gross Profit");

    const png = path.join(h.dataDir, "page");
    await run("pdftoppm", ["-png", "-r", "50", "-f", "1", "-l", "1", data.pdf.path, png]);
    const rendered = (await stat(`${png}-1.png`)).size;
    expect(rendered).toBeGreaterThan(5_000);
  });

  it("renders every report type as a PDF", async () => {
    const periodic = ["cash_flow", "tax_summary", "general_ledger"];
    for (const report_type of [
      "balance_sheet",
      "cash_flow",
      "aged_receivables",
      "aged_payables",
      "tax_summary",
      "general_ledger",
    ]) {
      const r = await h.call("generate_report", {
        report_type,
        start_date: "2026-01-01",
        end_date: "2026-12-31",
        format: "pdf",
        ...(report_type === "general_ledger" ? { account_code: "211000" } : {}),
      });
      expect(r.isError, r.text).toBe(false);
      const file = (r.data.pdf as { path: string }).path;
      const { stdout } = await run("pdftotext", ["-layout", file, "-"]);
      expect(stdout).toContain("My Company");
      expect(stdout).toContain(
        periodic.includes(report_type) ? "Period: 2026-01-01 to 2026-12-31" : "As of 2026-12-31",
      );
      const details = (r.data.data as { details: Record<string, unknown> }).details;
      const fmt = (n: unknown) =>
        Number(n).toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
      if (report_type === "balance_sheet") expect(stdout).toContain("Balanced");
      if (report_type === "cash_flow") expect(stdout).toContain("Closing balance");
      if (report_type === "aged_receivables") expect(stdout).toContain("Over 90");
      if (report_type === "aged_payables") {
        expect(stdout).toContain("Vendor / bill");
        expect(stdout).toContain(fmt((details.totals as { total: number }).total));
      }
      if (report_type === "tax_summary") {
        expect(stdout).toContain("Purchase taxes (paid)");
        expect(stdout).toMatch(new RegExp(`Net tax due.*${fmt(details.net_due).replace(/[.,]/g, "\\$&")}`));
      }
      if (report_type === "general_ledger") {
        expect(stdout).toContain("211000");
        expect(stdout).toMatch(
          new RegExp(`Closing balance.*${fmt(details.closing_balance).replace(/[.,]/g, "\\$&")}`),
        );
      }
    }
  });

  it("sends progress notifications when the client asks for them", async () => {
    const seen: Array<{ progress: number; total?: number; message?: string }> = [];
    const result = await h.client.callTool(
      {
        name: "generate_report",
        arguments: { report_type: "cash_flow", start_date: "2026-01-01", end_date: "2026-12-31" },
      },
      undefined,
      { onprogress: (p) => seen.push(p) },
    );
    expect(result.isError).toBeFalsy();
    expect(seen.length).toBeGreaterThanOrEqual(3);
    expect(seen.at(-1)?.progress).toBe(seen.at(-1)?.total);
    for (let i = 1; i < seen.length; i++)
      expect(seen[i]?.progress).toBeGreaterThan(seen[i - 1]?.progress ?? -1);
  });
});
