// One raw audit.log line -> its header (type, time, serial, node) and decoded key=value fields.
// Format: linux/kernel/audit.c and audit-userspace (audit_log_untrustedstring, ENRICHED format).

import { auditTypeNumber } from './auditd-tables.js';

export interface AuditRecord {
  node?: string;
  /** Record type name as written (`SYSCALL`, `USER_LOGIN`, `UNKNOWN[1329]`). */
  type: string;
  typeNumber?: number;
  /** Epoch milliseconds of `audit(seconds.millis:serial)`. */
  time: number;
  /** The kernel's event serial, a uint32 that rolls over. */
  serial: number;
  /** `seconds.millis:serial` exactly as written: the event's identity on its host. */
  id: string;
  /** Decoded fields; `?`, `(null)` and empty values are left out. */
  fields: Record<string, string>;
  /** Fields the ENRICHED log format appends after 0x1d (UID="root" AUID="alice" ...). */
  enriched: Record<string, string>;
  raw: string;
}

// Fields whose value is written either "quoted" or, when it holds unsafe bytes, as bare hex.
const ENCODED_FIELDS = new Set([
  'acct',
  'cmd',
  'comm',
  'cwd',
  'data',
  'dir',
  'exe',
  'file',
  'grp',
  'key',
  'name',
  'new-chardev',
  'new-disk',
  'new-fs',
  'new-net',
  'new-rng',
  'new_group',
  'ocomm',
  'old-chardev',
  'old-disk',
  'old-fs',
  'old-net',
  'old-rng',
  'path',
  'proctitle',
  'root_dir',
  'sw',
  'vm',
  'watch',
]);

const HEADER =
  /(?:^|\s)(?:node=(\S+)\s+)?type=([A-Za-z0-9_]+(?:\[\d+\])?)\s+msg=audit\((\d{1,12})\.(\d{1,3}):(\d{1,10})\):?/;
const HEX = /^(?:[0-9A-Fa-f]{2})+$/;
const MAX_SERIAL = 0xffffffff;

/** Parses one line; returns the record or the reason it is not one. */
export function parseAuditRecord(line: string): AuditRecord | string {
  const m = HEADER.exec(line);
  if (!m) return 'not an audit record: no "type=... msg=audit(seconds.millis:serial):" header';
  const [, node, type, sec, frac, serialText] = m;
  const serial = Number(serialText);
  if (serial > MAX_SERIAL) return `audit serial ${serialText} exceeds 32 bits`;
  const time = Number(sec) * 1000 + Number((frac ?? '0').padEnd(3, '0'));
  const body = line.slice(m.index + m[0].length);
  const split = body.indexOf('\x1d');
  const fields: Record<string, string> = {};
  const execve = type === 'EXECVE' ? new Set<string>() : undefined;
  tokenize(split < 0 ? body : body.slice(0, split), fields, execve);
  const enriched: Record<string, string> = {};
  if (split >= 0) tokenize(body.slice(split + 1), enriched, undefined);
  if (execve) joinChunkedArgs(fields, execve);
  if (type === 'SOCKADDR' && fields.saddr) Object.assign(fields, decodeSockaddr(fields.saddr));
  return {
    node,
    type: type!,
    typeNumber: auditTypeNumber(type!),
    time,
    serial,
    id: `${sec}.${frac}:${serialText}`,
    fields,
    enriched,
    raw: line,
  };
}

/**
 * Splits `k=v k="v w" msg='k=v ...'` into fields; bare words are only used for a few forms.
 * `execve` is given for an EXECVE record: it collects the pieces of long arguments that are hex.
 */
