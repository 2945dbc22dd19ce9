// Decodes one syslog message, RFC 5424 (IETF) or RFC 3164 (BSD), into its header fields, structured
// data and MSG. Strict where the RFCs are (so malformed input is named, with its column), lenient
// where they say to be (an unknown escape in a PARAM-VALUE stays as written, RFC 5424 6.3.3).

import { ValidationError } from '../core/errors.js';
import { matchBsdTime, matchIsoTime } from './syslog-time.js';

export type StructuredData = Record<string, Record<string, string>>;

export interface SyslogMessage {
  protocol: 'rfc5424' | 'rfc3164';
  /** PRI value 0-191 (RFC 5424 6.2.1). */
  priority: number;
  facility: number;
  severity: number;
  /** RFC 5424 VERSION (1-999); absent for RFC 3164. */
  version?: number;
  /** As written: RFC 3339 for RFC 5424, `Mmm dd hh:mm:ss` (year-less) or RFC 3339 for RFC 3164. */
  timestamp?: string;
  hostname?: string;
  appName?: string;
  procId?: string;
  msgId?: string;
  /** RFC 5424 STRUCTURED-DATA, values unescaped; objects have no prototype. */
  structuredData?: StructuredData;
  /** MSG without its byte order mark; absent when empty. */
  msg?: string;
  /** MSG started with a UTF-8 BOM (RFC 5424 6.4: it is then UTF-8 encoded). */
  bom?: boolean;
}

export interface SyslogParseOptions {
  /**
   * Reject an RFC 5424 MSG that starts with a BOM but is not valid UTF-8. With a string input the
   * decoding already happened: a U+FFFD in such a MSG is taken as the mark of invalid bytes.
   */
  compliantMsg?: boolean;
}

export type SyslogParseResult = SyslogMessage | { error: string };

const BOM = '\uFEFF';
const NIL = '-';
const strictDecoder = new TextDecoder('utf-8', { fatal: true });
const lenientDecoder = new TextDecoder('utf-8');

/** Thrown inside the decoder only, and turned into `{ error }` by parseSyslogMessage. */
class SyslogSyntaxError extends ValidationError {
  /** 0-based column of the problem, or -1 when it is about the message as a whole. */
  readonly column: number;
  constructor(message: string, column: number) {
    super(column < 0 ? message : `${message} (column ${column + 1})`);
    this.column = column;
  }
}

const fail = (message: string, column: number): never => {
  throw new SyslogSyntaxError(message, column);
};

/** Parses one message (one frame: no framing, no trailing LF expected). Never throws. */
export function parseSyslogMessage(
  input: string | Uint8Array,
  options: SyslogParseOptions = {},
): SyslogParseResult {
  const text = typeof input === 'string' ? input : lenientDecoder.decode(input);
  try {
    const message = parseText(text);
    if (options.compliantMsg) checkCompliantMsg(message, input);
    return message;
  } catch (err) {
    if (err instanceof SyslogSyntaxError) return { error: err.message };
    return { error: `unparsable syslog message: ${String(err)}` };
  }
}

function parseText(text: string): SyslogMessage {
  const { priority, end } = readPri(text);
  const head = { priority, facility: priority >> 3, severity: priority & 7 };
  const c = text.charCodeAt(end);
  if (c >= 48 && c <= 57) {
    // Digits after PRI: the RFC 5424 VERSION, unless it is the year of an RFC 3339 timestamp
    // that rsyslog writes in BSD messages (`<13>2024-05-01T...`).
    if (isIsoYear(text, end)) return parseRfc3164(text, end, head);
    return parseRfc5424(text, end, head);
  }
  if (matchBsdTime(text, end)) return parseRfc3164(text, end, head);
  return fail('expecting an RFC 5424 version value or an RFC 3164 timestamp after the priority', end);
}

// RFC 5424 6.2.1: PRI = "<" PRIVAL ">", PRIVAL 0-191, 1 to 3 digits, no leading zero.
function readPri(text: string): { priority: number; end: number } {
  if (text.charCodeAt(0) !== 60) fail('expecting a priority value within angle brackets', 0);
  let i = 1;
  while (i < text.length && i <= 4 && isDigit(text.charCodeAt(i))) i++;
  const digits = text.slice(1, i);
  if (digits.length === 0 || digits.length > 3 || text.charCodeAt(i) !== 62) {
    fail('expecting a priority value in the range 0-191 within angle brackets', i);
  }
  if (digits.length > 1 && digits[0] === '0') fail('priority value must not have leading zeros', 1);
  const priority = Number(digits);
  if (priority > 191) fail('expecting a priority value in the range 0-191', 1);
  return { priority, end: i + 1 };
}

