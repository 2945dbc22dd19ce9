// Turns a parsed query into a dialect-neutral Predicate tree that the store compiles to SQL, and
// evaluates one in memory (`matchesPredicate`): the live tail uses it, and it is the reference
// semantics the SQL compilers are tested against. docs/query-language.md describes both.

import type { QueryNode, ScalarValue, ValueNode, WildcardPattern } from './ast.js';
import { QuerySyntaxError } from './lexer.js';
import { parseTime, resolveTimeSpan } from './time.js';

export type { PatternPart, WildcardPattern } from './ast.js';

export interface RangeBounds<T> {
  gt?: T;
  gte?: T;
  lt?: T;
  lte?: T;
}

/** Numbers for numeric fields, epoch ms for dates, ipToComparable() hex for IPs, text otherwise. */
export type RangePredicate =
  | ({ kind: 'range'; field: string; type: 'number' | 'date' } & RangeBounds<number>)
  | ({ kind: 'range'; field: string; type: 'string' | 'ip' } & RangeBounds<string>);

/**
 * An address block as an inclusive range of ipToComparable() values (32 lower-case hex digits of
 * the 128-bit address, IPv4 mapped to ::ffff:a.b.c.d), so `low <= x AND x <= high` on text works.
 * `version` and `prefix` are as written: 10.0.0.0/8 is version 4, prefix 8. A bare IP is a /32 or /128.
 */
export interface CidrPredicate {
  kind: 'cidr';
  field: string;
  version: 4 | 6;
  prefix: number;
  low: string;
  high: string;
}

/** Case-insensitive (ASCII) substring search in any of `fields`. */
export type TextPredicate =
  | { kind: 'text'; fields: string[]; match: 'term' | 'phrase'; value: string }
  | { kind: 'text'; fields: string[]; match: 'wildcard'; pattern: WildcardPattern };

export type Predicate =
  | { kind: 'all' }
  | { kind: 'and'; items: Predicate[] }
  | { kind: 'or'; items: Predicate[] }
  | { kind: 'not'; item: Predicate }
  | { kind: 'eq'; field: string; value: string | number }
  | { kind: 'wildcard'; field: string; pattern: WildcardPattern }
  | RangePredicate
  | CidrPredicate
  | { kind: 'exists'; field: string }
  | TextPredicate;

export type FieldType = 'number' | 'date' | 'ip' | 'text' | 'keyword';

/** Where free text (a term or phrase with no field) is searched. */
export const TEXT_FIELDS: readonly string[] = ['message', 'event.original'];

const NUMBER_FIELDS = [
  'source.port',
  'destination.port',
  'client.port',
  'server.port',
  'process.pid',
  'process.parent.pid',
  'event.severity',
  'stele.seq',
  'stele.producer.seq',
];
const DATE_FIELDS = [
  '@timestamp',
  'stele.received',
  'event.created',
  'event.ingested',
  'event.start',
  'event.end',
];
const IP_FIELDS = ['source.ip', 'destination.ip', 'client.ip', 'server.ip', 'host.ip', 'related.ip'];

const FIELD_TYPES: ReadonlyMap<string, FieldType> = new Map<string, FieldType>([
  ...NUMBER_FIELDS.map((f) => [f, 'number'] as const),
  ...DATE_FIELDS.map((f) => [f, 'date'] as const),
  ...IP_FIELDS.map((f) => [f, 'ip'] as const),
  ...TEXT_FIELDS.map((f) => [f, 'text'] as const),
]);

/** Short names for common fields; `ip:` searches where the actor came from and every IP mentioned. */
export const FIELD_ALIASES: ReadonlyMap<string, readonly string[]> = new Map([
  ['user', ['user.name']],
  ['ip', ['source.ip', 'related.ip']],
  ['action', ['event.action']],
  ['outcome', ['event.outcome']],
  ['host', ['host.name']],
  ['dataset', ['event.dataset']],
  ['seq', ['stele.seq']],
  ['session', ['session.id']],
]);

/** How values of a field are typed; fields Stele does not know are keywords. */
export function fieldType(field: string): FieldType {
  return FIELD_TYPES.get(field) ?? 'keyword';
}

/** The fields a name stands for: an alias's targets, or the name itself. */
export function resolveField(name: string): readonly string[] {
  return FIELD_ALIASES.get(name) ?? [name];
}

