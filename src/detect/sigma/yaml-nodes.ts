// Rule YAML as a small tree that keeps each scalar's source text: parsed with the `yaml` package's
// failsafe schema, every scalar stays a string as written, so an unquoted `00000429` or `0x17` is
// not turned into a number and `yes` is not turned into a boolean. Meaning is given by the reader
// that knows the context (a rule value, a threshold, a flag).

import {
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parseAllDocuments,
  Scalar,
  type Document,
  type Node,
} from 'yaml';
import { ValidationError } from '../../core/errors.js';

export interface YScalar {
  kind: 'scalar';
  text: string;
  /** Written without quotes and not as a block scalar: may be null, a number or a boolean. */
  plain: boolean;
  line: number;
}
export interface YMap {
  kind: 'map';
  entries: Array<[YScalar, YNode]>;
  line: number;
}
export interface YSeq {
  kind: 'seq';
  items: YNode[];
  line: number;
}
export type YNode = YScalar | YMap | YSeq;

const MAX_NODES = 200_000; // guards against alias expansion bombs

/** YAML 1.2 core-schema nulls, for plain scalars only. */
export function isNull(n: YNode): boolean {
  return (
    n.kind === 'scalar' && n.plain && (n.text === '' || n.text === '~' || /^(null|Null|NULL)$/.test(n.text))
  );
}

export function get(map: YMap, key: string): YNode | undefined {
  for (const [k, v] of map.entries) if (k.text === key) return v;
  return undefined;
}

export function without(map: YMap, key: string): YMap {
  return { ...map, entries: map.entries.filter(([k]) => k.text !== key) };
}

/** Deep merge of `over` into `base` (Sigma v1 `action: global` / `repeat` collections). */
export function deepMerge(base: YMap, over: YMap): YMap {
  const entries = [...base.entries];
  for (const [k, v] of over.entries) {
    const at = entries.findIndex(([bk]) => bk.text === k.text);
    const prev = at >= 0 ? entries[at] : undefined;
    if (prev !== undefined && prev[1].kind === 'map' && v.kind === 'map')
      entries[at] = [k, deepMerge(prev[1], v)];
    else if (at >= 0) entries[at] = [k, v];
    else entries.push([k, v]);
  }
  return { kind: 'map', entries, line: base.line };
}

export interface ParsedDocument {
  index: number;
  root: YNode | null;
  error?: string;
}

/** Splits a multi-document YAML text into trees; a document that does not parse carries `error`. */
export function parseDocuments(text: string): ParsedDocument[] {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { schema: 'failsafe', lineCounter, uniqueKeys: true });
  const list = Array.isArray(docs) ? docs : [];
  return list.map((doc, index) => {
    const problem = doc.errors[0];
    if (problem !== undefined) {
      return { index, root: null, error: `YAML: ${problem.message.split('\n')[0] ?? problem.message}` };
    }
    try {
      const counter = { n: 0 };
      const root = doc.contents === null ? null : convert(doc.contents, doc, lineCounter, counter);
      return { index, root };
    } catch (err) {
      return { index, root: null, error: (err as Error).message };
    }
  });
}

function lineOf(node: Node, lc: LineCounter): number {
  const at = node.range?.[0] ?? 0;
  return lc.linePos(at).line;
}

function convert(node: unknown, doc: Document, lc: LineCounter, counter: { n: number }): YNode {
  if (++counter.n > MAX_NODES) throw new ValidationError('YAML: document too large (alias expansion?)');
  if (isAlias(node)) return convert(node.resolve(doc), doc, lc, counter);
  if (isScalar(node)) {
    const plain = node.type === Scalar.PLAIN || node.type === undefined;
    return { kind: 'scalar', text: String(node.value ?? ''), plain, line: lineOf(node, lc) };
  }
  if (isMap(node)) {
    const entries: Array<[YScalar, YNode]> = [];
    for (const pair of node.items) {
      const key = pair.key === null ? null : convert(pair.key, doc, lc, counter);
      if (key === null || key.kind !== 'scalar') {
        throw new ValidationError(`line ${lineOf(node, lc)}: mapping keys must be plain strings`);
      }
      const value: YNode =
        pair.value === null
          ? { kind: 'scalar', text: '', plain: true, line: key.line }
          : convert(pair.value, doc, lc, counter);
      entries.push([key, value]);
    }
    return { kind: 'map', entries, line: lineOf(node, lc) };
  }
  if (isSeq(node)) {
    return {
      kind: 'seq',
      items: node.items.map((item) =>
        item === null ? { kind: 'scalar', text: '', plain: true, line: 0 } : convert(item, doc, lc, counter),
      ),
      line: lineOf(node, lc),
    };
  }
  throw new ValidationError('YAML: unsupported node');
}

/** The scalar's text, or a reason naming what was expected. */
export function scalarText(n: YNode | undefined, what: string): string | undefined {
  if (n === undefined || isNull(n)) return undefined;
  if (n.kind !== 'scalar') throw new ValidationError(`line ${n.line}: ${what} must be a string`);
  return n.text;
}
