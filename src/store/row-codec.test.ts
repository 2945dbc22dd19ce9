import { describe, expect, it, vi } from 'vitest';
import type { AuditEvent } from '../core/event.js';
import { canonicalize } from '../ledger/canonical.js';
import { COLUMN_FIELDS, decodeRow, encodeBody, eventJson } from './row-codec.js';

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

  describe('eventJson writes exactly what JSON.stringify(decodeRow(row)) writes', () => {
    const tricky: Array<[string, AuditEvent]> = [
      ...cases,
      [
        'quotes, backslashes, braces and control characters in strings',
        {
          '@timestamp': '2026-01-01T00:00:00.000Z',
          message: 'a "quoted" {brace} [x] \\"\\ \n\t\u0001 \u2028 é 😀 ,"event":{',
          event: { action: 'x"}\\', original: '\\', reason: '"' },
          user: { name: '{"user":1}\u0000', roles: ['a', '"]'] },
          labels: { '"quoted key"': 'v', event: 'not the event', '\\': '1' },
        } as AuditEvent,
      ],
      [
        'numbers, booleans, nulls and nesting around the spliced objects',
        {
          '@timestamp': '2026-01-01T00:00:00.000Z',
          a: [1, -2.5e-7, 1e21, true, false, null, [[], {}], { b: [{ c: '}' }] }],
          event: { category: ['authentication'], severity: 0, outcome: 'success' },
          host: { name: 'h', ip: ['10.0.0.1', '::1'], uptime: 12.5 },
          session: { id: '', nested: { deep: { deeper: [null] } } },
          z: null,
        } as AuditEvent,
      ],
      [
        'integer-like keys and a producer',
        {
          '@timestamp': '2026-01-01T00:00:00.000Z',
          labels: { '10': 'ten', '2': 'two', b: 'b' },
          '0': 'zero',
          stele: { producer: { id: 'agent "7"', seq: 3 } },
          user: { name: 'u', '1': 'one' },
        } as unknown as AuditEvent,
      ],
      ['a timestamp only, no columns', { '@timestamp': '2026-01-01T00:00:00.000Z' }],
      [
        'non-ASCII and lone surrogates in column values and before every splice point',
        {
          '@timestamp': '2026-01-01T00:00:00.000Z',
          message: 'Zoë \ud800 😀',
          event: { action: 'sudo.exec', reason: 'ünïcode \udc00' },
          user: { name: 'Zoë \ud800 😀', id: 'ü' },
          host: { name: 'höst-😀', os: 'ø' },
          session: { id: '\u0001\u001f\u007f' },
        } as AuditEvent,
      ],
    ];
    for (const [name, event] of tricky) {
      it(name, () => {
        const r = row(event);
        expect(eventJson(r)).toBe(JSON.stringify(decodeRow(r)));
        const erased = { ...r, columns: r.columns.map((c) => (c === null ? null : '[erased]')) };
        expect(eventJson(erased)).toBe(JSON.stringify(decodeRow(erased)));
      });
    }

    it('does not parse a body it can splice into', () => {
      // An integer-like first key would have to come before the restored @timestamp: slow way.
      const spliceable = tricky.filter(([name]) => name !== 'integer-like keys and a producer');
      expect(spliceable.length).toBe(tricky.length - 1);
      const parse = vi.spyOn(JSON, 'parse');
      try {
        for (const [, event] of spliceable) eventJson(row(event));
        expect(parse).not.toHaveBeenCalled();
      } finally {
        parse.mockRestore();
      }
    });

    it('takes the slow way for a body it cannot splice into', () => {
      const bodies = [
        '{"event": {"a":1}}',
        '{"event":"x"}',
        '{"ev\\u0065nt":{"a":1}}',
        '{"event":{"a":1},"event":{"b":2}}',
        '{}',
      ];
      for (const body of bodies) {
        const r = {
          seq: 1,
          ts: 0,
          received: 0,
          source: 's',
          body,
          columns: ['act', null, null, 'u', null, null],
        };
        expect(eventJson(r)).toBe(JSON.stringify(decodeRow(r)));
      }
    });
  });
});