/** A plain decimal number; strings of this form also compare as numbers (see the docs). */
const DECIMAL = /^-?\d+(\.\d+)?$/;

export interface PlanOptions {
  /** Reference time for `now` in relative times, epoch ms. */
  now: number;
}

/** Plans a parsed query. Throws QuerySyntaxError when a value does not fit its field's type. */
export function planQuery(node: QueryNode, options: PlanOptions): Predicate {
  switch (node.kind) {
    case 'all':
      return ALL;
    case 'and':
      return and(node.items.map((item) => planQuery(item, options)));
    case 'or':
      return or(node.items.map((item) => planQuery(item, options)));
    case 'not':
      return not(planQuery(node.item, options));
    case 'text':
      return planText([...TEXT_FIELDS], node.value);
    case 'exists':
      return or(resolveField(node.field.name).map((field) => ({ kind: 'exists', field })));
    case 'match':
      return or(resolveField(node.field.name).map((field) => planMatch(field, node.value, options.now)));
    case 'compare': {
      const inclusive = node.op.endsWith('=');
      const bound = { value: node.value, inclusive };
      const [lower, upper] = node.op.startsWith('>') ? [bound, undefined] : [undefined, bound];
      return or(resolveField(node.field.name).map((field) => planRange(field, lower, upper, options.now)));
    }
    case 'range': {
      const lower = node.lower && { value: node.lower, inclusive: node.includeLower };
      const upper = node.upper && { value: node.upper, inclusive: node.includeUpper };
      return or(resolveField(node.field.name).map((field) => planRange(field, lower, upper, options.now)));
    }
  }
}

const ALL: Predicate = { kind: 'all' };

function and(items: Predicate[]): Predicate {
  const flat = items.flatMap((p) => (p.kind === 'and' ? p.items : p.kind === 'all' ? [] : [p]));
  return flat.length === 0 ? ALL : flat.length === 1 ? (flat[0] as Predicate) : { kind: 'and', items: flat };
}

function or(items: Predicate[]): Predicate {
  if (items.some((p) => p.kind === 'all')) return ALL;
  const flat = items.flatMap((p) => (p.kind === 'or' ? p.items : [p]));
  return flat.length === 1 ? (flat[0] as Predicate) : { kind: 'or', items: flat };
}

function not(item: Predicate): Predicate {
  return item.kind === 'not' ? item.item : { kind: 'not', item };
}

function planText(fields: string[], value: ValueNode): Predicate {
  if (value.kind === 'pattern') return { kind: 'text', fields, match: 'wildcard', pattern: value.pattern };
  return { kind: 'text', fields, match: value.kind === 'phrase' ? 'phrase' : 'term', value: value.text };
}

function planMatch(field: string, value: ValueNode, now: number): Predicate {
  const type = fieldType(field);
  if (type === 'text') return planText([field], value);
  if (value.kind === 'pattern') {
    if (type === 'keyword' || type === 'ip') return { kind: 'wildcard', field, pattern: value.pattern };
    throw invalid(value, field, `${EXPECTED[type]}, not a wildcard (use a range)`);
  }
  switch (type) {
    case 'number':
      return { kind: 'eq', field, value: toNumber(field, value) };
    case 'date': {
      const span = toTimeSpan(field, value, now);
      return { kind: 'range', field, type: 'date', gte: span.start, lt: span.end };
    }
    case 'ip':
      return toCidr(field, value);
    default:
      return { kind: 'eq', field, value: value.text };
  }
}

interface Bound {
  value: ScalarValue;
  inclusive: boolean;
}

