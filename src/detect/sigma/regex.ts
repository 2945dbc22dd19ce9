// The `re` modifier (sigma-appendix-modifiers.md, "Regular Expression") without a backtracking
// engine: rule regexes are parsed here (the PCRE subset the spec allows, plus the escapes and inline
// flags SigmaHQ rules use), compiled to a Thompson NFA and run as a lazily built DFA, as RE2 does.
// A match costs O(input length × pattern size) at worst, so an untrusted rule cannot stall the engine;
// backreferences and lookaround, which need backtracking, are rejected at load time.

import { ValidationError } from '../../core/errors.js';

const MAX_REPEAT = 1000;
const MAX_NFA_STATES = 20_000;
const MAX_DFA_STATES = 4_000;

// --- character sets: sorted, merged [lo, hi] code-unit ranges ------------------------------------

type Ranges = number[]; // flat [lo0, hi0, lo1, hi1, ...]

function normalize(r: Ranges): Ranges {
  const pairs: Array<[number, number]> = [];
  for (let i = 0; i < r.length; i += 2) pairs.push([r[i] as number, r[i + 1] as number]);
  pairs.sort((a, b) => a[0] - b[0]);
  const out: Ranges = [];
  for (const [lo, hi] of pairs) {
    const n = out.length;
    if (n > 0 && lo <= (out[n - 1] as number) + 1) out[n - 1] = Math.max(out[n - 1] as number, hi);
    else out.push(lo, hi);
  }
  return out;
}

function negate(r: Ranges): Ranges {
  const out: Ranges = [];
  let next = 0;
  for (let i = 0; i < r.length; i += 2) {
    if ((r[i] as number) > next) out.push(next, (r[i] as number) - 1);
    next = (r[i + 1] as number) + 1;
  }
  if (next <= 0xffff) out.push(next, 0xffff);
  return out;
}

/** Adds the other case of every letter (simple one-unit case mappings). */
function foldCase(r: Ranges): Ranges {
  const extra: Ranges = [];
  const add = (c: number) => {
    const ch = String.fromCharCode(c);
    for (const v of [ch.toLowerCase(), ch.toUpperCase()]) {
      if (v.length === 1 && v !== ch) extra.push(v.charCodeAt(0), v.charCodeAt(0));
    }
  };
  for (let i = 0; i < r.length; i += 2) {
    const lo = r[i] as number;
    const hi = r[i + 1] as number;
    if (hi - lo <= 4096) {
      for (let c = lo; c <= hi; c++) add(c);
    } else {
      // A huge range already holds most letters; add the ASCII and Latin-1 counterparts.
      for (const [a, b, shift] of [
        [0x41, 0x5a, 32],
        [0x61, 0x7a, -32],
        [0xc0, 0xde, 32],
        [0xe0, 0xfe, -32],
      ] as const) {
        const l = Math.max(lo, a);
        const h = Math.min(hi, b);
        if (l <= h) extra.push(l + shift, h + shift);
      }
    }
  }
  return normalize([...r, ...extra]);
}

const DIGIT: Ranges = [0x30, 0x39];
const WORD: Ranges = [0x30, 0x39, 0x41, 0x5a, 0x5f, 0x5f, 0x61, 0x7a];
const SPACE: Ranges = normalize([
  0x09, 0x0d, 0x20, 0x20, 0xa0, 0xa0, 0x1680, 0x1680, 0x2000, 0x200a, 0x2028, 0x2029, 0x202f, 0x202f, 0x205f,
  0x205f, 0x3000, 0x3000, 0xfeff, 0xfeff,
]);
const LINE_TERMINATORS: Ranges = [0x0a, 0x0a, 0x0d, 0x0d, 0x2028, 0x2029];
const ANY: Ranges = [0, 0xffff];

// --- syntax tree ---------------------------------------------------------------------------------

type Assertion = 'bol' | 'mbol' | 'eol' | 'meol' | 'word' | 'nonword';
type Node =
  | { t: 'set'; r: Ranges }
  | { t: 'cat'; items: Node[] }
  | { t: 'alt'; items: Node[] }
  | { t: 'rep'; node: Node; min: number; max: number }
  | { t: 'assert'; a: Assertion };

interface Flags {
  i: boolean;
  m: boolean;
  s: boolean;
}

class Parser {
  private pos = 0;

  constructor(
    private readonly src: string,
    private flags: Flags,
  ) {}

  parse(): Node {
    const node = this.alternation();
    if (this.pos < this.src.length) this.fail(`unbalanced ')'`);
    return node;
  }

