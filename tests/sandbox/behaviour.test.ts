import { afterEach, describe, expect, it, vi } from "vitest";
import { SANDBOX_HEADER, type Sandbox, startSandbox } from "../../src/sandbox/index.js";
import { kw } from "./helpers.js";

let sb: Sandbox | undefined;
afterEach(async () => {
  await sb?.close();
  sb = undefined;
});

describe("sandbox behaviour the transcripts do not pin", () => {
  it("marks every answer as the sandbox's", async () => {
    sb = await startSandbox();
    const res = await fetch(`${sb.url}/web/version`);
    expect(res.headers.get(SANDBOX_HEADER)).toMatch(/not Odoo/);
  });

  it("serves faults for the next N requests, then recovers", async () => {
    sb = await startSandbox();
    sb.setFault("http503", { count: 1 });
    expect((await fetch(`${sb.url}/web/version`)).status).toBe(503);
    expect((await fetch(`${sb.url}/web/version`)).status).toBe(200);
    sb.setFault("garbage", { count: 1 });
    const g = await fetch(`${sb.url}/web/version`);
    expect(g.headers.get("content-type")).toMatch(/text\/plain/);
    expect(() => JSON.parse("<<not json")).toThrow();
    sb.setFault("down", { count: 1 });
    await expect(fetch(`${sb.url}/web/version`)).rejects.toThrow();
    expect((await fetch(`${sb.url}/web/version`)).status).toBe(200);
    expect(sb.requestCount()).toBe(5);
  });

  it("holds requests while slow, and answers after the fault is cleared", async () => {
    const s = await startSandbox();
    sb = s;
    s.setFault("slow", { count: 1 });
    const ctrl = new AbortController();
    let settled = false;
    const pending = fetch(`${s.url}/web/version`, { signal: ctrl.signal }).finally(() => {
      settled = true;
    });
    pending.catch(() => {});
    // Held, not just slow: once it has reached the sandbox, a later request is answered while it still waits.
    await vi.waitFor(() => expect(s.requestCount()).toBe(1), { timeout: 10_000, interval: 5 });
    expect((await fetch(`${s.url}/web/version`)).status).toBe(200);
    expect(settled).toBe(false);
    s.setFault(null);
    await expect(pending).rejects.toThrow();
    expect((await fetch(`${sb.url}/web/version`)).status).toBe(200);
  });

  it("adds latency to every request", async () => {
    sb = await startSandbox({ latencyMs: 120 });
    const t0 = Date.now();
    await fetch(`${sb.url}/web/version`);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(110);
  });

  it("numbers many invoices without gaps or duplicates, also from two clients at once", async () => {
    const s = await startSandbox({ now: () => new Date("2026-11-22T12:00:00Z") });
    sb = s;
    const partner = s.seed.partner({ name: "Seq Customer", email: "seq@example.com" });
    const post = async () => {
      const [id] = (await kw(s, "account.move", "create", [
        [
          {
            move_type: "out_invoice",
            partner_id: partner,
            invoice_date: "2026-11-02",
            invoice_line_ids: [[0, 0, { name: "x", quantity: 1, price_unit: 10 }]],
          },
        ],
      ])) as number[];
      await kw(s, "account.move", "action_post", [[id]]);
      return id as number;
    };
    const ids = await Promise.all(Array.from({ length: 40 }, post));
    const rows = (await kw(s, "account.move", "read", [ids], { fields: ["name"] })) as Array<{
      name: string;
    }>;
    const names = rows.map((r) => r.name).sort();
    expect(new Set(names).size).toBe(40);
    expect(names[0]).toBe("INV/2026/00001");
    expect(names[39]).toBe("INV/2026/00040");
  });

  // A real Odoo 19.0 (generic chart), three lines of 0.35 at 15%: amount_tax 0.16 with the company's default
  // tax_calculation_rounding_method "round_globally" (round(3 × 0.0525) = round(0.1575)), 0.15 once it is set to
  // "round_per_line" (3 × round(0.0525)).
  it.each([
    [
      "round_globally (Odoo 19's default)",
      null,
      { amount_untaxed: 1.05, amount_tax: 0.16, amount_total: 1.21 },
    ],
    ["round_per_line", "round_per_line", { amount_untaxed: 1.05, amount_tax: 0.15, amount_total: 1.2 }],
  ])("rounds tax as the company says: %s", async (_name, method, totals) => {
    const s = await startSandbox();
    sb = s;
    if (method) await kw(s, "res.company", "write", [[1], { tax_calculation_rounding_method: method }]);
    const [company] = (await kw(s, "res.company", "read", [[1]], {
      fields: ["tax_calculation_rounding_method"],
    })) as Array<Record<string, unknown>>;
    expect(company?.tax_calculation_rounding_method).toBe(method ?? "round_globally");
    const partner = s.seed.partner({ name: "Round Customer" });
    const lines = [0.35, 0.35, 0.35].map((p) => [
      0,
      0,
      { name: "l", quantity: 1, price_unit: p, tax_ids: [[6, 0, [1]]] },
    ]);
    const [id] = (await kw(s, "account.move", "create", [
      [{ move_type: "out_invoice", partner_id: partner, invoice_line_ids: lines }],
    ])) as number[];
    const [m] = (await kw(s, "account.move", "read", [[id]], {
      fields: ["amount_untaxed", "amount_tax", "amount_total"],
    })) as Array<Record<string, number>>;
    expect(m).toMatchObject(totals);
  });

  // The same real Odoo 19, three lines of 1.5 × 0.05 at 15%, round_globally: each price_subtotal 0.08, the base
  // rounded once (0.23) with the difference on the first line's balance (-0.07, -0.08, -0.08), tax 0.03.
  it("round_globally: the base rounded once per tax, the difference on the first line's balance", async () => {
    const s = await startSandbox();
    sb = s;
    const partner = s.seed.partner({ name: "Round Customer" });
    const lines = ["x", "y", "z"].map((name) => [
      0,
      0,
      { name, quantity: 1.5, price_unit: 0.05, tax_ids: [[6, 0, [1]]] },
    ]);
    const [id] = (await kw(s, "account.move", "create", [
      [{ move_type: "out_invoice", partner_id: partner, invoice_line_ids: lines }],
    ])) as number[];
    const [m] = (await kw(s, "account.move", "read", [[id]], {
      fields: ["amount_untaxed", "amount_tax", "amount_total"],
    })) as Array<Record<string, number>>;
    expect(m).toMatchObject({ amount_untaxed: 0.23, amount_tax: 0.03, amount_total: 0.26 });
    const items = (await kw(s, "account.move.line", "search_read", [[["move_id", "=", id]]], {
      fields: ["display_type", "price_subtotal", "balance"],
      order: "id",
    })) as Array<Record<string, unknown>>;
    expect(items.map((l) => [l.display_type, l.price_subtotal, l.balance])).toEqual([
      ["product", 0.08, -0.07],
      ["product", 0.08, -0.08],
      ["product", 0.08, -0.08],
      ["tax", 0, -0.03],
      ["payment_term", 0, 0.26],
    ]);
  });

  it("fails the mail when SMTP is down and delivers after mark_outgoing + send", async () => {
    const s = await startSandbox();
    sb = s;
    const partner = s.seed.partner({ name: "Mail Customer", email: "m@example.com" });
    const inv = s.seed.invoice({
      partner_id: partner,
      invoice_date: "2026-11-02",
      invoice_line_ids: [[0, 0, { name: "a", price_unit: 5 }]],
      post: true,
    });
    s.setSmtpUp(false);
    const [w] = (await kw(s, "account.move.send.wizard", "create", [[{}]], {
      context: { active_model: "account.move", active_ids: [inv] },
    })) as number[];
    await kw(s, "account.move.send.wizard", "action_send_and_print", [[w]], {
      context: { active_model: "account.move", active_ids: [inv] },
    });
    const mails = (await kw(s, "mail.mail", "search_read", [[]], {
      fields: ["state", "failure_reason"],
    })) as Array<{ id: number; state: string; failure_reason: string }>;
    expect(mails).toEqual([
      { id: mails[0]?.id, state: "exception", failure_reason: "111\nConnection refused" },
    ]);
    s.setSmtpUp(true);
    await kw(s, "mail.mail", "mark_outgoing", [[mails[0]?.id]]);
    await kw(s, "mail.mail", "send", [[mails[0]?.id]]);
    expect(await kw(s, "mail.mail", "search_count", [[]])).toBe(0);
    const [pdf] = (await kw(s, "account.move", "read", [[inv]], {
      fields: ["invoice_pdf_report_id", "is_move_sent"],
    })) as Array<Record<string, unknown>>;
    expect(pdf?.is_move_sent).toBe(true);
    const att = (await kw(
      s,
      "ir.attachment",
      "read",
      [[(pdf?.invoice_pdf_report_id as [number, string] | undefined)?.[0]]],
      { fields: ["datas"] },
    )) as Array<{ datas: string }>;
    expect(
      Buffer.from(att[0]?.datas ?? "", "base64")
        .subarray(0, 5)
        .toString(),
    ).toBe("%PDF-");
  });
});

