import { describe, expect, it } from 'vitest';
import { parseCondition } from './condition.js';
import type { ConditionNode } from './types.js';
import { loadError, matcher } from './test-support.js';

function show(n: ConditionNode): string {
  switch (n.kind) {
    case 'ref':
      return n.name;
    case 'not':
      return `not(${show(n.item)})`;
    default:
      return `${n.kind}(${n.items.map(show).join(',')})`;
  }
}

const NAMES = ['a', 'b', 'c', 'sel_1', 'sel_2', '_hidden', 'filter_x'];

describe('condition grammar (spec "Condition")', () => {
  it.each([
    ['a or b and c', 'or(a,and(b,c))'],
    ['a and b or c', 'or(and(a,b),c)'],
    ['not a and b', 'and(not(a),b)'],
    ['not (a and b)', 'not(and(a,b))'],
    ['a and not not b', 'and(a,not(not(b)))'],
    ['(a or b) and c', 'and(or(a,b),c)'],
    ['1 of sel_*', 'or(sel_1,sel_2)'],
    ['any of sel_*', 'or(sel_1,sel_2)'],
    ['all of sel_*', 'and(sel_1,sel_2)'],
    ['1 of them', 'or(a,b,c,sel_1,sel_2,filter_x)'],
    ['all of sel_* and not 1 of filter_*', 'and(and(sel_1,sel_2),not(filter_x))'],
    ['not 1 of sel_* or a', 'or(not(or(sel_1,sel_2)),a)'],
    ['a AND b Or NOT c', 'or(and(a,b),not(c))'],
    ['1 of _*', '_hidden'],
  ])('%s', (text, tree) => {
    expect(show(parseCondition(text, NAMES))).toBe(tree);
  });

  it.each([
    ['a and', 'unexpected end'],
    ['a b', "unexpected 'b'"],
    ['(a or b', "missing ')'"],
    ['a)', "unexpected ')'"],
    ['unknown', "unknown identifier 'unknown'"],
    ['1 of nothing_*', 'matches no search identifier'],
    ['2 of sel_*', "use '1 of', 'any of' or 'all of'"],
    ['a | count() by x > 5', 'pre-v2 aggregation'],
    ['a | near b', 'temporal correlation'],
    ['', 'empty'],
  ])('rejects %j (%s)', (text, reason) => {
    expect(() => parseCondition(text, NAMES)).toThrow(reason);
  });

  it('evaluates precedence as specified', () => {
    const m = matcher('a:\n    x: 1\nb:\n    y: 1\nc:\n    z: 1\ncondition: not a and b or c');
    expect(m({ y: 1 })).toBe(true); // (not a and b)
    expect(m({ x: 1, y: 1 })).toBe(false);
    expect(m({ x: 1, z: 1 })).toBe(true); // or c
  });

  it('a list of conditions is ORed', () => {
    const m = matcher('a:\n    x: 1\nb:\n    y: 1\ncondition:\n    - a\n    - b');
    expect(m({ y: 1 })).toBe(true);
    expect(m({ z: 1 })).toBe(false);
  });

  it('reports condition errors with their line', () => {
    expect(loadError('a:\n    x: 1\ncondition: a and b')).toMatch(
      /^line 7: condition 'a and b': unknown identifier 'b'/,
    );
  });
});
