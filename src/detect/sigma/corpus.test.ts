// Every SigmaHQ rule of test/fixtures/sigma/rules either loads or is rejected for a reason that is
// right for it: the pre-v2 aggregation syntax (deprecated/ and unsupported/) or a placeholder with
// no configured value (rules-placeholder/).

import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createDetector } from './engine.js';
import { loadRuleFiles } from './loader.js';
import type { RuleLoadError } from './types.js';

const RULES = fileURLToPath(new URL('../../../test/fixtures/sigma/rules', import.meta.url));

const KINDS: Array<{ kind: string; reason: RegExp; folder: RegExp }> = [
  {
    kind: 'pre-v2 aggregation (| count() / | near)',
    reason: /pre-v2 aggregation '\| (count\(|near )/,
    folder: /\/(unsupported|deprecated)\//,
  },
  {
    kind: "pre-v2 'timeframe'",
    reason: /'timeframe' belongs to the pre-v2 aggregations/,
    folder: /\/unsupported\//,
  },
  {
    kind: 'unresolved expand placeholder',
    reason: /unresolved placeholder %\w+%/,
    folder: /\/rules-placeholder\//,
  },
];

function kindOf(e: RuleLoadError): string {
  const k = KINDS.find((x) => x.reason.test(e.reason) && x.folder.test(e.path));
  return k?.kind ?? `UNEXPECTED: ${e.path}: ${e.reason}`;
}

describe('SigmaHQ rule corpus', () => {
  const result = loadRuleFiles([RULES]);

  it('loads every rule or rejects it for the right reason', () => {
    const byKind = new Map<string, number>();
    for (const e of result.errors) byKind.set(kindOf(e), (byKind.get(kindOf(e)) ?? 0) + 1);
    console.log(
      `SigmaHQ corpus: ${result.rules.length} rules loaded, ${result.errors.length} rejected\n` +
        [...byKind].map(([k, n]) => `  ${n} x ${k}`).join('\n'),
    );
    expect([...byKind.keys()].filter((k) => k.startsWith('UNEXPECTED'))).toEqual([]);
    expect(result.rules.length + result.errors.length).toBe(529);
    expect(byKind.get(KINDS[0]?.kind as string)).toBe(15);
    expect(byKind.get(KINDS[1]?.kind as string)).toBe(1);
    expect(byKind.get(KINDS[2]?.kind as string)).toBe(9);
    // Every rule outside those folders loads.
    expect(
      result.errors.filter((e) => !/\/(unsupported|deprecated|rules-placeholder)\//.test(e.path)),
    ).toEqual([]);
  });

  it('loads the placeholder rules once their placeholders have values', () => {
    const names = new Set<string>();
    for (const e of result.errors) for (const m of e.reason.matchAll(/%(\w+)%/g)) names.add(m[1] as string);
    let placeholders: Record<string, string> = {};
    // A rule can use several placeholders; each load reports the first unresolved one.
    for (let round = 0; round < 5; round++) {
      placeholders = Object.fromEntries([...names].map((n) => [n, `value-of-${n}`]));
      const again = loadRuleFiles([`${RULES}/rules-placeholder`], { placeholders });
      for (const e of again.errors) for (const m of e.reason.matchAll(/%(\w+)%/g)) names.add(m[1] as string);
      if (again.errors.length === 0) {
        expect(again.rules).toHaveLength(9);
        return;
      }
    }
    throw new Error('placeholder rules still rejected');
  });

  it('compiles every loaded rule into one detector', () => {
    const detector = createDetector({ rules: result.rules });
    expect(detector.process({ message: 'nothing to see' }, 0)).toEqual([]);
  });
});
