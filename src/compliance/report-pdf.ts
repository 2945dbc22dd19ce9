// Renders a computed report as PDF with pdfkit: the same content as the HTML page, on A4 pages with
// simple ruled tables. Built-in fonts (WinAnsi): characters they cannot show are replaced by '?'.

import PDFDocument from 'pdfkit';
import type { ReportData, ReportSection, ReportTable } from './report-data.js';

const MARGIN = 48;
const NAVY = '#1d3b6e';

/** WinAnsi covers Latin-1 plus a few punctuation marks; anything else would print as garbage. */
function plain(value: unknown): string {
  const text = value === null || value === undefined ? '-' : String(value);
  return text.replace(/[^\x20-\x7e\xa0-\xff\u2013\u2014\u2018\u2019\u201c\u201d\u2022\u2026\n]/g, '?');
}

export function renderPdf(report: ReportData, created: Date): Promise<Buffer> {
  const doc = new PDFDocument({
    size: 'A4',
    margin: MARGIN,
    info: {
      Title: `Stele compliance report ${report.from} - ${report.to}`,
      Author: 'Stele',
      CreationDate: created,
    },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  const cp = report.checkpoint;
  doc.font('Helvetica-Bold').fontSize(20).fillColor(NAVY).text('Stele compliance report');
  doc.moveDown(0.2).font('Helvetica').fontSize(10).fillColor('#444');
  doc.text(plain(`Period ${report.from} to ${report.to} (end exclusive) - generated ${report.generated}`));
  doc.text(plain(`Sections: ${report.sections.map((s) => s.title).join(', ')}`));
  doc.moveDown(0.6).font('Helvetica-Bold').fontSize(12).fillColor('#000').text('Computed at checkpoint');
  facts(doc, [
    ['Ledger', cp.origin],
    ['Tree size', cp.size],
    ['Root hash', cp.root],
  ]);
  doc.font('Courier').fontSize(8).fillColor('#333').text(plain(cp.note));
  doc.moveDown(0.4).font('Helvetica').fontSize(9).fillColor('#444');
  doc.text(
    'Every number counts only events with a ledger index below the tree size above, so each is in the signed tree. ' +
      'The signature beside this file (.sig) covers its SHA-256 and that checkpoint: check it with stele verify-report FILE --key VERIFIER_KEY.',
  );
  for (const s of report.sections) section(doc, s);
  doc.end();
  return done;
}

function section(doc: PDFKit.PDFDocument, s: ReportSection): void {
  if (doc.y > doc.page.height - 200) doc.addPage();
  doc.moveDown(1).font('Helvetica-Bold').fontSize(15).fillColor(NAVY).text(plain(s.title));
  const y = doc.y + 2;
  doc
    .moveTo(MARGIN, y)
    .lineTo(doc.page.width - MARGIN, y)
    .strokeColor(NAVY)
    .lineWidth(1.2)
    .stroke();
  doc.moveDown(0.4).font('Helvetica').fontSize(10).fillColor('#000').text(plain(s.purpose));
  doc
    .moveDown(0.2)
    .font('Helvetica-Bold')
    .fontSize(9)
    .fillColor(NAVY)
    .text(plain(`Controls: ${s.controls.join(' | ')}`));
  if (s.query !== undefined)
    doc
      .font('Courier')
      .fontSize(8)
      .fillColor('#333')
      .text(plain(`Events: ${s.query}`));
  doc.moveDown(0.3);
  facts(doc, s.facts);
  for (const t of s.tables) table(doc, t);
}

function facts(doc: PDFKit.PDFDocument, rows: Array<[string, unknown]>): void {
  const width = doc.page.width - 2 * MARGIN;
  for (const [k, v] of rows) {
    if (doc.y > doc.page.height - MARGIN - 20) doc.addPage();
    const y = doc.y;
    const text = plain(v);
    const color =
      text.startsWith('FAILED') || text.startsWith('MISMATCH')
        ? '#b3261e'
        : text.startsWith('PASSED')
          ? '#17723a'
          : '#000';
    doc
      .font('Helvetica')
      .fontSize(9)
      .fillColor('#444')
      .text(plain(k), MARGIN, y, { width: width * 0.36 });
    const after = doc.y;
    doc.fillColor(color).text(text, MARGIN + width * 0.37, y, { width: width * 0.63 });
    doc.y = Math.max(after, doc.y) + 2;
    doc.x = MARGIN;
  }
}

function table(doc: PDFKit.PDFDocument, t: ReportTable): void {
  const width = doc.page.width - 2 * MARGIN;
  const numeric = t.columns.map((_, i) => t.rows.length > 0 && t.rows.every((r) => typeof r[i] === 'number'));
  // Numbers get narrow columns, text shares the rest.
  const narrow = 52;
  const textCols = numeric.filter((n) => !n).length;
  const wide = textCols > 0 ? (width - narrow * (t.columns.length - textCols)) / textCols : narrow;
  const widths = numeric.map((n) => (n ? narrow : wide));
  if (doc.y > doc.page.height - 120) doc.addPage();
  doc.moveDown(0.5).font('Helvetica-Bold').fontSize(10).fillColor('#000').text(plain(t.title), MARGIN);
  const row = (cells: unknown[], bold: boolean) => {
    if (doc.y > doc.page.height - MARGIN - 16) doc.addPage();
    const y = doc.y + 2;
    if (bold) doc.rect(MARGIN, y - 2, width, 14).fill('#eef1f5');
    let x = MARGIN;
    doc
      .font(bold ? 'Helvetica-Bold' : 'Helvetica')
      .fontSize(8)
      .fillColor('#000');
    cells.forEach((c, i) => {
      doc.text(plain(c), x + 3, y, {
        width: widths[i]! - 6,
        height: 10,
        lineBreak: false,
        ellipsis: true,
        align: numeric[i] ? 'right' : 'left',
      });
      x += widths[i]!;
    });
    doc
      .moveTo(MARGIN, y + 12)
      .lineTo(MARGIN + width, y + 12)
      .strokeColor('#d9dde3')
      .lineWidth(0.5)
      .stroke();
    doc.x = MARGIN;
    doc.y = y + 13;
  };
  row(t.columns, true);
  if (t.rows.length === 0) row(['none'], false);
  for (const r of t.rows) row(r, false);
  if (t.more)
    doc
      .font('Helvetica')
      .fontSize(8)
      .fillColor('#444')
      .text(`${t.more} more rows not shown (see the CSV).`, MARGIN);
}
