import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../core/event.js';
import { validateEvent } from '../core/validate.js';
import { encodeBody } from '../store/row-codec.js';
import { rowToEvent } from '../store/store.js';
import { committedEvent, isPlainJson } from './committed-event.js';
import { MAX_KEYWORD_STRINGS } from './sigma/fields.js';

const RECEIVED = Date.UTC(2026, 11, 6, 18, 0, 0, 123);

/** The row admission stores for `event`, and the event as it was admitted. */
function committed(input: Record<string, unknown>, seq = 7) {
  const v = validateEvent(input);
  if (!v.ok) throw new Error(v.message);
  const { body, columns } = encodeBody(v.event, v.ts);
  return { event: v.event, row: { seq, ts: v.ts, received: RECEIVED, source: 'http:ingest', body, columns } };
}

const EVENTS: Array<Record<string, unknown>> = [
  {
    '@timestamp': '2026-11-01T10:00:00.123Z',
    event: { action: 'ssh.login', outcome: 'success', category: ['authentication', 'session'] },
    user: { name: 'alice', effective: { name: 'root' } },
    source: { ip: '10.0.0.1', port: 50022 },
    host: { name: 'web-1', ip: ['10.0.0.9', 'fe80::1'] },
    session: { id: 's-1' },
    message: 'Accepted publickey for alice ünïcödé 😀',
  },
  // Objects emptied by the columns, a sender's own seq, received and source, a producer.
  {
    '@timestamp': '2026-11-01T10:00:00Z',
    session: { id: 's-2' },
    event: { dataset: 'linux.auth' },
    stele: { seq: 99, received: 'x', source: 'y', producer: { id: 'agent', seq: 4 } },
  },
  { '@timestamp': '2026-11-01T12:00:00+02:00', stele: { seq: 1 }, user: {}, labels: { a: '1', 'b.c': '' } },
  // Unknown fields, nested, with nulls, numbers and booleans; a leap second.
  {
    '@timestamp': '2016-12-31T23:59:60Z',
    custom: { list: [1, 2.5, -3, null, true, { deep: ['x', { deeper: 'y' }] }], flag: false, none: null },
    'dotted.key': 'v',
  },
];

describe('a committed event from memory', () => {
  it('equals the event decoded from its stored row', () => {
    for (const input of EVENTS) {
      const { event, row } = committed(input);
      expect(committedEvent(event, row), JSON.stringify(input)).toStrictEqual(rowToEvent(row));
    }
  });

  it('is left to the row when JSON would not give the event back as it is', () => {
    const base = EVENTS[0]!;
    const { message: _message, ...withoutMessage } = base;
    const unplain: Array<Record<string, unknown>> = [
      { ...base, custom: { gone: undefined } },
      { ...base, custom: [1, undefined] },
      // eslint-disable-next-line no-sparse-arrays
      { ...base, custom: [1, , 3] },
      { ...base, custom: Number.NaN },
      { ...base, custom: -0 },
      { ...base, custom: new Date(0) },
      { ...base, custom: new Map() },
      { ...base, custom: 10n },
      { ...base, custom: () => 1 },
      // Keyword search reads this many strings in key order, which the row need not keep.
      { ...withoutMessage, custom: Array.from({ length: MAX_KEYWORD_STRINGS }, (_, i) => `s${i}`) },
    ];
    for (const input of unplain) {
      const event = { ...input } as AuditEvent;
      expect(isPlainJson(event)).toBe(false);
      expect(committedEvent(event, committed(base).row)).toBeUndefined();
    }
    expect(isPlainJson({ nested: Object.assign(Object.create(null), { a: 'b' }) as object })).toBe(true);
    expect(isPlainJson(JSON.parse(JSON.stringify(base)) as object)).toBe(true);
    const fewer = Array.from({ length: MAX_KEYWORD_STRINGS - 20 }, (_, i) => `s${i}`);
    expect(isPlainJson({ ...withoutMessage, custom: fewer })).toBe(true);
  });
});
