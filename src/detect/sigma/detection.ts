// The `detection` section (sigma-rules-specification.md, "Detection"): search identifiers made of
// maps (items ANDed), lists of maps (ORed) and keyword lists (values ORed, searched in the message).

import { ValidationError } from '../../core/errors.js';
import { buildItem } from './modifiers.js';
import type { Placeholders, RawValue, SearchNode } from './types.js';
import { isNull, type YMap, type YNode, type YScalar } from './yaml-nodes.js';

function rawValue(n: YScalar): RawValue {
  return { text: isNull(n) ? null : n.text, quoted: !n.plain, line: n.line };
}

function valuesOf(n: YNode, key: string): RawValue[] {
  if (n.kind === 'scalar') return [rawValue(n)];
  if (n.kind === 'map')
    throw new ValidationError(`line ${n.line}: '${key}' has a map as value; expected a value or a list`);
  return n.items.map((item) => {
    if (item.kind !== 'scalar') {
      throw new ValidationError(
        `line ${item.line}: '${key}' has a nested ${item.kind === 'map' ? 'map' : 'list'} in its value list`,
      );
    }
    return rawValue(item);
  });
}

function mapNode(map: YMap, ph: Placeholders): SearchNode {
  if (map.entries.length === 0) throw new ValidationError(`line ${map.line}: empty selection map`);
  const items: SearchNode[] = map.entries.map(([k, v]) => {
    const [field, ...modifiers] = k.text.split('|');
    const item = buildItem(
      {
        field: field === '' ? null : (field as string),
        modifiers,
        values: valuesOf(v, k.text),
        line: k.line,
        key: k.text,
      },
      ph,
    );
    return { kind: 'item', item };
  });
  return items.length === 1 ? (items[0] as SearchNode) : { kind: 'and', items };
}

/** Parses one search identifier's body. */
export function parseSearch(name: string, node: YNode, ph: Placeholders): SearchNode {
  if (node.kind === 'map') return mapNode(node, ph);
  if (node.kind === 'scalar') {
    if (isNull(node)) throw new ValidationError(`line ${node.line}: search identifier '${name}' is empty`);
    return {
      kind: 'item',
      item: buildItem(
        { field: null, modifiers: [], values: [rawValue(node)], line: node.line, key: name },
        ph,
      ),
    };
  }
  if (node.items.length === 0)
    throw new ValidationError(`line ${node.line}: search identifier '${name}' is an empty list`);
  const scalars = node.items.filter((i): i is YScalar => i.kind === 'scalar');
  const alternatives: SearchNode[] = [];
  if (scalars.length > 0) {
    alternatives.push({
      kind: 'item',
      item: buildItem(
        { field: null, modifiers: [], values: scalars.map(rawValue), line: node.line, key: name },
        ph,
      ),
    });
  }
  for (const item of node.items) {
    if (item.kind === 'map') alternatives.push(mapNode(item, ph));
    else if (item.kind === 'seq')
      throw new ValidationError(`line ${item.line}: nested list in search identifier '${name}'`);
  }
  return alternatives.length === 1 ? (alternatives[0] as SearchNode) : { kind: 'or', items: alternatives };
}