  private fail(message: string): never {
    throw new ValidationError(`invalid regex /${this.src}/ at ${this.pos}: ${message}`);
  }

  private peek(offset = 0): string | undefined {
    return this.src[this.pos + offset];
  }

  private alternation(): Node {
    const saved = { ...this.flags };
    const items = [this.sequence()];
    while (this.peek() === '|') {
      this.pos++;
      items.push(this.sequence());
    }
    this.flags = saved; // inline `(?i)` lasts until the end of the enclosing group
    return items.length === 1 ? (items[0] as Node) : { t: 'alt', items };
  }

  private sequence(): Node {
    const items: Node[] = [];
    while (this.pos < this.src.length && this.peek() !== '|' && this.peek() !== ')') {
      const atom = this.atom();
      if (atom === null) continue; // a flag group such as (?i)
      items.push(this.quantified(atom));
    }
    return items.length === 1 ? (items[0] as Node) : { t: 'cat', items };
  }

  private quantified(atom: Node): Node {
    const c = this.peek();
    let min: number;
    let max: number;
    if (c === '*') [min, max] = [0, Infinity];
    else if (c === '+') [min, max] = [1, Infinity];
    else if (c === '?') [min, max] = [0, 1];
    else if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(this.src.slice(this.pos));
      if (m === null) return atom; // a literal '{', as PCRE and JavaScript read it
      min = Number(m[1]);
      max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
      if (min > MAX_REPEAT || (max !== Infinity && max > MAX_REPEAT))
        this.fail(`repeat count above ${MAX_REPEAT}`);
      if (min > max) this.fail('repeat range out of order');
      this.pos += m[0].length - 1;
    } else return atom;
    this.pos++;
    if (atom.t === 'assert') this.fail('nothing to repeat');
    if (this.peek() === '?')
      this.pos++; // lazy: same yes/no answer as greedy
    else if (this.peek() === '+') this.fail('possessive quantifiers are not supported');
    const next = this.peek();
    if (next === '*' || next === '+' || next === '?') this.fail('nothing to repeat');
    return this.quantified({ t: 'rep', node: atom, min, max });
  }

  private atom(): Node | null {
    const c = this.src[this.pos++] as string;
    switch (c) {
      case '(':
        return this.group();
      case '[':
        return this.charClass();
      case '.':
        return { t: 'set', r: this.flags.s ? ANY : negate(LINE_TERMINATORS) };
      case '^':
        return { t: 'assert', a: this.flags.m ? 'mbol' : 'bol' };
      case '$':
        return { t: 'assert', a: this.flags.m ? 'meol' : 'eol' };
      case '\\':
        return this.escape();
      case '*':
      case '+':
      case '?':
        return this.fail('nothing to repeat');
      case '{':
        if (/^\d+(,\d*)?\}/.test(this.src.slice(this.pos))) this.fail('nothing to repeat');
        return this.literal(c.charCodeAt(0));
      default:
        return this.literal(c.charCodeAt(0));
    }
  }

  private literal(code: number): Node {
    const r: Ranges = [code, code];
    return { t: 'set', r: this.flags.i ? foldCase(r) : r };
  }

  private group(): Node | null {
    let scoped: Flags | undefined;
    if (this.peek() === '?') {
      this.pos++;
      const c = this.peek();
      if (c === ':') this.pos++;
      else if (c === '=' || c === '!') this.fail('lookahead is not supported');
      else if (c === '<' && (this.peek(1) === '=' || this.peek(1) === '!'))
        this.fail('lookbehind is not supported');
      else if (c === '>') this.fail('atomic groups are not supported');
      else if (c === '#') {
        const end = this.src.indexOf(')', this.pos);
        if (end < 0) this.fail('unterminated comment');
        this.pos = end + 1;
        return null;
      } else if (c === '<' || c === "'" || (c === 'P' && this.peek(1) === '<')) {
        const m = /^(?:P?<([A-Za-z_]\w*)>|'([A-Za-z_]\w*)')/.exec(this.src.slice(this.pos));
        if (m === null) this.fail('bad group name');
        this.pos += m[0].length;
      } else {
        const m = /^([imsx]*)(?:-([imsx]*))?([:)])/.exec(this.src.slice(this.pos));
        if (m === null) this.fail(`unsupported group syntax '(?${c ?? ''}'`);
        const flags = { ...this.flags };
        for (const [letters, on] of [
          [m[1] ?? '', true],
          [m[2] ?? '', false],
        ] as const) {
          for (const f of letters) {
            if (f === 'x') this.fail('the x (extended) flag is not supported');
            flags[f as keyof Flags] = on;
          }
        }
        this.pos += m[0].length;
        if (m[3] === ')') {
          this.flags = flags; // (?i): applies to the rest of the enclosing group
          return null;
        }
        scoped = flags;
      }
    }
    const outer = this.flags;
    if (scoped !== undefined) this.flags = scoped;
    const inner = this.alternation();
    this.flags = outer;
    if (this.src[this.pos++] !== ')') this.fail("missing ')'");
    return inner;
  }

  private escape(): Node {
    const c = this.src[this.pos++];
    if (c === undefined) this.fail('trailing backslash');
    switch (c) {
      case 'd':
        return { t: 'set', r: DIGIT };
      case 'D':
        return { t: 'set', r: negate(DIGIT) };
      case 'w':
        return { t: 'set', r: WORD };
      case 'W':
        return { t: 'set', r: negate(WORD) };
      case 's':
        return { t: 'set', r: SPACE };
      case 'S':
        return { t: 'set', r: negate(SPACE) };
      case 'b':
        return { t: 'assert', a: 'word' };
      case 'B':
        return { t: 'assert', a: 'nonword' };
      case 'A':
        return { t: 'assert', a: 'bol' };
      case 'z':
      case 'Z':
        return { t: 'assert', a: 'eol' };
      default:
        return this.literal(this.escapedCode(c));
    }
  }

  /** An escape that stands for one character (shared by classes and plain text). */
  private escapedCode(c: string): number {
    switch (c) {
      case 't':
        return 9;
      case 'n':
        return 10;
      case 'v':
        return 11;
      case 'f':
        return 12;
      case 'r':
        return 13;
      case '0':
        if (/\d/.test(this.peek() ?? '')) this.fail('octal escapes are not supported');
        return 0;
      case 'x':
      case 'u': {
        const len = c === 'x' ? 2 : 4;
        const hex = this.src.slice(this.pos, this.pos + len);
        if (!new RegExp(`^[0-9a-fA-F]{${len}}$`).test(hex)) this.fail(`bad \\${c} escape`);
        this.pos += len;
        return parseInt(hex, 16);
      }
      default:
        if (/[1-9]/.test(c)) this.fail('backreferences are not supported');
        if (/[A-Za-z0-9]/.test(c)) this.fail(`unsupported escape \\${c}`);
        return c.charCodeAt(0);
    }
  }

  private charClass(): Node {
    let negated = false;
    if (this.peek() === '^') {
      negated = true;
      this.pos++;
    }
    const r: Ranges = [];
    let first = true;
    for (;;) {
      const c = this.src[this.pos++];
      if (c === undefined) this.fail("missing ']'");
      if (c === ']' && !first) break;
      first = false;
      if (c === '[' && /^[:.=]/.test(this.peek() ?? '')) this.fail('POSIX classes are not supported');
      let lo: number;
      if (c === '\\') {
        const e = this.src[this.pos++];
        if (e === undefined) this.fail('trailing backslash');
        const set = { d: DIGIT, D: negate(DIGIT), w: WORD, W: negate(WORD), s: SPACE, S: negate(SPACE) }[
          e as 'd'
        ] as Ranges | undefined;
        if (set !== undefined) {
          r.push(...set);
          continue;
        }
        lo = e === 'b' ? 8 : this.escapedCode(e);
      } else lo = c.charCodeAt(0);
      if (this.peek() === '-' && this.peek(1) !== ']' && this.peek(1) !== undefined) {
        this.pos++;
        let hi: number;
        const h = this.src[this.pos++] as string;
        if (h === '\\') {
          const e = this.src[this.pos++];
          if (e === undefined) this.fail('trailing backslash');
          if (/[dDwWsS]/.test(e)) this.fail('a class escape cannot end a range');
          hi = e === 'b' ? 8 : this.escapedCode(e);
        } else hi = h.charCodeAt(0);
        if (hi < lo) this.fail('character range out of order');
        r.push(lo, hi);
      } else r.push(lo, lo);
    }
    let set = normalize(r);
    if (this.flags.i) set = foldCase(set);
    return { t: 'set', r: negated ? negate(set) : set };
  }
}