function tokenize(text: string, out: Record<string, string>, execve: Set<string> | undefined): void {
  const n = text.length;
  let i = 0;
  let prefix = ''; // "old auid=..." / "new auid=..." in old LOGIN records
  let avc = false;
  while (i < n) {
    while (i < n && isSpace(text.charCodeAt(i))) i++;
    if (i >= n) break;
    const wordEnd = scanWord(text, i);
    const eq = indexWithin(text, 0x3d, i, wordEnd); // '=' inside this word only: linear on bare words
    if (eq <= i) {
      const word = text.slice(i, wordEnd);
      i = wordEnd;
      if (word === 'old' || word === 'new') prefix = `${word}_`;
      else if (word === 'avc:') avc = true;
      else if (avc && (word === 'denied' || word === 'granted')) out.seresult = word;
      else if (avc && word === '{') i = readPermissions(text, i, out);
      continue;
    }
    const key = prefix + text.slice(i, eq).replace(/^\(/, '');
    prefix = '';
    i = eq + 1;
    const q = text.charAt(i);
    if (q === '"') {
      const close = text.indexOf('"', i + 1);
      const end = close < 0 ? n : close;
      setField(out, key, text.slice(i + 1, end), true, execve);
      i = end + 1;
    } else if (q === "'") {
      const end = closingSingleQuote(text, i + 1);
      const inner = text.slice(i + 1, end);
      if (key === 'msg') tokenize(inner, out, undefined);
      else setField(out, key, inner, true, execve);
      i = end + 1;
    } else {
      const end = scanWord(text, i);
      setField(out, key, cleanBare(text.slice(i, end)), false, execve);
      i = end;
    }
  }
}

function isSpace(code: number): boolean {
  return code === 0x20 || code === 0x09;
}

/** Position of `code` in text[from, to), or -1. */
function indexWithin(text: string, code: number, from: number, to: number): number {
  for (let k = from; k < to; k++) if (text.charCodeAt(k) === code) return k;
  return -1;
}

function scanWord(text: string, from: number): number {
  let i = from;
  while (i < text.length && !isSpace(text.charCodeAt(i))) i++;
  return i;
}

/** The `'` that closes msg='...': the next one followed by a space or the end. */
function closingSingleQuote(text: string, from: number): number {
  let at = text.indexOf("'", from);
  while (at >= 0 && at + 1 < text.length && !isSpace(text.charCodeAt(at + 1))) at = text.indexOf("'", at + 1);
  return at < 0 ? text.length : at;
}

/** `{ read write }` after "avc:  denied" -> seperms=read,write. */
function readPermissions(text: string, from: number, out: Record<string, string>): number {
  const close = text.indexOf('}', from);
  const end = close < 0 ? text.length : close;
  const perms = text.slice(from, end).trim().split(/\s+/).filter(Boolean);
  if (perms.length > 0) out.seperms = perms.join(',');
  return end + 1;
}

/** Strips list punctuation that old PAM messages put around bare values: "(hostname=?, ...)". */
function cleanBare(value: string): string {
  let v = value;
  if (v.endsWith(',')) v = v.slice(0, -1);
  if (v.endsWith(')') && !v.includes('(')) v = v.slice(0, -1);
  if (v.endsWith('"')) v = v.slice(0, -1);
  return v;
}

/** A piece of a long EXECVE argument: `a1[0]`, `a1[1]`, ... */
const ARG_PIECE = /^a\d+\[\d+\]$/;

function setField(
  out: Record<string, string>,
  key: string,
  value: string,
  quoted: boolean,
  execve: Set<string> | undefined,
) {
  if (value === '' || value === '?' || value === '(null)') return;
  let v = value;
  if (execve && ARG_PIECE.test(key)) {
    // Kept as written: hex pieces are decoded once joined, since a piece can end inside a
    // multi-byte UTF-8 character.
    if (!quoted && HEX.test(v)) execve.add(key);
    out[key] = v;
    return;
  }
  if (!quoted && HEX.test(v) && (ENCODED_FIELDS.has(key) || (execve && /^a\d+$/.test(key)))) {
    v = decodeHex(v);
    if (key === 'proctitle') v = v.replace(/\0+$/, '').replace(/\0/g, ' ');
  }
  out[key] = v;
}

/** Hex to text: UTF-8 when valid, else Latin-1 so no byte is lost. */
export function decodeHex(hex: string): string {
  const bytes = Buffer.from(hex, 'hex');
  const text = bytes.toString('utf8');
  return text.includes('\ufffd') ? bytes.toString('latin1') : text;
}

/**
 * Long EXECVE arguments arrive as `a1_len=N a1[0]=... a1[1]=...`: join them back into `a1`. The
 * kernel encodes an argument's pieces alike, all hex or all quoted; hex pieces (`hexPieces`) are
 * joined before they are decoded, so a character cut between two pieces comes out whole.
 */
function joinChunkedArgs(fields: Record<string, string>, hexPieces: ReadonlySet<string>): void {
  const chunks = new Map<string, Array<{ value: string; hex: boolean }>>();
  for (const [key, value] of Object.entries(fields)) {
    const m = /^(a\d+)\[(\d+)\]$/.exec(key);
    if (!m) continue;
    const list = chunks.get(m[1]!) ?? [];
    list[Number(m[2])] = { value, hex: hexPieces.has(key) };
    chunks.set(m[1]!, list);
    delete fields[key];
  }
  for (const [arg, sparse] of chunks) {
    const list = sparse.filter((piece) => piece !== undefined);
    fields[arg] = list.every((piece) => piece.hex)
      ? decodeHex(list.map((piece) => piece.value).join(''))
      : list.map((piece) => (piece.hex ? decodeHex(piece.value) : piece.value)).join('');
    delete fields[`${arg}_len`];
  }
}

/** Decodes `saddr` (struct sockaddr as hex) the way auparse does: family, addr, port or path. */
export function decodeSockaddr(hex: string): Record<string, string> {
  if (!HEX.test(hex) || hex.length < 4) return {};
  const b = Buffer.from(hex, 'hex');
  const family = b.readUInt16LE(0);
  if (family === 2 && b.length >= 8) {
    return { family: 'ipv4', port: String(b.readUInt16BE(2)), addr: [...b.subarray(4, 8)].join('.') };
  }
  if (family === 10 && b.length >= 24) {
    return { family: 'ipv6', port: String(b.readUInt16BE(2)), addr: formatIpv6(b.subarray(8, 24)) };
  }
  if (family === 1) {
    const rest = b.subarray(2);
    const nul = rest.indexOf(0);
    const path = rest.subarray(0, nul < 0 ? rest.length : nul).toString('utf8');
    return path ? { family: 'unix', path } : { family: 'unix' };
  }
  if (family === 16) return { family: 'netlink' };
  return { family: String(family) };
}

/** RFC 5952 text form: lower case, longest run of zero groups (two or more) as "::". */
function formatIpv6(bytes: Buffer): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(i));
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hexes = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hexes.join(':');
  return `${hexes.slice(0, bestStart).join(':')}::${hexes.slice(bestStart + bestLen).join(':')}`;
}
