import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../core/event.js';
import { canonicalize } from '../ledger/canonical.js';
import { COLUMN_FIELDS, decodeRow, encodeBody } from './row-codec.js';

const row = (event: AuditEvent) => {
  const ts = Date.parse(event['@timestamp']);
  return { seq: 7, ts, received: Date.UTC(2026, 0, 1), source: 'http:test', ...encodeBody(event, ts) };
};
const stele = { seq: 7, received: '2026-01-01T00:00:00.000Z', source: 'http:test' };

describe('row codec', () => {
  const cases: Array<[string, AuditEvent]> = [
    ['only a timestamp', { '@timestamp': '2026-01-01T00:00:00.000Z' }],
    [
      'every column field, with siblings',
      {
        '@timestamp': '2026-01-01T00:00:00.000Z',
        event: { action: 'ssh.login', outcome: 'failure', dataset: 'linux.auth', category: 'authentication' },
        user: { name: 'root', effective: { name: 'admin' } },
        host: { name: 'web-1', ip: ['10.0.0.1'] },
        session: { id: 's1' },
      },
    ],
    [
      'column fields alone in their objects',
      {
        '@timestamp': '2026-01-01T00:00:00.000Z',
        host: { name: 'h' },
        session: { id: 'x' },
        user: { name: 'u' },
      },
    ],
    [
      'a timestamp spelled otherwise than UTC with milliseconds',
      { '@timestamp': '2026-01-01T01:00:00+01:00' },
    ],
    ['a timestamp with sub-millisecond digits', { '@timestamp': '2026-01-01T00:00:00.123456Z' }],
    ['empty objects kept as sent', { '@timestamp': '2026-01-01T00:00:00.000Z', host: {}, event: {} }],
    [
      'producer kept, Stele fields replaced',
      {
        '@timestamp': '2026-01-01T00:00:00.000Z',
        stele: { seq: 99, received: 'x', source: 'forged', producer: { id: 'a', seq: 3 } },
      },
    ],
  ];
  for (const [name, event] of cases) {
    it(`round-trips: ${name}`, () => {
      const decoded = decodeRow(row(event));
      const expected = {
        ...event,
        stele: { ...(event.stele?.producer ? { producer: event.stele.producer } : {}), ...stele },
      };
      expect(canonicalize(decoded)).toBe(canonicalize(expected));
    });
  }

  it('does not store a column field twice', () => {
    const { body, columns } = encodeBody({
      '@timestamp': '2026-01-01T00:00:00.000Z',
      event: { action: 'sudo.exec' },
      user: { name: 'mallory' },
    });
    expect(body).not.toMatch(/sudo\.exec|mallory/);
    expect(columns).toEqual(['sudo.exec', null, null, 'mallory', null, null]);
    expect(columns).toHaveLength(COLUMN_FIELDS.length);
  });

  it('leaves @timestamp to the ts column when that gives it back exactly, and restores it first', () => {
    const event = { '@timestamp': '2026-03-04T05:06:07.089Z', message: 'hello' };
    const stored = row(event);
    expect(stored.body).not.toContain('@timestamp');
    const decoded = decodeRow(stored);
    expect(Object.keys(decoded)[0]).toBe('@timestamp');
    expect(decoded['@timestamp']).toBe(event['@timestamp']);
  });

  it('keeps @timestamp in the body when the ts column does not match it', () => {
    const event = { '@timestamp': '2026-03-04T05:06:07.089Z' };
    const { body } = encodeBody(event, Date.parse(event['@timestamp']) + 1);
    expect(JSON.parse(body)).toEqual(event);
    expect(encodeBody(event).body).toContain('@timestamp');
  });
});