function planRange(
  field: string,
  lower: Bound | undefined,
  upper: Bound | undefined,
  now: number,
): Predicate {
  if (!lower && !upper) return { kind: 'exists', field };
  const type = fieldType(field);
  if (type === 'date') {
    // A bound covers the span it denotes: `<= 2024-05-01` includes that whole day.
    const from = lower && toTimeSpan(field, lower.value, now);
    const to = upper && toTimeSpan(field, upper.value, now);
    const gte = from && (lower?.inclusive ? from.start : from.end);
    const lt = to && (upper?.inclusive ? to.end : to.start);
    return { kind: 'range', field, type: 'date', ...defined({ gte, lt }) };
  }
  if (type === 'number') return numberRange(field, lower, upper);
  if (type === 'ip') {
    const lo = lower && bounds(lower, 'gt', 'gte', toComparableBound(field, lower.value));
    const hi = upper && bounds(upper, 'lt', 'lte', toComparableBound(field, upper.value));
    return { kind: 'range', field, type: 'ip', ...lo, ...hi };
  }
  const numeric = [lower, upper].every((b) => !b || (b.value.kind === 'word' && DECIMAL.test(b.value.text)));
  if (numeric) return numberRange(field, lower, upper);
  const lo = lower && bounds(lower, 'gt', 'gte', lower.value.text);
  const hi = upper && bounds(upper, 'lt', 'lte', upper.value.text);
  return { kind: 'range', field, type: 'string', ...lo, ...hi };
}

function numberRange(field: string, lower: Bound | undefined, upper: Bound | undefined): Predicate {
  const lo = lower && bounds(lower, 'gt', 'gte', toNumber(field, lower.value));
  const hi = upper && bounds(upper, 'lt', 'lte', toNumber(field, upper.value));
  return { kind: 'range', field, type: 'number', ...lo, ...hi };
}

function bounds<K extends string, T>(b: Bound, exclusive: K, inclusive: K, value: T): Partial<Record<K, T>> {
  return { [b.inclusive ? inclusive : exclusive]: value } as Partial<Record<K, T>>;
}

function defined<T extends object>(record: T): T {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined)) as T;
}

const EXPECTED: Record<FieldType, string> = {
  number: 'a number',
  date: 'a time (2024-05-01T12:00:00Z, 2024-05-01, now-15m, now/d)',
  ip: 'an IP address or CIDR (10.0.0.0/8, 2001:db8::/32)',
  text: 'a value',
  keyword: 'a value',
};

function invalid(value: ValueNode, field: string, expected: string): QuerySyntaxError {
  const shown = value.text.length > 40 ? `${value.text.slice(0, 40)}…` : value.text;
  return new QuerySyntaxError(value.start, expected, `expected ${expected} for ${field}, found '${shown}'`);
}

function toNumber(field: string, value: ScalarValue): number {
  const n = DECIMAL.test(value.text) ? Number(value.text) : NaN;
  if (Number.isFinite(n) && Math.abs(n) <= Number.MAX_SAFE_INTEGER) return n;
  throw invalid(value, field, EXPECTED.number);
}

function toTimeSpan(field: string, value: ScalarValue, now: number): { start: number; end: number } {
  const span = resolveTimeSpan(value.text, now);
  if (span) return span;
  throw invalid(value, field, EXPECTED.date);
}

function toCidr(field: string, value: ScalarValue): CidrPredicate {
  const block = parseCidr(value.text);
  if (block) return { kind: 'cidr', field, ...block };
  throw invalid(value, field, EXPECTED.ip);
}

function toComparableBound(field: string, value: ScalarValue): string {
  const comparable = ipToComparable(value.text);
  if (comparable !== undefined) return comparable;
  throw invalid(value, field, 'an IP address');
}

// ---- IP addresses -----------------------------------------------------------------------------

const V4_MAPPED = 0xffffn << 32n;
const ALL_ONES = (1n << 128n) - 1n;

/**
 * The comparable form of an IP address: 32 lower-case hex digits of its 128-bit IPv6 form, IPv4
 * written as IPv4-mapped (::ffff:a.b.c.d, RFC 4291 2.5.5.2), so 10.0.0.1 and ::ffff:10.0.0.1 are
 * the same address and text order is address order. An IPv6 zone (`%eth0`) is ignored.
 * Returns undefined for anything that is not an address.
 */
export function ipToComparable(ip: string): string | undefined {
  // Fast path for the common case, without BigInt: IPv4 is ::ffff:a.b.c.d.
  const v4 = IPV4.exec(ip);
  if (v4) {
    let hex = V4_MAPPED_HEX;
    for (let i = 1; i <= 4; i++) {
      const octet = Number(v4[i]);
      if (octet > 255) return undefined;
      hex += octet < 16 ? `0${octet.toString(16)}` : octet.toString(16);
    }
    return hex;
  }
  const parsed = parseIp(ip);
  return parsed && toHex(parsed.value);
}

