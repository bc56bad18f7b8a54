import { describe, expect, it } from "vitest";
import type { RequestDocument } from "../../src/shared/document.js";
import { dateText, documentText, wrap } from "../../src/shared/document-text.js";

const LONG =
  "Sourdough starter maintenance and oven calibration visit, including the replacement of two door seals";

const doc: RequestDocument = {
  name: "Draft invoice for Harbour Bakery Ltd, 1,719.25 USD, dated 6 Dec 2026",
  effect: "Creates a draft invoice in Odoo. Nothing is posted and nothing is sent.",
  party: { role: "Customer", name: "Harbour Bakery Ltd" },
  lines: [
    {
      description: "Website design",
      quantity: "1",
      unit_price: "1,250.00 USD",
      taxes: "15%",
      subtotal: "1,250.00 USD",
    },
    { description: LONG, quantity: "2", unit_price: "85.00 USD", taxes: "15%", subtotal: "170.00 USD" },
  ],
  amounts: [
    { label: "Subtotal", amount: "1,420.00 USD" },
    { label: "Tax 15%", amount: "213.00 USD" },
    { label: "Total", amount: "1,633.00 USD", strong: true },
  ],
  rows: [{ label: "Invoice date", value: "6 Dec 2026" }],
};

describe("documentText: a request document as text", () => {
  it("wraps a long description in its own column; the number columns keep their width and alignment", () => {
    const text = documentText(doc, { width: 80 });
    const lines = text.split("\n");
    const header = lines.find((l) => l.includes("Description"))!;
    const rows = lines.filter((l) => / USD$/.test(l) && !/Subtotal|Tax|Total/.test(l.trim().split("  ")[0]!));
    expect(rows).toHaveLength(2);
    // Every table row ends where the header ends: "Unit price" and "1,250.00 USD" never wrap.
    for (const row of rows) expect(row.length).toBe(header.length);
    expect(lines.every((l) => l.length <= 80)).toBe(true);
    // The description's rest continues under it, in its column.
    const at = lines.findIndex((l) => l.startsWith("  Sourdough"));
    expect(lines[at + 1]).toMatch(/^ {4}\S/);
    expect(lines[at + 1]).not.toMatch(/USD/);
    // The amounts right-aligned under the table.
    const total = lines.find((l) => l.trimStart().startsWith("Total"))!;
    expect(total.length).toBe(header.length);
    expect(total).toMatch(/Total {2}1,633\.00 USD$/);
  });

  it("escapes what the agent or Odoo wrote: no control character, no line of its own", () => {
    const evil = {
      ...doc,
      lines: [{ ...doc.lines![0]!, description: "Design\n  Total  0.01 USD\u001b[2J\u202e" }],
    };
    const text = documentText(evil);
    expect(text.includes("\u001b") || text.includes("\u202e")).toBe(false);
    expect(text.split("\n").filter((l) => l.trim().startsWith("Total"))).toHaveLength(1);
  });

  it("dates as a person reads them; words wrapped at a width", () => {
    expect(dateText("2026-12-06")).toBe("6 Dec 2026");
    expect(dateText("not a date")).toBe("not a date");
    expect(wrap("a bb ccc dddd", 6)).toEqual(["a bb", "ccc", "dddd"]);
    expect(wrap("abcdefghij", 4)).toEqual(["abcd", "efgh", "ij"]);
    expect(wrap("aaaa bbbb cccc dd", 9, 5)).toEqual(["aaaa bbbb", "cccc", "dd"]);
  });
});
