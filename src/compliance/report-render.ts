// Renders a computed report (report-data.ts) as a self-contained HTML page or as CSV. Every value is
// escaped for its format: HTML entities, and CSV cells that never start a formula.

import { csvLine } from '../query/investigate-output.js';
import type { ReportData, ReportSection, ReportTable } from './report-data.js';

function esc(value: unknown): string {
  const text = value === null || value === undefined ? '-' : String(value);
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d2330;margin:0;background:#f4f5f7}
main{max-width:1040px;margin:0 auto;padding:28px 32px;background:#fff}
h1{font-size:24px;margin:0 0 4px}h2{font-size:19px;margin:28px 0 6px;padding-top:14px;border-top:2px solid #1d3b6e}
h3{font-size:15px;margin:18px 0 6px}.meta{color:#555;margin:0 0 16px}
.controls span{display:inline-block;background:#e8eef8;color:#1d3b6e;border-radius:4px;padding:1px 7px;margin:0 4px 4px 0;font-size:12px}
table{border-collapse:collapse;width:100%;margin:6px 0 10px;font-size:13px}
th,td{border-bottom:1px solid #e2e5ea;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f0f2f5;font-weight:600}td.n{text-align:right;font-variant-numeric:tabular-nums}
.facts td:first-child{width:36%;color:#444}code,pre{font:12px ui-monospace,Menlo,Consolas,monospace}
pre{background:#f6f7f9;padding:8px;border-radius:4px;white-space:pre-wrap;word-break:break-all}
.pass{color:#17723a;font-weight:600}.fail{color:#b3261e;font-weight:600}`;

export function renderHtml(report: ReportData): string {
  const cp = report.checkpoint;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Stele compliance report ${esc(report.from)} – ${esc(report.to)}</title>
<style>${STYLE}</style></head><body><main>
<h1>Stele compliance report</h1>
<p class="meta">Period ${esc(report.from)} to ${esc(report.to)} (end exclusive) · generated ${esc(report.generated)} ·
sections: ${esc(report.sections.map((s) => s.title).join(', '))}</p>
<h3>Computed at checkpoint</h3>
<table class="facts"><tr><td>Ledger</td><td><code>${esc(cp.origin)}</code></td></tr>
<tr><td>Tree size</td><td>${esc(cp.size)}</td></tr><tr><td>Root hash</td><td><code>${esc(cp.root)}</code></td></tr></table>
<pre>${esc(cp.note)}</pre>
<p class="meta">Every number counts only events with a ledger index below the tree size above, so each is in the
signed tree. The signature beside this file (<code>.sig</code>) covers this file's SHA-256 and that checkpoint:
check it with <code>stele verify-report FILE --key VERIFIER_KEY</code>.</p>
${report.sections.map(sectionHtml).join('\n')}
</main></body></html>
`;
}

function sectionHtml(s: ReportSection): string {
  const facts = s.facts
    .map(([k, v]) => {
      const cls =
        typeof v === 'string' && v.startsWith('PASSED')
          ? ' class="pass"'
          : typeof v === 'string' && v.startsWith('FAILED')
            ? ' class="fail"'
            : '';
      return `<tr><td>${esc(k)}</td><td${cls}>${esc(v)}</td></tr>`;
    })
    .join('');
  return `<section id="${esc(s.type)}"><h2>${esc(s.title)}</h2>
<p>${esc(s.purpose)}</p>
<p class="controls">${s.controls.map((c) => `<span>${esc(c)}</span>`).join('')}</p>
${s.query === undefined ? '' : `<p class="meta">Events: <code>${esc(s.query)}</code></p>`}
<table class="facts">${facts}</table>
${s.tables.map(tableHtml).join('\n')}</section>`;
}

function tableHtml(t: ReportTable): string {
  const head = t.columns.map((c) => `<th>${esc(c)}</th>`).join('');
  const body =
    t.rows.length === 0
      ? `<tr><td colspan="${t.columns.length}">none</td></tr>`
      : t.rows
          .map(
            (r) =>
              `<tr>${r.map((v) => `<td${typeof v === 'number' ? ' class="n"' : ''}>${esc(v)}</td>`).join('')}</tr>`,
          )
          .join('');
  const more = t.more
    ? `<p class="meta">${t.more} more rows not shown (CSV and stele stats list them all).</p>`
    : '';
  return `<h3>${esc(t.title)}</h3><table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>${more}`;
}

/**
 * CSV: one block per table, each row led by the section and table it belongs to, so the file sorts
 * and filters in a spreadsheet: `section,table,<columns...>`.
 */
export function renderCsv(report: ReportData): string {
  const cp = report.checkpoint;
  let out = csvLine(['section', 'table', 'key', 'value']);
  out += csvLine(['report', 'period', 'from', report.from]);
  out += csvLine(['report', 'period', 'to', report.to]);
  out += csvLine(['report', 'period', 'generated', report.generated]);
  out += csvLine(['report', 'checkpoint', 'origin', cp.origin]);
  out += csvLine(['report', 'checkpoint', 'size', cp.size]);
  out += csvLine(['report', 'checkpoint', 'root', cp.root]);
  for (const s of report.sections) {
    out += csvLine([s.type, 'controls', 'controls', s.controls.join('; ')]);
    if (s.query !== undefined) out += csvLine([s.type, 'query', 'query', s.query]);
    for (const [k, v] of s.facts) out += csvLine([s.type, 'facts', k, v]);
    for (const t of s.tables) {
      out += csvLine([s.type, t.title, ...t.columns]);
      for (const r of t.rows) out += csvLine([s.type, t.title, ...r]);
    }
  }
  return out;
}
