// A source's own field names, read from `event.original` when a rule asks for a field the ECS event
// lacks: JSON records (Kubernetes audit, CloudTrail) as they are; auditd lines as key=value pairs
// (hex-encoded values decoded, as auditd writes untrusted strings); sudo/PAM/syslog lines as the
// `KEY=value` pairs they carry (sudo's `USER=`, `COMMAND=`, PAM's `rhost=`).

import type { NativeFormat } from './routing.js';

export type NativeRecord = Record<string, unknown>;

export function parseNative(format: NativeFormat, original: string): NativeRecord {
  switch (format) {
    case 'json':
      return parseJsonRecord(original);
    case 'auditd':
      return parseAuditd(original);
    case 'kv':
      return parseKeyValues(original);
  }
}

function parseJsonRecord(text: string): NativeRecord {
  const t = text.trimStart();
  if (!t.startsWith('{')) return {};
  try {
    const v: unknown = JSON.parse(t);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as NativeRecord) : {};
  } catch {
    return {};
  }
}

/** auditd fields that hold untrusted strings: written hex-encoded (unquoted) when they contain spaces etc. */
const ENCODED = new Set([
  'cwd',
  'name',
  'proctitle',
  'exe',
  'comm',
  'cmd',
  'data',
  'path',
  'acct',
  'new',
  'old',
]);

function decodeHex(hex: string): string {
  const bytes = Buffer.from(hex, 'hex');
  // proctitle separates arguments with NUL bytes.
  return bytes.toString('utf8').replace(/\0+$/, '').replace(/\0/g, ' ');
}

function isKeyChar(c: number): boolean {
  // [A-Za-z0-9_-]
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 45;
}

/**
 * Scans `key=value` pairs from `from` to `to`: values are "double-quoted", 'single-quoted' (auditd's
 * msg='…' holding the user-space fields, scanned in turn) or run to the next space.
 */
function scanPairs(
  line: string,
  from: number,
  to: number,
  emit: (k: string, v: string, quoted: boolean) => void,
): void {
  let i = from;
  while (i < to) {
    while (i < to && !isKeyChar(line.charCodeAt(i))) i++;
    const keyStart = i;
    while (i < to && isKeyChar(line.charCodeAt(i))) i++;
    if (i >= to || line.charCodeAt(i) !== 61 /* = */ || i === keyStart) {
      while (i < to && line.charCodeAt(i) !== 32) i++; // not a pair: skip the word
      continue;
    }
    const key = line.slice(keyStart, i);
    i++;
    const q = line.charCodeAt(i);
    if (q === 34 /* " */ || q === 39 /* ' */) {
      let end = line.indexOf(q === 34 ? '"' : "'", i + 1);
      if (end < 0 || end > to) end = to;
      if (q === 39) scanPairs(line, i + 1, end, emit);
      else emit(key, line.slice(i + 1, end), true);
      i = end + 1;
    } else {
      const start = i;
      while (i < to && line.charCodeAt(i) !== 32) i++;
      emit(key, line.slice(start, i), false);
    }
  }
}

/** The fields of one auditd record (`type=SYSCALL msg=audit(…): k=v …`). */
function auditdPairs(line: string, emit: (k: string, v: string) => void): void {
  const enrichedAt = line.indexOf('\x1d');
  const end = enrichedAt >= 0 ? enrichedAt : line.length;
  const typeMatch = /^type=(\S+)/.exec(line);
  const execve = typeMatch?.[1] === 'EXECVE';
  scanPairs(line, 0, end, (key, value, quoted) => {
    if (key === 'msg' && value.startsWith('audit(')) return;
    const encoded = ENCODED.has(key) || (execve && /^a\d+$/.test(key));
    const hex =
      !quoted && encoded && value.length >= 2 && value.length % 2 === 0 && /^[0-9A-Fa-f]+$/.test(value);
    emit(key, hex ? decodeHex(value) : value);
  });
  // ENRICHED format: interpreted values (SYSCALL=socket, UID="root") after a 0x1d separator.
  if (enrichedAt >= 0) scanPairs(line, enrichedAt + 1, line.length, (key, value) => emit(key, value));
}

/**
 * One record, or the records of one event (SYSCALL, EXECVE, CWD, PATH, PROCTITLE...) one per line:
 * a key present in several records with different values becomes a list of them, so `type: EXECVE`
 * and `exe|endswith: /arp` both match the event, as a rule over any of its records would.
 */
export function parseAuditd(text: string): NativeRecord {
  const out: NativeRecord = Object.create(null) as NativeRecord;
  const lines = text.includes('\n') ? text.split('\n') : [text];
  for (const line of lines) {
    auditdPairs(line, (k, v) => {
      const prev = out[k];
      if (prev === undefined) out[k] = v;
      else if (Array.isArray(prev)) {
        if (!prev.includes(v)) prev.push(v);
      } else if (prev !== v) out[k] = [prev, v];
    });
  }
  return out;
}

/** `KEY=value` pairs of a log line; sudo's ` ; `-separated values may contain spaces. */
export function parseKeyValues(text: string): NativeRecord {
  const out: NativeRecord = Object.create(null) as NativeRecord;
  const add = (k: string, v: string) => {
    if (!Object.hasOwn(out, k)) out[k] = v;
  };
  if (text.includes(' ; ')) {
    for (const part of text.split(' ; ')) {
      const m = /([A-Za-z_][\w.-]*)=(.*)$/.exec(part.trim());
      if (m !== null) add(m[1] as string, (m[2] as string).trim());
    }
    return out;
  }
  for (const m of text.matchAll(/(?:^|\s)([A-Za-z_][\w.-]*)=("([^"]*)"|[^\s;]*)/g))
    add(m[1] as string, m[3] ?? (m[2] as string));
  return out;
}