function isIsoYear(text: string, pos: number): boolean {
  for (let k = 0; k < 4; k++) if (!isDigit(text.charCodeAt(pos + k))) return false;
  return text.charCodeAt(pos + 4) === 45; // '-'
}

type Head = Pick<SyslogMessage, 'priority' | 'facility' | 'severity'>;

// RFC 5424 6: HEADER SP STRUCTURED-DATA [SP MSG]
function parseRfc5424(text: string, start: number, head: Head): SyslogMessage {
  const message: SyslogMessage = {
    protocol: 'rfc5424',
    priority: head.priority,
    facility: head.facility,
    severity: head.severity,
  };
  let pos = start;
  const versionEnd = scanToken(text, pos);
  const version = text.slice(pos, versionEnd);
  if (!/^[1-9]\d{0,2}$/.test(version)) fail('expecting a version value in the range 1-999', pos);
  message.version = Number(version);
  pos = expectSpace(text, versionEnd, 'version');

  const tsEnd = scanToken(text, pos);
  const timestamp = text.slice(pos, tsEnd);
  if (timestamp !== NIL) {
    if (!isRfc5424Timestamp(timestamp))
      fail('expecting an RFC 3339 timestamp (RFC 5424 6.2.3) or a nil value', pos);
    message.timestamp = timestamp;
  }
  pos = expectSpace(text, tsEnd, 'timestamp');

  const fields = [
    ['hostname', 255],
    ['app-name', 48],
    ['procid', 128],
    ['msgid', 32],
  ] as const;
  const values: Array<string | undefined> = [];
  for (const [name, max] of fields) {
    const end = scanToken(text, pos);
    const value = text.slice(pos, end);
    if (value.length === 0 || value.length > max || !isPrintUsAscii(value)) {
      fail(`expecting ${name} (1 to ${max} printable US-ASCII characters) or a nil value`, pos);
    }
    values.push(value === NIL ? undefined : value);
    pos = expectSpace(text, end, name);
  }
  const [hostname, appName, procId, msgId] = values;
  if (hostname !== undefined) message.hostname = hostname;
  if (appName !== undefined) message.appName = appName;
  if (procId !== undefined) message.procId = procId;
  if (msgId !== undefined) message.msgId = msgId;

  if (text.charCodeAt(pos) === 45 /* - */) {
    pos++;
  } else if (text.charCodeAt(pos) === 91 /* [ */) {
    const sd = readStructuredData(text, pos);
    message.structuredData = sd.data;
    pos = sd.end;
  } else {
    fail('expecting a structured data section ([id key="value"]...) or a nil value', pos);
  }
  if (pos < text.length) {
    if (text.charCodeAt(pos) !== 32) fail('expecting a space after the structured data', pos);
    setMsg(message, text.slice(pos + 1));
  }
  return message;
}

function scanToken(text: string, pos: number): number {
  const end = text.indexOf(' ', pos);
  return end < 0 ? text.length : end;
}

function expectSpace(text: string, pos: number, after: string): number {
  if (text.charCodeAt(pos) !== 32) fail(`expecting a space after the ${after}`, pos);
  return pos + 1;
}

// RFC 5424 6.2.3: FULL-DATE "T" FULL-TIME, upper-case T and Z, at most 6 fraction digits, no leap second.
const RFC5424_TIMESTAMP =
  /^(\d{4})-(\d\d)-(\d\d)T([01]\d|2[0-3]):([0-5]\d):([0-5]\d)(\.\d{1,6})?(Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)$/;

function isRfc5424Timestamp(value: string): boolean {
  const m = RFC5424_TIMESTAMP.exec(value);
  if (!m) return false;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  return month >= 1 && month <= 12 && day >= 1 && day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function isPrintUsAscii(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 33 || c > 126) return false;
  }
  return true;
}

// SD-NAME: 1-32 PRINTUSASCII except '=', SP, ']', '"' (RFC 5424 6.3.2, 6.3.3).
function readSdName(text: string, pos: number, what: string): number {
  let i = pos;
  while (i < text.length && i - pos <= 32) {
    const c = text.charCodeAt(i);
    if (c < 33 || c > 126 || c === 61 || c === 93 || c === 34) break;
    i++;
  }
  if (i === pos || i - pos > 32)
    fail(
      `expecting a structured data ${what} (1 to 32 printable US-ASCII characters except =, space, ] and ")`,
      i,
    );
  return i;
}