describe.each([19, 18, 17] as const)(
  "approval tags on Odoo %i (message_post, hr.expense description)",
  (version) => {
    type Row = Record<string, unknown>;

    it("message_post posts an internal note: escaped text in a paragraph, its id answered, found by body ilike", async () => {
      sb = await startSandbox({ version });
      const partner = (await kw(sb, "res.partner", "create", [{ name: "Tagged Co" }])) as number;
      const move = (await kw(sb, "account.move", "create", [
        { move_type: "out_invoice", partner_id: partner },
      ])) as number;
      const answer = await kw(sb, "account.move", "message_post", [[move]], {
        body: "Created by odoo-mcp, approval apr_abc <b>x</b>",
        message_type: "comment",
        subtype_xmlid: "mail.mt_note",
      });
      // 19 answers the message as a recordset, [id] (odoo-recordings/19/20-reconcile-*, 21-reminders); 17 and 18 its id.
      const id = (version === 19 ? (answer as number[])[0] : answer) as number;
      expect(typeof id).toBe("number");
      if (version === 19) expect(answer).toEqual([id]);
      const [note] = (await kw(sb, "mail.message", "read", [[id]], {
        fields: ["body", "model", "res_id", "message_type", "subtype_id", "partner_ids", "notification_ids"],
      })) as Row[];
      expect(note).toMatchObject({
        body: "<p>Created by odoo-mcp, approval apr_abc &lt;b&gt;x&lt;/b&gt;</p>",
        model: "account.move",
        res_id: move,
        message_type: "comment",
        subtype_id: [2, "Note"],
        partner_ids: [],
        notification_ids: [],
      });
      const found = (await kw(
        sb,
        "mail.message",
        "search_read",
        [
          [
            ["model", "=", "account.move"],
            ["body", "ilike", "APR_ABC"],
          ],
        ],
        { fields: ["res_id"] },
      )) as Row[];
      expect(found.map((r) => r.res_id)).toEqual([move]);
      await expect(kw(sb, "account.move", "message_post", [[999_999]], { body: "x" })).rejects.toThrow(
        /MissingError/,
      );
      await expect(kw(sb, "account.move", "message_post", [[move, partner]], { body: "x" })).rejects.toThrow(
        /Expected singleton/,
      );
    });

    it("hr.expense has its Internal Notes (description): searchable, kept as written", async () => {
      sb = await startSandbox({ version });
      const fg = (await kw(sb, "hr.expense", "fields_get", [["description"]], {
        attributes: ["string", "type"],
      })) as Record<string, Row>;
      expect(fg.description).toEqual({ string: "Internal Notes", type: version === 19 ? "text" : "html" });
      const [employee] = (await kw(sb, "hr.employee", "search_read", [[]], {
        fields: ["id"],
        limit: 1,
      })) as Row[];
      const exp = (await kw(sb, "hr.expense", "create", [
        { name: "Tagged", employee_id: employee?.id, description: "Created by odoo-mcp, approval apr_xyz" },
      ])) as number;
      const found = (await kw(sb, "hr.expense", "search", [
        [["description", "ilike", "apr_xyz"]],
      ])) as number[];
      expect(found).toEqual([exp]);
    });
  },
);