// --- NFA (Thompson) ------------------------------------------------------------------------------

const K_SET = 0;
const K_SPLIT = 1;
const K_ASSERT = 2;
const K_MATCH = 3;

interface CharTest {
  ascii: Uint8Array; // 128 flags
  ranges: Ranges; // for code units >= 128
}

interface NState {
  k: number;
  out: number;
  out2: number;
  set?: CharTest;
  a?: Assertion;
}

function toCharTest(r: Ranges): CharTest {
  const ascii = new Uint8Array(128);
  const ranges: Ranges = [];
  for (let i = 0; i < r.length; i += 2) {
    const lo = r[i] as number;
    const hi = r[i + 1] as number;
    for (let c = lo; c <= Math.min(hi, 127); c++) ascii[c] = 1;
    if (hi >= 128) ranges.push(Math.max(lo, 128), hi);
  }
  return { ascii, ranges };
}

function testChar(t: CharTest, c: number): boolean {
  if (c < 128) return t.ascii[c] === 1;
  const r = t.ranges;
  for (let i = 0; i < r.length; i += 2) {
    if (c < (r[i] as number)) return false;
    if (c <= (r[i + 1] as number)) return true;
  }
  return false;
}

function representative(t: CharTest): number | undefined {
  for (const [lo, hi] of [
    [0x61, 0x7a],
    [0x41, 0x5a],
    [0x30, 0x39],
    [0x20, 0x7e],
  ] as const) {
    for (let c = lo; c <= hi; c++) if (t.ascii[c] === 1) return c;
  }
  for (let c = 0; c < 128; c++) if (t.ascii[c] === 1) return c;
  return t.ranges[0];
}