function readStructuredData(text: string, start: number): { data: StructuredData; end: number } {
  const data: StructuredData = Object.create(null) as StructuredData;
  let pos = start;
  while (text.charCodeAt(pos) === 91 /* [ */) {
    const idEnd = readSdName(text, pos + 1, 'element id');
    const id = text.slice(pos + 1, idEnd);
    if (Object.hasOwn(data, id)) fail(`duplicate structured data element id '${id}'`, pos + 1);
    const params: Record<string, string> = Object.create(null) as Record<string, string>;
    data[id] = params;
    pos = idEnd;
    while (text.charCodeAt(pos) === 32) {
      const nameEnd = readSdName(text, pos + 1, 'parameter name');
      const name = text.slice(pos + 1, nameEnd);
      if (text.charCodeAt(nameEnd) !== 61 || text.charCodeAt(nameEnd + 1) !== 34) {
        fail('expecting a structured data parameter (key="value")', nameEnd);
      }
      const value = readParamValue(text, nameEnd + 2);
      params[name] = value.value;
      pos = value.end;
    }
    if (text.charCodeAt(pos) !== 93 /* ] */)
      fail('expecting a structured data parameter or the closing ]', pos);
    pos++;
  }
  return { data, end: pos };
}

// PARAM-VALUE: '"', '\' and ']' MUST be escaped; any other backslash stays as written (6.3.3).
function readParamValue(text: string, start: number): { value: string; end: number } {
  let out = '';
  let chunk = start;
  for (let i = start; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) return { value: out + text.slice(chunk, i), end: i + 1 };
    if (c === 93) fail('structured data parameter value: ], " and \\ must be escaped', i);
    if (c === 92) {
      const next = text.charCodeAt(i + 1);
      if (next === 34 || next === 92 || next === 93) {
        out += text.slice(chunk, i);
        chunk = i + 1;
        i++;
      }
    }
  }
  return fail('structured data parameter value: missing closing quote', text.length);
}

function setMsg(message: SyslogMessage, raw: string): void {
  let msg = raw;
  if (msg.startsWith(BOM)) {
    message.bom = true;
    msg = msg.slice(1);
  }
  if (msg.length > 0) message.msg = msg;
}

// RFC 3164 4.1: PRI TIMESTAMP SP HOSTNAME SP [TAG[pid]: ] CONTENT. Messages read from a local
// socket have no HOSTNAME; a first token shaped like a tag (`app:` / `app[12]:`) is taken as one.
const TAG = /([^\s:[\]]{1,48})(?:\[([^\]\s]{1,128})\])?:(?: |$)/y;

function parseRfc3164(text: string, start: number, head: Head): SyslogMessage {
  const message: SyslogMessage = {
    protocol: 'rfc3164',
    priority: head.priority,
    facility: head.facility,
    severity: head.severity,
  };
  let pos = start;
  const bsd = matchBsdTime(text, pos);
  const end = bsd ? bsd.end : (matchIsoTime(text, pos)?.end ?? -1);
  if (end < 0 || (end < text.length && text.charCodeAt(end) !== 32)) {
    fail('expecting an RFC 3164 timestamp (Mmm dd hh:mm:ss) or an RFC 3339 one', pos);
  }
  message.timestamp = text.slice(pos, end);
  pos = skipSpaces(text, end);

  TAG.lastIndex = pos;
  if (!TAG.test(text)) {
    const hostEnd = scanToken(text, pos);
    if (hostEnd > pos) {
      const hostname = text.slice(pos, hostEnd);
      if (hostname.length > 255 || !isPrintUsAscii(hostname))
        fail('expecting a hostname (printable US-ASCII)', pos);
      if (hostname !== NIL) message.hostname = hostname; // some relays write RFC 5424's NILVALUE
    }
    pos = skipSpaces(text, hostEnd);
  }
  TAG.lastIndex = pos;
  const tag = TAG.exec(text);
  if (tag) {
    message.appName = tag[1];
    if (tag[2] !== undefined) message.procId = tag[2];
    pos = TAG.lastIndex;
  }
  setMsg(message, text.slice(pos));
  return message;
}

function skipSpaces(text: string, pos: number): number {
  let i = pos;
  while (text.charCodeAt(i) === 32) i++;
  return i;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

// RFC 5424 6.4: a MSG that starts with a BOM is UTF-8; PARAM-VALUEs are UTF-8 in any case.
function checkCompliantMsg(message: SyslogMessage, input: string | Uint8Array): void {
  if (message.protocol !== 'rfc5424') return;
  if (typeof input !== 'string') {
    try {
      strictDecoder.decode(input);
      return;
    } catch {
      // fall through: find out which part holds the invalid bytes
    }
  }
  if (message.bom && message.msg?.includes('\uFFFD')) {
    fail('MSG starts with a BOM but is not valid UTF-8 (RFC 5424 6.4)', -1);
  }
  for (const params of Object.values(message.structuredData ?? {})) {
    for (const value of Object.values(params)) {
      if (value.includes('\uFFFD')) fail('structured data parameter value is not valid UTF-8', -1);
    }
  }
}
