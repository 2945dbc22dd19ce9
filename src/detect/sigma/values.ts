// Sigma string values: `*` and `?` wildcards with `\` escapes (sigma-rules-specification.md,
// "String Wildcard" and "Escaping"), `%placeholder%` expansion, and a glob matcher that runs in
// O(value × pattern) time whatever the pattern (no backtracking blow-up).

import { ValidationError } from '../../core/errors.js';

/** One element of a pattern: literal text, `*`, `?`, or one character out of a set (windash). */
export type PatternPart =
  { kind: 'lit'; text: string } | { kind: 'star' } | { kind: 'one' } | { kind: 'set'; chars: string };
export type SigmaPattern = PatternPart[];

const STAR: PatternPart = { kind: 'star' };

/**
 * Parses a rule string. `\*`, `\?` and `\\` are escapes; a backslash before anything else is a
 * literal backslash, so `C:\Windows` and `C:\\Windows` both mean one backslash.
 */
export function parseSigmaString(raw: string): SigmaPattern {
  const parts: SigmaPattern = [];
  let lit = '';
  const flush = () => {
    if (lit !== '') parts.push({ kind: 'lit', text: lit });
    lit = '';
  };
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i] as string;
    if (c === '\\') {
      const next = raw[i + 1];
      if (next === '*' || next === '?' || next === '\\') {
        lit += next;
        i++;
      } else {
        lit += '\\';
      }
    } else if (c === '*') {
      flush();
      if (parts[parts.length - 1]?.kind !== 'star') parts.push(STAR);
    } else if (c === '?') {
      flush();
      parts.push({ kind: 'one' });
    } else {
      lit += c;
    }
  }
  flush();
  return parts;
}

export function literalPattern(text: string): SigmaPattern {
  return text === '' ? [] : [{ kind: 'lit', text }];
}

/** The text of a pattern without wildcards, or undefined if it has any. */
export function patternLiteral(p: SigmaPattern): string | undefined {
  let out = '';
  for (const part of p) {
    if (part.kind !== 'lit') return undefined;
    out += part.text;
  }
  return out;
}

export function withLeadingStar(p: SigmaPattern): SigmaPattern {
  return p[0]?.kind === 'star' ? p : [STAR, ...p];
}

export function withTrailingStar(p: SigmaPattern): SigmaPattern {
  return p[p.length - 1]?.kind === 'star' ? p : [...p, STAR];
}

/** A pattern matching every value: `*`. */
export function isMatchAll(p: SigmaPattern): boolean {
  return p.length === 1 && p[0]?.kind === 'star';
}

/** Renders a pattern back to Sigma syntax (for messages and tests). */
export function patternToString(p: SigmaPattern): string {
  return p
    .map((part) => {
      switch (part.kind) {
        case 'lit':
          return part.text.replace(/[\\*?]/g, (m) => `\\${m}`);
        case 'star':
          return '*';
        case 'one':
          return '?';
        case 'set':
          return `[${part.chars}]`;
      }
    })
    .join('');
}

// --- placeholders (sigma-rules-specification.md, "Placeholders") ---------------------------------

/**
 * Replaces each `%name%` by its configured value(s); `\%` is a plain percent sign. Several values
 * give several alternatives (their cartesian product when a string holds several placeholders).
 * The result is still Sigma string syntax, so configured values may use wildcards (`srv*`).
 */
export function expandPlaceholders(
  raw: string,
  placeholders: Readonly<Record<string, string | readonly string[]>>,
): string[] {
  let results = [''];
  let i = 0;
  while (i < raw.length) {
    const c = raw[i] as string;
    if (c === '\\' && raw[i + 1] === '%') {
      results = results.map((r) => r + '%');
      i += 2;
      continue;
    }
    if (c === '%') {
      const end = raw.indexOf('%', i + 1);
      if (end < 0) throw new ValidationError(`unterminated placeholder in '${raw}'`);
      const name = raw.slice(i + 1, end);
      if (!Object.hasOwn(placeholders, name)) {
        throw new ValidationError(`unresolved placeholder %${name}% (no value configured for expand)`);
      }
      const value = placeholders[name] as string | readonly string[];
      const values = typeof value === 'string' ? [value] : [...value];
      if (values.length === 0) throw new ValidationError(`placeholder %${name}% has an empty value list`);
      results = results.flatMap((r) => values.map((v) => r + v));
      if (results.length > 4096)
        throw new ValidationError(`placeholders in '${raw}' expand to too many values`);
      i = end + 1;
      continue;
    }
    results = results.map((r) => r + c);
    i++;
  }
  return results;
}