class NfaBuilder {
  readonly states: NState[] = [];

  add(s: NState): number {
    if (this.states.length >= MAX_NFA_STATES) {
      throw new ValidationError(
        `regex is too large once counted repetitions are expanded (over ${MAX_NFA_STATES} states)`,
      );
    }
    this.states.push(s);
    return this.states.length - 1;
  }

  /** Compiles `node` so that it continues at state `next`; returns its entry state. */
  build(node: Node, next: number): number {
    switch (node.t) {
      case 'set':
        return this.add({ k: K_SET, out: next, out2: -1, set: toCharTest(node.r) });
      case 'assert':
        return this.add({ k: K_ASSERT, out: next, out2: -1, a: node.a });
      case 'cat': {
        let entry = next;
        for (let i = node.items.length - 1; i >= 0; i--) entry = this.build(node.items[i] as Node, entry);
        return entry;
      }
      case 'alt': {
        let entry = this.build(node.items[node.items.length - 1] as Node, next);
        for (let i = node.items.length - 2; i >= 0; i--) {
          entry = this.add({ k: K_SPLIT, out: this.build(node.items[i] as Node, next), out2: entry });
        }
        return entry;
      }
      case 'rep': {
        let entry: number;
        if (node.max === Infinity) {
          const loop = this.add({ k: K_SPLIT, out: -1, out2: next });
          (this.states[loop] as NState).out = this.build(node.node, loop);
          entry = loop;
        } else {
          entry = next;
          for (let i = node.min; i < node.max; i++) {
            entry = this.add({ k: K_SPLIT, out: this.build(node.node, entry), out2: next });
          }
        }
        for (let i = 0; i < node.min; i++) entry = this.build(node.node, entry);
        return entry;
      }
    }
  }
}

// --- lazily built DFA ----------------------------------------------------------------------------

// What surrounds a position, for ^ $ \b: the character before it and the one after it.
const AT_EDGE = 0; // start (before) or end (after) of input
const NEWLINE = 1;
const WORDCH = 2;
const OTHER = 3;