// No leading zeros, as parseIpv4 requires: 010 is octal to some tools and decimal to others.
const IPV4 = /^(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})$/;
const V4_MAPPED_HEX = '00000000000000000000ffff';

function toHex(value: bigint): string {
  return value.toString(16).padStart(32, '0');
}

/** Parses `addr` or `addr/prefix` into an inclusive comparable range; host bits are ignored. */
export function parseCidr(text: string): Omit<CidrPredicate, 'kind' | 'field'> | undefined {
  const slash = text.indexOf('/');
  const ip = parseIp(slash < 0 ? text : text.slice(0, slash));
  if (!ip) return undefined;
  const width = ip.version === 4 ? 32 : 128;
  const digits = slash < 0 ? String(width) : text.slice(slash + 1);
  if (!/^(0|[1-9]\d{0,2})$/.test(digits) || Number(digits) > width) return undefined;
  const prefix = Number(digits);
  const hostBits = BigInt(width - prefix);
  const hostMask = (1n << hostBits) - 1n;
  const low = ip.value & (ALL_ONES ^ hostMask);
  return { version: ip.version, prefix, low: toHex(low), high: toHex(low | hostMask) };
}

function parseIp(text: string): { version: 4 | 6; value: bigint } | undefined {
  if (!text.includes(':')) {
    const v4 = parseIpv4(text);
    return v4 === undefined ? undefined : { version: 4, value: V4_MAPPED | v4 };
  }
  const zone = text.indexOf('%');
  const v6 = parseIpv6(zone < 0 ? text : text.slice(0, zone));
  return v6 === undefined ? undefined : { version: 6, value: v6 };
}

function parseIpv4(text: string): bigint | undefined {
  const octets = text.split('.');
  if (octets.length !== 4) return undefined;
  let value = 0n;
  for (const octet of octets) {
    // No leading zeros: 010 is octal to some tools and decimal to others.
    if (!/^(0|[1-9]\d{0,2})$/.test(octet) || Number(octet) > 255) return undefined;
    value = (value << 8n) | BigInt(octet);
  }
  return value;
}

// RFC 4291 2.2: eight groups of 1-4 hex digits, one `::` for a run of zero groups, and an IPv4
// dotted quad allowed in place of the last two groups.
function parseIpv6(text: string): bigint | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const head = groups(halves[0] ?? '', halves.length === 1);
  const tail = halves.length === 2 ? groups(halves[1] ?? '', true) : [];
  if (head === undefined || tail === undefined) return undefined;
  const count = head.length + tail.length;
  if (halves.length === 2 ? count > 7 : count !== 8) return undefined;
  const all = [...head, ...Array<bigint>(8 - count).fill(0n), ...tail];
  return all.reduce((acc, g) => (acc << 16n) | g, 0n);
}

// `lastMayBeV4`: only the very end of the address may be a dotted quad.
function groups(text: string, lastMayBeV4: boolean): bigint[] | undefined {
  if (text === '') return [];
  const parts = text.split(':');
  const out: bigint[] = [];
  for (const [i, part] of parts.entries()) {
    if (lastMayBeV4 && i === parts.length - 1 && part.includes('.')) {
      const v4 = parseIpv4(part);
      if (v4 === undefined) return undefined;
      out.push(v4 >> 16n, v4 & 0xffffn);
    } else if (/^[0-9A-Fa-f]{1,4}$/.test(part)) {
      out.push(BigInt(`0x${part}`));
    } else {
      return undefined;
    }
  }
  return out;
}

// ---- Time bounds --------------------------------------------------------------------------------

/** A half-open [from, to) interval of epoch ms; a missing side is unbounded. */
export interface TimeBounds {
  from?: number;
  to?: number;
}

/**
 * The narrowest [from, to) range of `field` (default `@timestamp`) that every event matching the
 * predicate lies in, for partition and index pruning; undefined when the predicate implies none.
 * `from >= to` means nothing can match.
 */
export function timeBounds(predicate: Predicate, field = '@timestamp'): TimeBounds | undefined {
  const b = boundsOf(predicate, field);
  return b.from === undefined && b.to === undefined ? undefined : b;
}

