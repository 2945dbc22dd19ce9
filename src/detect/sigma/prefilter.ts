// A rule index so an event is only checked against rules it could match. For each rule we derive a
// necessary condition from its condition tree: "field F (or the keyword text) equals / starts with /
// ends with / contains one of these strings" (case-folded). Nearly every SigmaHQ rule has one
// (`eventName`, `type`, `verb`, `Image|endswith`, keyword lists), so an event looks its values up
// in hash maps and one Aho-Corasick scan per field instead of running every rule.

import type { FieldRegistry, FieldSlot, EventView } from './fields.js';
import type { ConditionNode, DetectionItem, SearchNode, SigmaDetectionRule } from './types.js';
import type { SigmaPattern } from './values.js';

type AtomKind = 'eq' | 'prefix' | 'suffix' | 'contains';

interface Atom {
  /** null: the keyword text (message, event.original, or else every value of the event). */
  slot: FieldSlot | null;
  kind: AtomKind;
  text: string;
}

/** Atoms ORed: the rule can only match if one holds. undefined = no usable condition. */
type Need = Atom[] | undefined;

const RANK: Record<AtomKind, number> = { eq: 0, prefix: 1, suffix: 1, contains: 2 };

function better(a: Need, b: Need): Need {
  if (a === undefined) return b;
  if (b === undefined) return a;
  const score = (n: Atom[]) => n.length + 4 * Math.max(...n.map((x) => RANK[x.kind]));
  return score(b) < score(a) ? b : a;
}

/** The most selective literal condition a pattern implies. */
function patternAtom(p: SigmaPattern): { kind: AtomKind; text: string } | undefined {
  const first = p[0];
  const last = p[p.length - 1];
  if (p.length === 1 && first?.kind === 'lit') return { kind: 'eq', text: first.text.toLowerCase() };
  if (first?.kind === 'lit') return { kind: 'prefix', text: first.text.toLowerCase() };
  if (last?.kind === 'lit') return { kind: 'suffix', text: last.text.toLowerCase() };
  let longest = '';
  for (const part of p) if (part.kind === 'lit' && part.text.length > longest.length) longest = part.text;
  return longest.length >= 2 ? { kind: 'contains', text: longest.toLowerCase() } : undefined;
}

function itemNeed(item: DetectionItem, slotOf: (field: string) => FieldSlot): Need {
  if (item.negate) return undefined;
  const slot = item.field === null ? null : slotOf(item.field);
  const perValue: Need[] = item.values.map((v) => {
    if (v.type !== 'string' || v.alternatives.length === 0) return undefined;
    const atoms: Atom[] = [];
    for (const alt of v.alternatives) {
      const a = patternAtom(alt);
      if (a === undefined || a.text === '') return undefined;
      // A case-sensitive value is checked case-folded here; only safe where folding is per character.
      if (v.cased && [...a.text].some((ch) => ch.charCodeAt(0) > 127)) return undefined;
      atoms.push({ slot, ...a });
    }
    return atoms;
  });
  if (item.combine === 'all') return perValue.reduce<Need>((best, n) => better(best, n), undefined);
  if (perValue.some((n) => n === undefined)) return undefined;
  return perValue.flatMap((n) => n as Atom[]);
}

function searchNeed(node: SearchNode, slotOf: (field: string) => FieldSlot): Need {
  if (node.kind === 'item') return itemNeed(node.item, slotOf);
  const needs = node.items.map((n) => searchNeed(n, slotOf));
  if (node.kind === 'and') return needs.reduce<Need>((best, n) => better(best, n), undefined);
  return needs.some((n) => n === undefined) ? undefined : needs.flatMap((n) => n as Atom[]);
}

function conditionNeed(node: ConditionNode, search: (name: string) => Need): Need {
  switch (node.kind) {
    case 'ref':
      return search(node.name);
    case 'not':
      return undefined;
    case 'and':
      return node.items
        .map((n) => conditionNeed(n, search))
        .reduce<Need>((best, n) => better(best, n), undefined);
    case 'or': {
      const needs = node.items.map((n) => conditionNeed(n, search));
      return needs.some((n) => n === undefined) ? undefined : needs.flatMap((n) => n as Atom[]);
    }
  }
}

/** The necessary condition of a rule, with fields resolved to the slots its matchers use. */
export function ruleNeed(
  rule: SigmaDetectionRule,
  registry: FieldRegistry,
  aliases: Record<string, string[]>,
): Need {
  const slotOf = (field: string) => registry.slot(field, aliases[field] ?? []);
  const cache = new Map<string, Need>();
  return conditionNeed(rule.condition, (name) => {
    if (!cache.has(name)) cache.set(name, searchNeed(rule.searches[name] as SearchNode, slotOf));
    return cache.get(name);
  });
}

interface SlotIndex {
  slot: FieldSlot | null;
  eq: Map<string, number[]>;
  /** by length, then by the prefix/suffix text */
  prefix: Map<number, Map<string, number[]>>;
  suffix: Map<number, Map<string, number[]>>;
  contains: Map<string, number[]>;
  scanner: Scanner | undefined;
}

/** The rules of one route, indexed; `forEachCandidate` visits the rules an event must be checked against. */
export class RuleIndex<R> {
  private readonly always: boolean[];
  private readonly slots: SlotIndex[] = [];
  private readonly marks: Uint32Array;
  private stamp = 0;

