// CSV for exports and reports: a cell never starts with a formula character (OWASP "CSV
// injection"), and quotes, commas and line breaks never break a row.

export function csvCell(value: unknown): string {
  if (value === undefined || value === null) return '';
  let text = typeof value === 'string' ? value : JSON.stringify(value);
  // A leading = + - @ (or tab/CR, which some spreadsheets strip first) would be read as a formula.
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  if (/[",\r\n]/.test(text)) text = `"${text.replace(/"/g, '""')}"`;
  return text;
}

export function csvRow(values: unknown[]): string {
  return values.map(csvCell).join(',') + '\r\n';
}