function boundsOf(p: Predicate, field: string): TimeBounds {
  switch (p.kind) {
    case 'range': {
      if (p.field !== field || p.type !== 'date') return {};
      const from = p.gte ?? (p.gt === undefined ? undefined : p.gt + 1);
      const to = p.lt ?? (p.lte === undefined ? undefined : p.lte + 1);
      return defined({ from, to });
    }
    case 'and': {
      const all = p.items.map((item) => boundsOf(item, field));
      const froms = all.flatMap((b) => (b.from === undefined ? [] : [b.from]));
      const tos = all.flatMap((b) => (b.to === undefined ? [] : [b.to]));
      return defined({
        from: froms.length ? Math.max(...froms) : undefined,
        to: tos.length ? Math.min(...tos) : undefined,
      });
    }
    case 'or': {
      const all = p.items.map((item) => boundsOf(item, field));
      const bounded = (side: 'from' | 'to') => all.every((b) => b[side] !== undefined);
      return defined({
        from: bounded('from') ? Math.min(...all.map((b) => b.from as number)) : undefined,
        to: bounded('to') ? Math.max(...all.map((b) => b.to as number)) : undefined,
      });
    }
    default:
      return {};
  }
}

// ---- In-memory evaluation (the reference semantics) --------------------------------------------

/** Does the event (a nested JSON object) match? Pure; never throws on odd field values. */
export function matchesPredicate(predicate: Predicate, event: object): boolean {
  const p = predicate;
  switch (p.kind) {
    case 'all':
      return true;
    case 'and':
      return p.items.every((item) => matchesPredicate(item, event));
    case 'or':
      return p.items.some((item) => matchesPredicate(item, event));
    case 'not':
      return !matchesPredicate(p.item, event);
    case 'exists':
      return fieldValues(event, p.field).length > 0;
    case 'eq':
      return fieldValues(event, p.field).some((v) => equals(v, p.value));
    case 'wildcard': {
      const glob = compiled(p.pattern, false);
      return fieldValues(event, p.field).some((v) => {
        const text = scalarText(v);
        return text !== undefined && glob(text);
      });
    }
    case 'range':
      return fieldValues(event, p.field).some((v) => inRange(p, v));
    case 'cidr':
      return fieldValues(event, p.field).some((v) => {
        const c = typeof v === 'string' ? ipToComparable(v) : undefined;
        return c !== undefined && p.low <= c && c <= p.high;
      });
    case 'text':
      return p.fields.some((f) =>
        fieldValues(event, f).some((v) => typeof v === 'string' && textMatches(p, v)),
      );
  }
}

/**
 * The values at a dotted path through nested objects: none when missing or null, the elements
 * when the last step is an array. Dotted keys (`{"user.name": ...}`) and arrays on the way are not
 * followed, as JSON path access in SQL would not.
 */
export function fieldValues(event: object, field: string): unknown[] {
  let current: unknown = event;
  for (const key of field.split('.')) {
    if (current === null || typeof current !== 'object' || Array.isArray(current)) return [];
    if (!Object.hasOwn(current, key)) return [];
    current = (current as Record<string, unknown>)[key];
  }
  const values = Array.isArray(current) ? current : [current];
  return values.filter((v) => v !== null && v !== undefined);
}

/** Strings as they are; numbers and booleans by their JSON text; nothing else is a scalar. */
function scalarText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return JSON.stringify(v);
  return undefined;
}

function scalarNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  return typeof v === 'string' && DECIMAL.test(v) ? Number(v) : undefined;
}

function equals(v: unknown, value: string | number): boolean {
  return typeof value === 'number' ? scalarNumber(v) === value : scalarText(v) === value;
}

function inRange(p: RangePredicate, v: unknown): boolean {
  switch (p.type) {
    case 'number':
      return withinBounds(scalarNumber(v), p, (a, b) => a - b);
    case 'date':
      return withinBounds(typeof v === 'string' ? parseTime(v) : undefined, p, (a, b) => a - b);
    case 'ip':
      return withinBounds(typeof v === 'string' ? ipToComparable(v) : undefined, p, compareCodePoints);
    case 'string':
      return withinBounds(scalarText(v), p, compareCodePoints);
  }
}

