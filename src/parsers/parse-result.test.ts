// The ParseResult contract that lets consumers skip a second validation: an event that comes with
// `ts` is exactly what validateEvent makes of it, and `ts` is its `@timestamp` in epoch ms.

import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateEvent } from '../core/validate.js';
import { createParser, type Format } from './index.js';
import type { ParseResult } from './parser.js';

const FIXTURES = path.resolve(import.meta.dirname, '../../test/fixtures');
const NOW = Date.UTC(2026, 10, 20);

function parseAll(format: Format, text: string): ParseResult[] {
  const parser = createParser(format, { now: NOW, timezone: 'Europe/Berlin' });
  return [...text.split('\n').flatMap((line, i) => parser.push(line, i + 1)), ...parser.end()];
}

// One audit document (or several back to back) per file, each made one line.
const k8s = fs
  .readdirSync(path.join(FIXTURES, 'k8s_audit/events'))
  .slice(0, 20)
  .map((f) => fs.readFileSync(path.join(FIXTURES, 'k8s_audit/events', f), 'utf8').replace(/\r?\n/g, ' '))
  .join('\n');

const INPUTS: Array<[Format, string]> = [
  [
    'json',
    [
      '{"@timestamp":"2026-11-20T10:00:00+02:00","event":{"action":"ssh.login","outcome":"success"},"user":{"name":"alice"}}',
      '{"@timestamp":"2026-11-20T08:00:00.5Z","message":"two"}',
      '[{"@timestamp":"2026-11-20T08:00:01Z"},{"@timestamp":"not a time"}]',
    ].join('\n'),
  ],
  ['k8s-audit', k8s],
  [
    'cloudtrail',
    fs
      .readFileSync(path.join(FIXTURES, 'panther/aws_cloudtrail_logs.jsonl'), 'utf8')
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.stringify((JSON.parse(l) as { log: unknown }).log))
      .join('\n'),
  ],
  [
    'pgaudit',
    [
      '2026-11-20 08:00:00.123 UTC [4242] LOG:  AUDIT: SESSION,1,1,READ,SELECT,,,SELECT 1,<not logged>',
      '2026-11-20 08:00:01.456 UTC [4242] LOG:  AUDIT: SESSION,2,1,DDL,CREATE TABLE,TABLE,public.t,CREATE TABLE t (id int),<not logged>',
    ].join('\n'),
  ],
  ['auditd', fs.readFileSync(path.join(FIXTURES, 'auditd/auparse/audit-rhel7.log'), 'utf8')],
  ['linux-auth', fs.readFileSync(path.join(FIXTURES, 'loghub_linux/Linux_2k.log'), 'utf8').slice(0, 20_000)],
];

describe('ParseResult.ts', () => {
  for (const [format, text] of INPUTS) {
    it(`${format}: an event with ts is validateEvent's own result`, () => {
      const events = parseAll(format, text).filter((r) => 'event' in r);
      expect(events.length, format).toBeGreaterThan(0);
      for (const r of events) {
        if (r.ts === undefined) continue;
        const v = validateEvent(r.event);
        expect(v.ok).toBe(true);
        if (!v.ok) continue;
        expect(v.event).toEqual(r.event);
        expect(r.ts).toBe(v.ts);
        expect(r.ts).toBe(Date.parse(r.event['@timestamp']));
      }
    });
  }

  it('is given by the document formats, whose events are validated as they are parsed', () => {
    for (const [format, text] of INPUTS.filter(([f]) => f !== 'linux-auth')) {
      const events = parseAll(format, text).filter((r) => 'event' in r);
      expect(
        events.every((r) => r.ts !== undefined),
        format,
      ).toBe(true);
    }
    const results = parseAll('json', INPUTS[0]![1]);
    // The invalid time is rejected by the parser, not left for the consumer.
    expect(results.filter((r) => 'error' in r)).toHaveLength(1);
    expect(results.find((r) => 'event' in r && r.line === 1)).toMatchObject({
      event: { '@timestamp': '2026-11-20T08:00:00.000Z' },
      ts: Date.UTC(2026, 10, 20, 8),
    });
  });
});
