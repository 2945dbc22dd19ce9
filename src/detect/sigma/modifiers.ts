// Value modifiers (sigma-appendix-modifiers.md v2.1.0): validates a `field|mod|mod` chain and
// applies it, in the written order, to the rule's values, giving what each value must match.

import { ValidationError } from '../../core/errors.js';
import { parseCidr } from './cidr.js';
import { compileRegex } from './regex.js';
import type { CompareOp, DetectionItem, Placeholders, RawValue, TimePart, ValueSpec } from './types.js';
import {
  expandPlaceholders,
  literalPattern,
  parseSigmaString,
  withLeadingStar,
  withTrailingStar,
  type SigmaPattern,
} from './values.js';

const ENCODERS = ['base64', 'base64offset', 'utf16', 'utf16le', 'utf16be', 'wide'] as const;
const WILDCARD_MODS = ['contains', 'startswith', 'endswith'] as const;
const COMPARE: Record<string, CompareOp> = { lt: 'lt', lte: 'lte', gt: 'gt', gte: 'gte' };
const TIME_PARTS: readonly TimePart[] = ['minute', 'hour', 'day', 'week', 'month', 'year'];
/** `re` sub-modifiers, with pySigma's long spellings. */
const REGEX_FLAGS: Record<string, string> = {
  i: 'i',
  ignorecase: 'i',
  m: 'm',
  multiline: 'm',
  s: 's',
  dotall: 's',
};

export const KNOWN_MODIFIERS: ReadonlySet<string> = new Set([
  ...WILDCARD_MODS,
  ...ENCODERS,
  ...Object.keys(COMPARE),
  ...TIME_PARTS,
  ...Object.keys(REGEX_FLAGS),
  'all',
  'exists',
  'cased',
  'windash',
  're',
  'cidr',
  'expand',
  'fieldref',
  'neq',
]);

/** The dash-like characters `windash` makes interchangeable. */
export const WINDASH_CHARS = '-/\u2013\u2014\u2015';

