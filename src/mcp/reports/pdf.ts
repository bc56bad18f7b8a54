/**
 * A printable statement with pdfkit: company, title, period, when it was generated, the currency, then the
 * report's tables (amounts right-aligned, subtotals and totals in bold with a rule above), its notes, and page
 * numbers. Written atomically under `<dataDir>/Reports/`. Helvetica (a PDF standard font): no font files, text
 * that any viewer and `pdftotext` can read.
 */
import path from "node:path";
import { pathToFileURL } from "node:url";
import PDFDocument from "pdfkit";
import { writeFileAtomic } from "../fsutil/index.js";
import type { DocTable, ReportType, StatementDoc } from "./types.js";

export interface PdfRequest {
  dataDir: string;
  reportType: ReportType;
  title: string;
  company: string;
  currency: string;
  start: string;
  end: string;
  generatedAt: string;
  doc: StatementDoc;
}

export interface WrittenPdf {
  path: string;
  uri: string;
  size_bytes: number;
}

const MARGIN = 48;
const ROW_HEIGHT = 15;
const FONT = "Helvetica";
const BOLD = "Helvetica-Bold";

export async function writeReportPdf(request: PdfRequest): Promise<WrittenPdf> {
  const bytes = await renderReportPdf(request);
  const stamp = request.generatedAt.replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
  const file = path.join(
    request.dataDir,
    "Reports",
    `${request.reportType}_${request.start}_${request.end}_${stamp}.pdf`,
  );
  await writeFileAtomic(file, bytes, { mode: 0o600, root: request.dataDir });
  return { path: file, uri: pathToFileURL(file).href, size_bytes: bytes.length };
}

export function renderReportPdf(request: PdfRequest): Promise<Buffer> {
  const wide = request.doc.tables.some((table) => table.columns.length > 5);
  const doc = new PDFDocument({
    size: "A4",
    layout: wide ? "landscape" : "portrait",
    margin: MARGIN,
    bufferPages: true,
    info: {
      Title: `${request.title} - ${request.company}`,
      Author: "odoo-mcp",
      Subject: `${request.title}, ${request.start} to ${request.end}`,
      CreationDate: new Date(request.generatedAt),
    },
  });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on("data", (chunk: Buffer) => chunks.push(chunk));
    doc.on("end", () => resolve(Buffer.concat(chunks)));
    doc.on("error", reject);
  });

  const left = MARGIN;
  const width = doc.page.width - 2 * MARGIN;
  const bottom = () => doc.page.height - MARGIN - 20;

  // Header
  doc.font(BOLD).fontSize(16).text(request.company, left, MARGIN, { width });
  doc.font(BOLD).fontSize(13).text(request.title, { width });
  doc.moveDown(0.3);
  const pointInTime = ["balance_sheet", "aged_receivables", "aged_payables"].includes(request.reportType);
  doc
    .font(FONT)
    .fontSize(9.5)
    .text(
      pointInTime
        ? `As of ${request.end} (period ${request.start} to ${request.end})`
        : `Period: ${request.start} to ${request.end}`,
      { width },
    )
    .text(`Generated: ${request.generatedAt.replace("T", " ").replace(/\.\d+Z$/, " UTC")}`, { width })
    .text(`Amounts in ${request.currency}`, { width });
  doc.moveDown(0.8);

  let y = doc.y;
  const ensure = (height: number, table?: DocTable) => {
    if (y + height <= bottom()) return;
    doc.addPage();
    y = MARGIN;
    if (table) y = drawHeader(table, `${table.title} (continued)`);
  };
  const columnsOf = (table: DocTable) => {
    const total = table.widths.reduce((a, b) => a + b, 0);
    let x = left;
    return table.widths.map((w) => {
      const col = { x, w: (w / total) * width };
      x += col.w;
      return col;
    });
  };
  const clip = (text: string, max: number) => {
    if (doc.widthOfString(text) <= max) return text;
    let out = text;
    while (out.length > 1 && doc.widthOfString(`${out}…`) > max) out = out.slice(0, -1);
    return `${out}…`;
  };
  const drawHeader = (table: DocTable, title: string): number => {
    let top = y;
    doc.font(BOLD).fontSize(11).text(title, left, top, { width, lineBreak: false });
    top += 18;
    const cols = columnsOf(table);
    doc.font(BOLD).fontSize(8.5);
    table.columns.forEach((name, i) => {
      const col = cols[i];
      if (!col) return;
      doc.text(clip(name, col.w - 4), col.x, top, {
        width: col.w - 4,
        align: i < (table.textColumns ?? 1) ? "left" : "right",
        lineBreak: false,
      });
    });
    top += 12;
    doc
      .moveTo(left, top)
      .lineTo(left + width, top)
      .lineWidth(0.8)
      .strokeColor("#000000")
      .stroke();
    return top + 4;
  };

  for (const table of request.doc.tables) {
    ensure(60);
    y = drawHeader(table, table.title);
    const cols = columnsOf(table);
    for (const row of table.rows) {
      ensure(ROW_HEIGHT, table);
      const total = row.bold === true && row.cells.slice(1).some((cell) => cell !== "");
      if (total) {
        doc
          .moveTo(cols[1]?.x ?? left, y - 1)
          .lineTo(left + width, y - 1)
          .lineWidth(0.4)
          .strokeColor("#555555")
          .stroke();
      }
      doc
        .font(row.bold ? BOLD : FONT)
        .fontSize(8.5)
        .fillColor("#000000");
      // The first cell (a label, a heading) runs over the empty cells that follow it.
      const next = row.cells.findIndex((cell, i) => i > 0 && cell !== "");
      const firstWidth = (next > 0 ? (cols[next]?.x ?? left + width) : left + width) - left;
      row.cells.forEach((cell, i) => {
        const col = cols[i];
        if (!col || cell === "") return;
        const indent = i === 0 ? (row.indent ?? 0) * 10 : 0;
        const cellWidth = (i === 0 ? firstWidth : col.w) - 4 - indent;
        doc.text(clip(cell, cellWidth), col.x + indent, y + 2, {
          width: cellWidth,
          align: i < (table.textColumns ?? 1) ? "left" : "right",
          lineBreak: false,
        });
      });
      y += ROW_HEIGHT;
    }
    y += 14;
  }

  if (request.doc.notes.length > 0) {
    doc.font(FONT).fontSize(8).fillColor("#333333");
    for (const note of request.doc.notes) {
      const height = doc.heightOfString(note, { width });
      ensure(height + 4);
      doc.text(note, left, y, { width });
      y += height + 4;
    }
  }

  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    const footerY = doc.page.height - MARGIN + 10;
    const savedBottom = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    doc
      .font(FONT)
      .fontSize(7.5)
      .fillColor("#555555")
      .text(`${request.company} - ${request.title} - page ${i + 1} of ${range.count}`, left, footerY, {
        width,
        align: "center",
        lineBreak: false,
      });
    doc.page.margins.bottom = savedBottom;
  }
  doc.end();
  return done;
}
