// Runs every case of the Sigma conformance checklist (test/fixtures/sigma/conformance_cases.json):
// detection cases event by event, correlation cases as streams, and prints how many passed.

import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { createDetector } from './engine.js';
import { loadRules } from './loader.js';
import type { Alert, Placeholders } from './types.js';

interface DetectionCase {
  id: string;
  description: string;
  rule_yaml: string;
  placeholders?: Placeholders;
  expect_rule_error?: boolean;
  events?: Array<{ event: object; expected_match: boolean; why?: string }>;
}

interface CorrelationCase {
  id: string;
  description: string;
  rules_yaml: string;
  timestamp_field?: string;
  events: object[];
  expected: Record<string, Array<{ group: Record<string, unknown>; first_fire_index: number | null }>>;
}

const data = JSON.parse(
  readFileSync(new URL('../../../test/fixtures/sigma/conformance_cases.json', import.meta.url), 'utf8'),
) as { detection_cases: DetectionCase[]; correlation_cases: CorrelationCase[] };

const results = new Map<string, boolean>();

function record(id: string, run: () => void): void {
  try {
    run();
    results.set(id, true);
  } catch (err) {
    results.set(id, false);
    throw err;
  }
}

afterAll(() => {
  const passed = [...results.values()].filter(Boolean).length;
  const total = data.detection_cases.length + data.correlation_cases.length;
  console.log(`Sigma conformance: ${passed}/${total} cases passed`);
});

describe('Sigma conformance: detection cases', () => {
  it.each(data.detection_cases.map((c) => [c.id, c] as const))('%s', (id, c) => {
    record(id, () => {
      const loaded = loadRules([{ path: `${id}.yml`, text: c.rule_yaml }], {
        placeholders: c.placeholders ?? {},
      });
      if (c.expect_rule_error === true) {
        expect(loaded.rules, c.description).toHaveLength(0);
        expect(loaded.errors).toHaveLength(1);
        return;
      }
      expect(loaded.errors, c.description).toEqual([]);
      const detector = createDetector({ rules: loaded.rules });
      (c.events ?? []).forEach((e, i) => {
        const matched = detector.process(e.event, i).length > 0;
        expect(matched, `${id} event ${i}: ${JSON.stringify(e.event)} ${e.why ?? ''}`).toBe(e.expected_match);
      });
    });
  });
});

describe('Sigma conformance: correlation cases', () => {
  it.each(data.correlation_cases.map((c) => [c.id, c] as const))('%s', (id, c) => {
    record(id, () => {
      const loaded = loadRules([{ path: `${id}.yml`, text: c.rules_yaml }]);
      expect(loaded.errors, c.description).toEqual([]);
      const detector = createDetector({
        rules: loaded.rules,
        timestampField: c.timestamp_field ?? '@timestamp',
      });
      const alerts: Alert[] = c.events.flatMap((e, i) => detector.process(e, i));
      // generate defaults to false: referenced rules do not alert on their own.
      expect(alerts.filter((a) => a.group === undefined)).toEqual([]);
      for (const [title, groups] of Object.entries(c.expected)) {
        for (const { group, first_fire_index } of groups) {
          const first = alerts.find(
            (a) => a.rule.title === title && JSON.stringify(a.group) === JSON.stringify(group),
          );
          expect(first?.event_index ?? null, `${id} ${title} ${JSON.stringify(group)}`).toBe(
            first_fire_index,
          );
        }
        // No group fires that the case does not expect.
        for (const a of alerts.filter((x) => x.rule.title === title)) {
          const listed = groups.find((g) => JSON.stringify(g.group) === JSON.stringify(a.group));
          expect(listed?.first_fire_index, `unexpected alert ${JSON.stringify(a)}`).not.toBeNull();
          expect(listed).toBeDefined();
        }
      }
    });
  });
});
