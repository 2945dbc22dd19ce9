// Does a ledger entry (canonical JSON, personal values replaced by commitments) describe the event
// the server showed? Every field outside the commitments must be equal; committed values cannot be
// checked without their salts (docs/ledger.md section 1), so they are only counted.

const COMMITMENT = 'hmac-sha256:';

export interface EntryMatch {
  /** Leaf values compared equal. */
  checked: number;
  /** Values the entry holds only as a commitment, by field. */
  committed: string[];
  /** The first field where entry and event differ. */
  mismatch?: string;
}

export function matchEntry(entry: unknown, event: unknown): EntryMatch {
  const result: EntryMatch = { checked: 0, committed: [] };
  compare(entry, event, '', result);
  return result;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function compare(entry: unknown, event: unknown, path: string, out: EntryMatch): void {
  if (out.mismatch !== undefined) return;
  if (typeof entry === 'string' && entry.startsWith(COMMITMENT) && event !== entry) {
    out.committed.push(path);
    return;
  }
  if (isObject(entry) && isObject(event)) {
    const keys = new Set([...Object.keys(entry), ...Object.keys(event)]);
    for (const k of keys) compare(entry[k], event[k], path ? `${path}.${k}` : k, out);
    return;
  }
  if (Array.isArray(entry) && Array.isArray(event) && entry.length === event.length) {
    entry.forEach((v, i) => compare(v, event[i], `${path}[${i}]`, out));
    return;
  }
  if (entry === event && (entry === null || typeof entry !== 'object')) {
    out.checked++;
    return;
  }
  out.mismatch = path || '(root)';
}