  constructor(
    readonly rules: R[],
    needs: Need[],
  ) {
    this.always = needs.map((n) => n === undefined);
    this.marks = new Uint32Array(rules.length);
    const bySlot = new Map<number, SlotIndex>();
    needs.forEach((need, ri) => {
      for (const atom of need ?? []) {
        const id = atom.slot === null ? -1 : atom.slot.id;
        let s = bySlot.get(id);
        if (s === undefined) {
          s = {
            slot: atom.slot,
            eq: new Map(),
            prefix: new Map(),
            suffix: new Map(),
            contains: new Map(),
            scanner: undefined,
          };
          bySlot.set(id, s);
          this.slots.push(s);
        }
        if (atom.kind === 'eq') push(s.eq, atom.text, ri);
        else if (atom.kind === 'contains') push(s.contains, atom.text, ri);
        else {
          const byLen = atom.kind === 'prefix' ? s.prefix : s.suffix;
          let m = byLen.get(atom.text.length);
          if (m === undefined) byLen.set(atom.text.length, (m = new Map()));
          push(m, atom.text, ri);
        }
      }
    });
    for (const s of this.slots) if (s.contains.size > 0) s.scanner = new Scanner(s.contains);
  }

  /** Calls `visit` with each rule the event may match, in load order. */
  forEachCandidate(view: EventView, visit: (rule: R) => void): void {
    const stamp = ++this.stamp;
    const marks = this.marks;
    for (const s of this.slots) {
      const fv = s.slot === null ? view.keywords() : view.get(s.slot);
      if (fv === undefined) continue;
      for (const v of fv.lowers()) {
        if (v === null) continue;
        mark(marks, s.eq.get(v), stamp);
        if (s.prefix.size > 0)
          for (const [len, m] of s.prefix) if (len <= v.length) mark(marks, m.get(v.slice(0, len)), stamp);
        if (s.suffix.size > 0)
          for (const [len, m] of s.suffix)
            if (len <= v.length) mark(marks, m.get(v.slice(v.length - len)), stamp);
        s.scanner?.scan(v, marks, stamp);
      }
    }
    const rules = this.rules;
    for (let i = 0; i < rules.length; i++)
      if (this.always[i] === true || marks[i] === stamp) visit(rules[i] as R);
  }
}

function mark(marks: Uint32Array, rules: number[] | undefined, stamp: number): void {
  if (rules !== undefined) for (const ri of rules) marks[ri] = stamp;
}

function push(m: Map<string, number[]>, key: string, value: number): void {
  const list = m.get(key);
  if (list === undefined) m.set(key, [value]);
  else if (list[list.length - 1] !== value) list.push(value);
}

/**
 * Aho-Corasick automaton: reports, in one pass over a string, the rules of every text it contains.
 * The failure links are folded into a full transition table over the characters the texts use
 * (every other character leads back to the root), so a scan is one table read per character.
 */
export class Scanner {
  /** Character class of each ASCII code; 0 = a character no text contains. */
  private readonly ascii = new Uint16Array(128);
  private readonly wide = new Map<number, number>();
  private readonly width: number;
  private readonly delta: Int32Array;
  private readonly out: Array<number[] | undefined>;

  constructor(texts: Map<string, number[]>) {
    let width = 1;
    for (const text of texts.keys())
      for (let i = 0; i < text.length; i++) {
        const c = text.charCodeAt(i);
        if (this.classOf(c) === 0) {
          if (c < 128) this.ascii[c] = width++;
          else this.wide.set(c, width++);
        }
      }
    this.width = width;
    // The trie, with children by class.
    const children: Array<Map<number, number>> = [new Map()];
    const out: Array<number[] | undefined> = [undefined];
    for (const [text, rules] of texts) {
      let state = 0;
      for (let i = 0; i < text.length; i++) {
        const cls = this.classOf(text.charCodeAt(i));
        let to = children[state]!.get(cls);
        if (to === undefined) {
          to = children.length;
          children.push(new Map());
          out.push(undefined);
          children[state]!.set(cls, to);
        }
        state = to;
      }
      out[state] = [...(out[state] ?? []), ...rules];
    }
    // Breadth-first: a state's missing transitions are its failure state's, and its outputs
    // include its failure state's (which is shallower, so already complete).
    const delta = new Int32Array(children.length * width);
    const fail = new Int32Array(children.length);
    const queue: number[] = [];
    for (const [cls, to] of children[0]!) {
      delta[cls] = to;
      queue.push(to);
    }
    for (let qi = 0; qi < queue.length; qi++) {
      const state = queue[qi]!;
      const f = fail[state]!;
      const inherited = out[f];
      if (inherited !== undefined) out[state] = [...(out[state] ?? []), ...inherited];
      for (let cls = 0; cls < width; cls++) {
        const to = children[state]!.get(cls);
        if (to === undefined) delta[state * width + cls] = delta[f * width + cls]!;
        else {
          delta[state * width + cls] = to;
          fail[to] = delta[f * width + cls]!;
          queue.push(to);
        }
      }
    }
    this.delta = delta;
    this.out = out;
  }

  private classOf(c: number): number {
    return c < 128 ? this.ascii[c]! : (this.wide.get(c) ?? 0);
  }

  /** Marks (with `stamp`) the rules of every text `s` contains. */
  scan(s: string, marks: Uint32Array, stamp: number): void {
    const { ascii, delta, out, width } = this;
    let state = 0;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      state = delta[state * width + (c < 128 ? ascii[c]! : this.classOf(c))]!;
      const rules = out[state];
      if (rules !== undefined) mark(marks, rules, stamp);
    }
  }
}
