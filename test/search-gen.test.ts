// The data generator: the same bytes for the same seed, exactly N valid events in time order, and
// the shape the benchmarks rely on (power-law users, office hours, sessions, brute-force bursts,
// k8s/cloud/database events).

import { createHash } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { EventGenerator, parseGenArgs, writeEvents, type GenOptions } from '../bench/gen.js';
import { validateEvent } from '../src/core/validate.js';

const OPTIONS: GenOptions = { events: 20_000, days: 7, seed: 42, start: Date.UTC(2026, 9, 5) }; // a Monday

function text(options: GenOptions): string {
  return [...new EventGenerator(options).chunks()].join('');
}

type Ev = {
  '@timestamp': string;
  event: { action: string; outcome: string; dataset: string };
  user?: { name: string };
  source?: { ip: string };
  session?: { id: string };
};

describe('bench/gen.ts', () => {
  const lines = text(OPTIONS).trimEnd().split('\n');
  const events = lines.map((l) => JSON.parse(l) as Ev);

  it('is deterministic for a seed and differs between seeds', () => {
    const hash = (s: string) => createHash('sha256').update(s).digest('hex');
    expect(hash(text(OPTIONS))).toBe(hash(lines.join('\n') + '\n'));
    expect(hash(text({ ...OPTIONS, seed: 43 }))).not.toBe(hash(lines.join('\n') + '\n'));
  });

  it('writes exactly N valid events in time order inside the range', () => {
    expect(events).toHaveLength(OPTIONS.events);
    const times = events.map((e) => Date.parse(e['@timestamp']));
    for (let i = 1; i < times.length; i++) expect(times[i]! >= times[i - 1]!).toBe(true);
    expect(times[0]!).toBeGreaterThanOrEqual(OPTIONS.start);
    expect(times.at(-1)!).toBeLessThan(OPTIONS.start + 7 * 86_400_000);
    const invalid = events.map((e) => validateEvent(e)).filter((v) => !v.ok);
    expect(invalid).toEqual([]);
  });

  it('has power-law users, office hours, sessions, bursts and mixed sources', () => {
    const perUser = new Map<string, number>();
    for (const e of events) if (e.user) perUser.set(e.user.name, (perUser.get(e.user.name) ?? 0) + 1);
    const counts = [...perUser.values()].sort((a, b) => b - a);
    expect(counts.length).toBeGreaterThan(300);
    expect(counts.slice(0, 10).reduce((a, b) => a + b, 0)).toBeGreaterThan(events.length * 0.2);

    const hourOf = (e: Ev) => new Date(e['@timestamp']).getUTCHours();
    const weekday = events.filter((e) => new Date(e['@timestamp']).getUTCDay() % 6 !== 0);
    const office = weekday.filter((e) => hourOf(e) >= 9 && hourOf(e) < 17).length / 8;
    const night = weekday.filter((e) => hourOf(e) < 5).length / 5;
    expect(office).toBeGreaterThan(night * 4);

    const sessions = new Map<string, string[]>();
    for (const e of events)
      if (e.session) sessions.set(e.session.id, [...(sessions.get(e.session.id) ?? []), e.event.action]);
    const full = [...sessions.values()].filter(
      (a) => a[0] === 'ssh.login' && a.at(-1) === 'ssh.logout' && a.includes('sudo.exec'),
    );
    expect(full.length).toBeGreaterThan(50);

    const failuresByIp = new Map<string, number>();
    for (const e of events) {
      if (
        e.event.action === 'ssh.login' &&
        e.event.outcome === 'failure' &&
        e.source &&
        !e.source.ip.startsWith('10.')
      ) {
        failuresByIp.set(e.source.ip, (failuresByIp.get(e.source.ip) ?? 0) + 1);
      }
    }
    expect(Math.max(...failuresByIp.values())).toBeGreaterThanOrEqual(20);

    const datasets = new Set(events.map((e) => e.event.dataset));
    expect([...datasets].sort()).toEqual(['aws.cloudtrail', 'k8s.audit', 'linux.auth', 'postgresql']);
  });

  it('streams with backpressure and parses its arguments', async () => {
    const sink = new PassThrough({ highWaterMark: 1024 });
    let bytes = 0;
    sink.on('data', (b: Buffer) => (bytes += b.length));
    await writeEvents({ ...OPTIONS, events: 3000 }, sink);
    expect(bytes).toBeGreaterThan(3000 * 200);
    expect(parseGenArgs(['--events', '10', '--days', '2', '--seed', '5', '--out', 'x.ndjson'])).toMatchObject(
      {
        events: 10,
        days: 2,
        seed: 5,
        out: 'x.ndjson',
      },
    );
    expect(() => parseGenArgs(['--days', '0'])).toThrow(/days/);
  });
});