function kindOf(c: number): number {
  if (c === 10 || c === 13 || c === 0x2028 || c === 0x2029) return NEWLINE;
  if ((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95) return WORDCH;
  return OTHER;
}

function holds(a: Assertion, before: number, after: number): boolean {
  switch (a) {
    case 'bol':
      return before === AT_EDGE;
    case 'mbol':
      return before === AT_EDGE || before === NEWLINE;
    case 'eol':
      return after === AT_EDGE;
    case 'meol':
      return after === AT_EDGE || after === NEWLINE;
    case 'word':
      return (before === WORDCH) !== (after === WORDCH);
    case 'nonword':
      return (before === WORDCH) === (after === WORDCH);
  }
}

const MATCH = Symbol('match');

interface DState {
  /** NFA states entered by the last character, before any epsilon move. */
  core: number[];
  /** Kind of the character just read (AT_EDGE at the start). */
  before: number;
  ascii: Array<DState | typeof MATCH | undefined>;
  other: Map<number, DState | typeof MATCH> | undefined;
  atEnd: boolean | undefined;
}

/** A compiled rule regex. `test` searches (unanchored), as SigmaHQ rules are written. */
export class RegexProgram {
  private readonly states: NState[];
  private readonly start: number;
  private readonly usesContext: boolean;
  private cache = new Map<string, DState>();
  private initial: DState;
  private readonly mark: Int32Array;
  private stamp = 0;

  constructor(
    readonly source: string,
    readonly flags: string,
  ) {
    const flagSet: Flags = { i: flags.includes('i'), m: flags.includes('m'), s: flags.includes('s') };
    const tree = new Parser(source, flagSet).parse();
    const b = new NfaBuilder();
    const accept = b.add({ k: K_MATCH, out: -1, out2: -1 });
    this.start = b.build(tree, accept);
    this.states = b.states;
    this.usesContext = this.states.some((s) => s.k === K_ASSERT);
    this.mark = new Int32Array(this.states.length);
    this.initial = this.intern([], AT_EDGE);
  }

  test(input: string): boolean {
    let d = this.initial;
    for (let i = 0; i < input.length; i++) {
      const c = input.charCodeAt(i);
      const t = c < 128 ? d.ascii[c] : d.other?.get(c);
      const next = t ?? this.step(d, c);
      if (next === MATCH) return true;
      d = next;
    }
    if (d.atEnd === undefined) d.atEnd = this.closure(d, AT_EDGE, null) === MATCH;
    return d.atEnd;
  }

  /**
   * A shortest string the pattern matches, ignoring ^ $ \b (so a caller must check it with `test`);
   * used to build sample events from rules. Characters are picked printable-first.
   */
  example(): string | undefined {
    const seen = new Map<number, string>();
    let frontier: Array<[number, string]> = [[this.start, '']];
    while (frontier.length > 0) {
      const next: Array<[number, string]> = [];
      // Epsilon moves keep the length, so finish them before taking a character.
      while (frontier.length > 0) {
        const [id, text] = frontier.pop() as [number, string];
        if (seen.has(id)) continue;
        seen.set(id, text);
        const s = this.states[id] as NState;
        if (s.k === K_MATCH) return text;
        if (s.k === K_SPLIT) frontier.push([s.out2, text], [s.out, text]);
        else if (s.k === K_ASSERT) frontier.push([s.out, text]);
        else {
          const c = representative(s.set as CharTest);
          if (c !== undefined) next.push([s.out, text + String.fromCharCode(c)]);
        }
      }
      frontier = next.reverse();
    }
    return undefined;
  }

  private intern(core: number[], before: number): DState {
    const key = `${this.usesContext ? before : 0}:${core.join(',')}`;
    let d = this.cache.get(key);
    if (d === undefined) {
      if (this.cache.size >= MAX_DFA_STATES) this.cache = new Map(); // bounded memory; rebuilt lazily
      d = { core, before, ascii: new Array(128), other: undefined, atEnd: undefined };
      this.cache.set(key, d);
    }
    return d;
  }

  private step(d: DState, c: number): DState | typeof MATCH {
    const result = this.closure(d, kindOf(c), c);
    if (c < 128) d.ascii[c] = result;
    else (d.other ??= new Map()).set(c, result);
    return result;
  }

  /**
   * Follows epsilon moves from the state's core plus the start state (an unanchored search starts
   * a match at every position), in the context of the characters around this position. Returns
   * MATCH if the accept state is reached, else the state after reading `c` (when given).
   */
  private closure(d: DState, after: number, c: number | null): DState | typeof MATCH {
    const stamp = ++this.stamp;
    const mark = this.mark;
    const stack = [this.start, ...d.core];
    const next: number[] = [];
    while (stack.length > 0) {
      const id = stack.pop() as number;
      if (mark[id] === stamp) continue;
      mark[id] = stamp;
      const s = this.states[id] as NState;
      switch (s.k) {
        case K_MATCH:
          return MATCH;
        case K_SPLIT:
          stack.push(s.out2, s.out);
          break;
        case K_ASSERT:
          if (holds(s.a as Assertion, d.before, after)) stack.push(s.out);
          break;
        default:
          if (c !== null && testChar(s.set as CharTest, c)) next.push(s.out);
      }
    }
    if (c === null) return this.initial;
    next.sort((x, y) => x - y);
    const core = next.filter((v, i) => i === 0 || v !== next[i - 1]);
    return this.intern(core, kindOf(c));
  }
}

/** Parses and compiles `source`; throws ValidationError with the reason if it is not usable. */
export function compileRegex(source: string, flags = ''): RegexProgram {
  return new RegexProgram(source, flags);
}
