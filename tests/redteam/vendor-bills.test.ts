import { afterEach, describe, expect, it } from "vitest";
import { OdooConnectionError } from "../../src/mcp/odoo/errors.js";
import { type Harness, startHarness } from "../support/harness.js";

/**
 * create_vendor_bill needs no approval (it only drafts), so what it refuses is all that stands between an agent and
 * the books: a document that lies about what it is, a second bill for an invoice already booked, and a retry after
 * an answer that never arrived.
 */
let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const bills = (t: Harness) => t.app.odoo.searchCount("account.move", [["move_type", "=", "in_invoice"]]);
const attachments = (t: Harness) =>
  t.app.odoo.searchCount("ir.attachment", [["res_model", "=", "account.move"]]);

async function withVendor(): Promise<Harness> {
  const t = await startHarness();
  await t.app.odoo.create("res.partner", { name: "Toner World", is_company: true, supplier_rank: 1 });
  return t;
}

const bill = (vendor_reference: string, extra: Record<string, unknown> = {}) => ({
  vendor: "Toner World",
  bill_date: "2026-11-03",
  vendor_reference,
  lines: [{ description: "Toner", quantity: 1, unit_price: 80 }],
  ...extra,
});

describe("red team: create_vendor_bill", () => {
  it.each([
    [
      "an HTML page with a script that quotes a PDF header",
      "<html><script>fetch('//x')</script><!-- %PDF-1.7 -->",
    ],
    ["an SVG image with a script", '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'],
    ["a PDF header after a byte of padding", " %PDF-1.4\n%%EOF"],
    ["a Windows program", "MZ\u0090\u0000\u0003"],
  ])("refuses %s sent as the supplier's document: no bill, no attachment", async (_what, content) => {
    h = await withVendor();
    const answer = await h.call(
      "create_vendor_bill",
      bill("INV-9", { document: Buffer.from(content, "latin1").toString("base64") }),
    );
    expect(answer.error?.code, answer.text).toBe("VALIDATION_ERROR");
    expect(answer.error?.message).toMatch(/judged by its content/);
    expect(await bills(h)).toBe(0);
    expect(await attachments(h)).toBe(0);
  });

  it("attaches a PDF as a PDF whatever the agent calls it: the name and type come from the content", async () => {
    h = await withVendor();
    const pdf = Buffer.from("%PDF-1.4\n%%EOF\n").toString("base64");
    const answer = await h.call("create_vendor_bill", bill("invoice.png", { document: pdf }));
    expect(answer.isError, answer.text).toBe(false);
    const { id, name } = answer.data.attachment as { id: number; name: string };
    expect(name).toBe("invoice.png.pdf");
    const [file] = await h.app.odoo.read("ir.attachment", [id], ["mimetype"]);
    expect(file?.mimetype).toBe("application/pdf");
  });

  it.each(["inv-2026-7", "  INV-2026-7  ", "INV-2026-7\t", "Inv-2026-7\u00a0"])(
    "refuses %j when the vendor already has INV-2026-7",
    async (again) => {
      h = await withVendor();
      const first = await h.call("create_vendor_bill", bill("INV-2026-7"));
      expect(first.isError, first.text).toBe(false);
      const second = await h.call("create_vendor_bill", bill(again));
      expect(second.error?.code, second.text).toBe("DUPLICATE_BILL");
      expect(second.error?.details).toMatchObject({ record_id: first.data.record_id });
      expect(await bills(h)).toBe(1);
    },
  );

  it.each([
    ["INV-2026-_", "INV-2026-7"],
    ["%", "INV-2026-7"],
    ["INV 2026 7", "INV-2026-7"],
  ])(
    "does not take %j for a duplicate of %j (LIKE wildcards and other characters are literal)",
    async (second, first) => {
      h = await withVendor();
      expect((await h.call("create_vendor_bill", bill(first))).isError).toBe(false);
      const answer = await h.call("create_vendor_bill", bill(second));
      expect(answer.isError, answer.text).toBe(false);
      expect(await bills(h)).toBe(2);
    },
  );

  it("a retry after an answer that never arrived finds the bill Odoo created instead of creating a second", async () => {
    h = await withVendor();
    const odoo = h.app.odoo;
    const create = odoo.create.bind(odoo);
    let dropped = false;
    // Odoo creates the bill, then the connection drops before its answer reaches the tool.
    odoo.create = async (model, values, context) => {
      const id = await create(model, values, context);
      if (model === "account.move" && !dropped) {
        dropped = true;
        throw new OdooConnectionError("connection reset after sending", true);
      }
      return id;
    };
    const first = await h.call("create_vendor_bill", bill("INV-77"));
    expect(first.error?.code, first.text).toBe("ODOO_CONNECTION_ERROR");
    expect(await bills(h)).toBe(1);
    const retry = await h.call("create_vendor_bill", bill("INV-77"));
    expect(retry.error?.code, retry.text).toBe("DUPLICATE_BILL");
    expect(retry.error?.message).toMatch(
      /If an earlier call was interrupted, that bill is the one it created/,
    );
    expect(await bills(h)).toBe(1);
  });
});
