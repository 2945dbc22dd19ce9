// Display helpers: dotted-field access and flattening of nested events, times and numbers.

export function getField(event: unknown, field: string): unknown {
  let v: unknown = event;
  for (const part of field.split('.')) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  if (v === undefined && event && typeof event === 'object') return (event as Record<string, unknown>)[field];
  return v;
}

/** Every leaf of a nested object as [dotted name, value], arrays kept whole. */
export function flatten(value: unknown, prefix = ''): Array<[string, unknown]> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [[prefix, value]];
  return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) =>
    flatten(v, prefix ? `${prefix}.${k}` : k),
  );
}

export function show(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

export function formatTime(iso: string | number): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  return d.toISOString().replace('T', ' ').replace('Z', '');
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

export function formatBytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${n.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

/** Quotes a value for the query language when it is not a plain word. */
export function queryValue(value: string): string {
  return /^[^\s()[\]{}"\\*?:<>]+$/.test(value) ? value : `"${value.replace(/["\\]/g, '\\$&')}"`;
}