const NUMBER = /^[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$/;

function isPlainNumber(v: RawValue): boolean {
  return v.text !== null && !v.quoted && (NUMBER.test(v.text) || /^0x[0-9a-fA-F]+$/.test(v.text));
}

function bad(line: number, message: string): never {
  throw new ValidationError(`line ${line}: ${message}`);
}

interface ItemInput {
  field: string | null;
  modifiers: string[];
  values: RawValue[];
  line: number;
  key: string;
}

/** Builds one detection item; throws ValidationError naming the line and the problem. */
export function buildItem(input: ItemInput, placeholders: Placeholders): DetectionItem {
  const { modifiers: mods, values, line, key } = input;
  for (const m of mods) {
    if (m === '') bad(line, `empty modifier in '${key}'`);
    if (!KNOWN_MODIFIERS.has(m)) bad(line, `unknown modifier '${m}' in '${key}'`);
  }
  const seen = new Set<string>();
  for (const m of mods) {
    if (seen.has(m)) bad(line, `modifier '${m}' repeated in '${key}'`);
    seen.add(m);
  }
  if (values.length === 0) bad(line, `'${key}' has an empty value list`);
  const has = (m: string) => seen.has(m);
  const all = has('all');
  if (all && values.length < 2) bad(line, `'all' needs a list of at least two values in '${key}'`);
  const item: DetectionItem = {
    field: input.field,
    modifiers: mods,
    combine: all ? 'all' : 'any',
    negate: has('neq'),
    values: [],
    raw: values,
    line,
  };
  item.values = valueSpecs(input, has, placeholders);
  return item;
}

function only(mods: string[], allowed: readonly string[], what: string, line: number, key: string): void {
  for (const m of mods)
    if (!allowed.includes(m)) bad(line, `modifier '${m}' cannot be combined with ${what} in '${key}'`);
}

function valueSpecs(input: ItemInput, has: (m: string) => boolean, placeholders: Placeholders): ValueSpec[] {
  const { modifiers: mods, values, line, key, field } = input;
  const keyword = field === null;
  for (const m of mods) {
    if (REGEX_FLAGS[m] !== undefined && !has('re')) bad(line, `'${m}' is a sub-modifier of 're' in '${key}'`);
  }

  if (has('exists')) {
    only(mods, ['exists'], "'exists'", line, key);
    if (keyword) bad(line, "'exists' needs a field name");
    if (values.length !== 1) bad(line, `'exists' takes a single boolean in '${key}'`);
    const v = values[0] as RawValue;
    const t = v.quoted ? undefined : v.text?.toLowerCase();
    if (t !== 'true' && t !== 'false' && t !== 'yes' && t !== 'no') {
      bad(line, `'exists' takes true or false, not '${v.text ?? 'null'}', in '${key}'`);
    }
    return [{ type: 'exists', expected: t === 'true' || t === 'yes' }];
  }

  if (has('re')) {
    only(mods, ['re', 'all', 'neq', 'cased', ...Object.keys(REGEX_FLAGS)], "'re'", line, key);
    const flags = [...new Set(mods.map((m) => REGEX_FLAGS[m]).filter((f) => f !== undefined))].join('');
    return values.map((v) => {
      if (v.text === null) bad(v.line, `'re' needs a string, not null, in '${key}'`);
      try {
        return { type: 'regex', source: v.text, program: compileRegex(v.text, flags) };
      } catch (err) {
        return bad(v.line, (err as Error).message);
      }
    });
  }

  if (has('cidr')) {
    only(mods, ['cidr', 'all', 'neq'], "'cidr'", line, key);
    return values.map((v) => {
      if (v.text === null) bad(v.line, `'cidr' needs a network, not null, in '${key}'`);
      try {
        return { type: 'cidr', cidr: parseCidr(v.text.trim()) };
      } catch (err) {
        return bad(v.line, (err as Error).message);
      }
    });
  }

  const part = TIME_PARTS.find((p) => has(p));
  const compare = mods.filter((m) => COMPARE[m] !== undefined);
  if (part !== undefined || compare.length > 0) {
    if (compare.length > 1) bad(line, `only one comparison modifier is allowed in '${key}'`);
    if (TIME_PARTS.filter((p) => has(p)).length > 1)
      bad(line, `only one time modifier is allowed in '${key}'`);
    if (keyword) bad(line, 'comparison modifiers need a field name');
    only(mods, [...compare, ...(part ? [part] : []), 'all', 'neq'], 'a comparison', line, key);
    if (
      part !== undefined &&
      compare.length === 1 &&
      mods.indexOf(part) > mods.indexOf(compare[0] as string)
    ) {
      bad(line, `the time modifier '${part}' must come before '${compare[0]}' in '${key}'`);
    }
    const op: CompareOp = compare.length === 1 ? (COMPARE[compare[0] as string] as CompareOp) : 'eq';
    return values.map((v) => {
      if (!isPlainNumber(v)) bad(v.line, `'${key}' needs a number, not '${v.text ?? 'null'}'`);
      const value = Number(v.text);
      return part === undefined ? { type: 'compare', op, value } : { type: 'compare', op, value, part };
    });
  }

  if (has('fieldref')) {
    only(mods, ['fieldref', 'all', 'neq', 'cased', ...WILDCARD_MODS], "'fieldref'", line, key);
    if (keyword) bad(line, "'fieldref' needs a field name");
    const mode = WILDCARD_MODS.find((m) => has(m)) ?? 'equals';
    if (WILDCARD_MODS.filter((m) => has(m)).length > 1) bad(line, `conflicting modifiers in '${key}'`);
    return values.map((v) => {
      if (v.text === null || v.text === '') bad(v.line, `'fieldref' needs a field name in '${key}'`);
      return { type: 'fieldref', ref: v.text, mode, cased: has('cased') };
    });
  }

  if (WILDCARD_MODS.filter((m) => has(m)).length > 1) {
    bad(line, `only one of contains, startswith, endswith is allowed in '${key}'`);
  }
  return values.map((v) => stringSpec(v, input, has, placeholders));
}

/** A value transformed by the string modifiers, in the order they are written. */
interface Alternative {
  pattern: SigmaPattern;
  /** After utf16*: each character stands for one byte. */
  binary: boolean;
  /** Encoded (base64) text compares case-sensitively: case is part of the encoding. */
  cased: boolean;
}

function stringSpec(v: RawValue, input: ItemInput, has: (m: string) => boolean, ph: Placeholders): ValueSpec {
  const { modifiers: mods, key } = input;
  if (v.text === null) {
    if (input.field === null) bad(v.line, `a keyword cannot be null in '${key}'`);
    const extra = mods.filter((m) => m !== 'all' && m !== 'neq');
    if (extra.length > 0) bad(v.line, `null cannot take modifier '${extra[0]}' in '${key}'`);
    return { type: 'null' };
  }
  let texts = [v.text];
  if (has('expand')) {
    try {
      texts = expandPlaceholders(v.text, ph);
    } catch (err) {
      bad(v.line, `${(err as Error).message} in '${key}'`);
    }
  }
  let alts: Alternative[] = texts.map((t) => ({ pattern: parseSigmaString(t), binary: false, cased: false }));
  for (const m of mods) {
    alts = alts.flatMap((a) => applyModifier(m, a, v.line, key));
    if (alts.length > 4096) bad(v.line, `'${key}' expands to too many alternatives`);
  }
  if (input.field === null && !WILDCARD_MODS.some((m) => has(m))) {
    // Keywords search the message for the value (spec: "Keywords search"), wildcards still active.
    alts = alts.map((a) => ({ ...a, pattern: withTrailingStar(withLeadingStar(a.pattern)) }));
  }
  return {
    type: 'string',
    alternatives: alts.map((a) => a.pattern),
    cased: has('cased') || alts.some((a) => a.cased),
  };
}

function applyModifier(m: string, a: Alternative, line: number, key: string): Alternative[] {
  switch (m) {
    case 'contains':
      return [{ ...a, pattern: withTrailingStar(withLeadingStar(a.pattern)) }];
    case 'startswith':
      return [{ ...a, pattern: withTrailingStar(a.pattern) }];
    case 'endswith':
      return [{ ...a, pattern: withLeadingStar(a.pattern) }];
    case 'windash':
      return [{ ...a, pattern: windash(a.pattern) }];
    case 'base64':
    case 'base64offset':
    case 'utf16':
    case 'utf16le':
    case 'utf16be':
    case 'wide':
      return literals(a, m, line, key).flatMap((text) => encode(m, text, a.binary));
    default:
      return [a]; // all, neq, cased, expand: applied elsewhere
  }
}

/** windash: every dash-like character matches any of the five (one `set` part each). */
function windash(p: SigmaPattern): SigmaPattern {
  const out: SigmaPattern = [];
  for (const part of p) {
    if (part.kind !== 'lit') {
      out.push(part);
      continue;
    }
    let lit = '';
    for (const ch of part.text) {
      if (WINDASH_CHARS.includes(ch)) {
        if (lit !== '') out.push({ kind: 'lit', text: lit });
        lit = '';
        out.push({ kind: 'set', chars: WINDASH_CHARS });
      } else lit += ch;
    }
    if (lit !== '') out.push({ kind: 'lit', text: lit });
  }
  return out;
}

/** The concrete strings an encoder must encode: windash sets are spelled out, wildcards refused. */
function literals(a: Alternative, m: string, line: number, key: string): string[] {
  let texts = [''];
  for (const part of a.pattern) {
    if (part.kind === 'lit') texts = texts.map((t) => t + part.text);
    else if (part.kind === 'set') texts = texts.flatMap((t) => [...part.chars].map((c) => t + c));
    else
      bad(
        line,
        `'${m}' cannot encode a value with wildcards in '${key}' (put contains/startswith/endswith after it)`,
      );
    if (texts.length > 1024) bad(line, `'${key}' expands to too many alternatives`);
  }
  return texts;
}

function bytesOf(text: string, binary: boolean): Buffer {
  return binary ? Buffer.from(text, 'latin1') : Buffer.from(text, 'utf8');
}

function encode(m: string, text: string, binary: boolean): Alternative[] {
  const bytes = bytesOf(text, binary);
  switch (m) {
    case 'base64':
      return [{ pattern: literalPattern(bytes.toString('base64')), binary: false, cased: true }];
    case 'base64offset':
      return base64Offsets(bytes).map((s) => ({ pattern: literalPattern(s), binary: false, cased: true }));
    default: {
      const source = binary ? bytes.toString('latin1') : text;
      const le = Buffer.from(source, 'utf16le');
      let out: Buffer = le;
      if (m === 'utf16be') out = Buffer.from(le).swap16();
      if (m === 'utf16') out = Buffer.concat([Buffer.from([0xff, 0xfe]), le]);
      return [{ pattern: literalPattern(out.toString('latin1')), binary: true, cased: false }];
    }
  }
}

/**
 * base64offset: the value may start at any byte offset of the encoded data, so encode it after 0, 1
 * and 2 filler bytes and keep only the characters that depend on the value alone.
 */
export function base64Offsets(value: Buffer): string[] {
  const out: string[] = [];
  for (let shift = 0; shift < 3; shift++) {
    const encoded = Buffer.concat([Buffer.alloc(shift, 0x20), value]).toString('base64');
    const start = [0, 2, 3][shift] as number;
    const end = [0, 3, 2][(value.length + shift) % 3] as number;
    const s = encoded.slice(start, encoded.length - end);
    if (s !== '') out.push(s);
  }
  return out;
}