// --- matching ----------------------------------------------------------------------------------

/** A compiled pattern: tests an already case-normalized string. */
export type StringTest = (s: string) => boolean;

type Atom = string | null | Set<string>; // one char, any char (`?`), or one of a set

interface Segment {
  atoms: Atom[];
  /** The segment's text when it holds only literal characters (fast `indexOf`). */
  literal: string | undefined;
}

function toSegments(p: SigmaPattern, lower: boolean): { segments: Segment[]; head: boolean; tail: boolean } {
  const segments: Segment[] = [];
  let atoms: Atom[] = [];
  const close = () => {
    const literal = atoms.every((a) => typeof a === 'string') ? (atoms as string[]).join('') : undefined;
    segments.push({ atoms, literal });
    atoms = [];
  };
  for (const part of p) {
    if (part.kind === 'star') {
      if (atoms.length > 0) close();
      continue;
    }
    if (part.kind === 'lit') {
      const text = lower ? part.text.toLowerCase() : part.text;
      for (const ch of splitUnits(text)) atoms.push(ch);
    } else if (part.kind === 'one') {
      atoms.push(null);
    } else {
      atoms.push(new Set(splitUnits(lower ? part.chars.toLowerCase() : part.chars)));
    }
  }
  if (atoms.length > 0) close();
  return { segments, head: p[0]?.kind !== 'star', tail: p[p.length - 1]?.kind !== 'star' };
}

/** UTF-16 code units, the unit `?` and the matcher work on (as JavaScript strings do). */
function splitUnits(s: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < s.length; i++) out.push(s[i] as string);
  return out;
}

function atomsAt(atoms: Atom[], s: string, at: number): boolean {
  for (let k = 0; k < atoms.length; k++) {
    const a = atoms[k];
    const ch = s[at + k] as string;
    if (a === null) continue;
    if (typeof a === 'string') {
      if (a !== ch) return false;
    } else if (!(a as Set<string>).has(ch)) return false;
  }
  return true;
}

function findSegment(seg: Segment, s: string, from: number, limit: number): number {
  const len = seg.atoms.length;
  if (seg.literal !== undefined) {
    const at = s.indexOf(seg.literal, from);
    return at >= 0 && at + len <= limit ? at : -1;
  }
  for (let at = from; at + len <= limit; at++) if (atomsAt(seg.atoms, s, at)) return at;
  return -1;
}

/**
 * Compiles a pattern to a test over strings. With `lower`, the pattern is lower-cased and the test
 * expects lower-cased input. Star-separated segments are matched leftmost-first, which is exact for
 * globs and never backtracks.
 */
export function compilePattern(p: SigmaPattern, lower: boolean): StringTest {
  const { segments, head, tail } = toSegments(p, lower);
  const only = segments[0];
  if (segments.length === 0) return head && tail ? (s) => s === '' : () => true;
  if (segments.length === 1 && only !== undefined && only.literal !== undefined) {
    const lit = only.literal;
    if (head && tail) return (s) => s === lit;
    if (head) return (s) => s.startsWith(lit);
    if (tail) return (s) => s.endsWith(lit);
    return (s) => s.includes(lit);
  }
  const fixedLength = head && tail && segments.length === 1 ? (only as Segment).atoms.length : -1;
  return (s) => {
    if (fixedLength >= 0) return s.length === fixedLength && atomsAt((only as Segment).atoms, s, 0);
    let first = 0;
    let last = segments.length;
    let pos = 0;
    let limit = s.length;
    if (head) {
      const seg = segments[0] as Segment;
      if (seg.atoms.length > s.length || !atomsAt(seg.atoms, s, 0)) return false;
      pos = seg.atoms.length;
      first = 1;
    }
    if (tail) {
      const seg = segments[last - 1] as Segment;
      const at = s.length - seg.atoms.length;
      if (at < pos || !atomsAt(seg.atoms, s, at)) return false;
      limit = at;
      last -= 1;
    }
    for (let k = first; k < last; k++) {
      const seg = segments[k] as Segment;
      const at = findSegment(seg, s, pos, limit);
      if (at < 0) return false;
      pos = at + seg.atoms.length;
    }
    return true;
  };
}
