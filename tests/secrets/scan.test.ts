/** The scanner the secret tests rely on finds a secret in every form it claims to, PDFs included. */
import PDFDocument from "pdfkit";
import { describe, expect, it } from "vitest";
import { fileTexts, forms, scanText } from "./scan.js";

const secret = { name: "api key", value: "AVAWAY-To.Te/x+y=z%_&'\"é" };

function pdfWith(text: string): Promise<Buffer> {
  return new Promise((resolve) => {
    const doc = new PDFDocument({ info: { Title: "report" } });
    const chunks: Buffer[] = [];
    doc.on("data", (chunk: Buffer) => chunks.push(chunk));
    doc.on("end", () => resolve(Buffer.concat(chunks)));
    doc.fontSize(11).text(`Prepared for ${text} by odoo-mcp`);
    doc.end();
  });
}

describe("the secret scanner", () => {
  it("finds the secret raw, URL-encoded, JSON-escaped, in hex and inside base64 at every offset", () => {
    for (const [form, needle] of forms(secret.value)) {
      expect(needle.length, form).toBeGreaterThanOrEqual(8);
    }
    const wrapped = [
      secret.value,
      encodeURIComponent(secret.value),
      JSON.stringify({ k: secret.value }),
      Buffer.from(secret.value).toString("hex"),
      ...["", "a", "ab"].map((pre) => Buffer.from(`${pre}${secret.value}tail`).toString("base64")),
      ...["", "a", "ab"].map((pre) => Buffer.from(`Bearer ${pre}${secret.value}`).toString("base64url")),
    ];
    for (const text of wrapped) {
      expect(scanText("t", [text], [secret]).length, text).toBeGreaterThan(0);
    }
    expect(scanText("t", ["nothing to see, AVAWAY-To"], [secret])).toEqual([]);
  });

  it("finds text drawn in a PDF (compressed, hex-encoded, kerned) and in its metadata", async () => {
    const pdf = await pdfWith(secret.value.replace(/[^\x20-\x7e]/g, ""));
    expect(pdf.toString("latin1")).not.toContain("AVAWAY"); // not readable in the raw bytes
    const found = scanText("pdf", fileTexts(pdf), [{ name: "s", value: "AVAWAY-To.Te/x+y" }]);
    expect(found.length).toBeGreaterThan(0);
    expect(scanText("pdf", fileTexts(pdf), [{ name: "s", value: "not in the pdf at all" }])).toEqual([]);
  });
});