function withinBounds<T>(x: T | undefined, b: RangeBounds<T>, cmp: (a: T, b: T) => number): boolean {
  if (x === undefined) return false;
  if (b.gt !== undefined && !(cmp(x, b.gt) > 0)) return false;
  if (b.gte !== undefined && !(cmp(x, b.gte) >= 0)) return false;
  if (b.lt !== undefined && !(cmp(x, b.lt) < 0)) return false;
  return b.lte === undefined || cmp(x, b.lte) <= 0;
}

/** Unicode code point order: the byte order of UTF-8, as SQL BINARY / COLLATE "C" compare. */
export function compareCodePoints(a: string, b: string): number {
  const x = Array.from(a);
  const y = Array.from(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = (x[i] as string).codePointAt(0)! - (y[i] as string).codePointAt(0)!;
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

function textMatches(p: TextPredicate, value: string): boolean {
  const haystack = asciiLower(value);
  if (p.match !== 'wildcard') return haystack.includes(asciiLower(p.value));
  return compiled(p.pattern, true)(haystack);
}

/** Lower-cases A-Z only, so the result does not depend on locale or Unicode version. */
export function asciiLower(text: string): string {
  return text.replace(/[A-Z]+/g, (s) => s.toLowerCase());
}

// ---- Wildcard matching: a segment search, at worst O(text x pattern); a regular expression could
// backtrack exponentially on `a*a*a*...b`

type Segment = Array<string | null>; // code points; null is `?`
type Glob = (text: string) => boolean;

const globCache = new WeakMap<WildcardPattern, { exact?: Glob; substring?: Glob }>();

function compiled(pattern: WildcardPattern, substring: boolean): Glob {
  let entry = globCache.get(pattern);
  if (!entry) globCache.set(pattern, (entry = {}));
  const key = substring ? 'substring' : 'exact';
  return (entry[key] ??= compileGlob(pattern, substring));
}

// Split at `*` into segments; the first and last are anchored unless searching a substring, and
// each middle segment is matched leftmost, which is optimal when `*` is the only separator.
function compileGlob(pattern: WildcardPattern, substring: boolean): Glob {
  const segments: Segment[] = [[]];
  for (const part of pattern.parts) {
    const last = segments.at(-1) as Segment;
    if (part.kind === 'any') segments.push([]);
    else if (part.kind === 'one') last.push(null);
    else last.push(...Array.from(substring ? asciiLower(part.text) : part.text));
  }
  if (substring) {
    segments.unshift([]);
    segments.push([]);
  }
  return (text) => {
    const chars = Array.from(text);
    const first = segments[0] as Segment;
    if (segments.length === 1) return chars.length === first.length && segmentAt(chars, first, 0);
    const last = segments.at(-1) as Segment;
    if (!segmentAt(chars, first, 0)) return false;
    let pos = first.length;
    for (const segment of segments.slice(1, -1)) {
      const at = findSegment(chars, segment, pos);
      if (at < 0) return false;
      pos = at + segment.length;
    }
    const tailStart = chars.length - last.length;
    return tailStart >= pos && segmentAt(chars, last, tailStart);
  };
}

function segmentAt(chars: string[], segment: Segment, at: number): boolean {
  if (at + segment.length > chars.length) return false;
  return segment.every((c, i) => c === null || c === chars[at + i]);
}

function findSegment(chars: string[], segment: Segment, from: number): number {
  for (let at = from; at + segment.length <= chars.length; at++) {
    if (segmentAt(chars, segment, at)) return at;
  }
  return -1;
}

/** A SQL LIKE pattern for a wildcard pattern, escaping `%`, `_` and the escape character. */
export function toLikePattern(pattern: WildcardPattern, escape = '\\'): string {
  const special = new Set(['%', '_', escape]);
  return pattern.parts
    .map((part) => {
      if (part.kind === 'any') return '%';
      if (part.kind === 'one') return '_';
      return Array.from(part.text, (c) => (special.has(c) ? escape + c : c)).join('');
    })
    .join('');
}

/** Is the pattern `literal*` (a prefix search, which an ordinary index can serve)? */
export function isPrefixPattern(pattern: WildcardPattern): boolean {
  const [first, second, ...rest] = pattern.parts;
  if (rest.length > 0) return false;
  return second === undefined ? first?.kind === 'any' : first?.kind === 'literal' && second.kind === 'any';
}
