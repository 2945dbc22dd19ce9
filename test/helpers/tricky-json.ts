// Random JSON values and events for differential tests of canonical JSON and ledger entries: keys
// that sort unlike their insertion order, strings that need escapes or are not ASCII, numbers whose
// shortest form is unusual, nesting, and the personal fields of the default list, at every level.

/** The same sequence for the same seed (mulberry32), so a failure can be replayed. */
export { rng as seededRandom } from '../../bench/gen.js';

export const TRICKY_STRINGS: readonly string[] = [
  '',
  'alice',
  'a"b',
  'back\\slash',
  '\\ud800 is text',
  'line\nbreak\ttab\rret\bback\fform',
  '\u0000\u0001\u001f\u007f',
  'é',
  'Zoë Ünïcödé',
  '☃ snow',
  '\u2028\u2029',
  '😀 smile',
  '\ud83d\ude00\ud83d\ude00',
  '\uffff\ufeff',
  '日本語のテキスト',
  '</script>',
  '192.0.2.1',
  '2001:db8::1',
  'x'.repeat(300),
  'é'.repeat(200),
  'Accepted publickey for alice from 198.51.100.7 port 52344 ssh2',
];

export const TRICKY_NUMBERS: readonly number[] = [
  0,
  -0,
  1,
  -1,
  0.1,
  1e21,
  1e-7,
  123456789012,
  2 ** 31 - 1,
  2 ** 31,
  -(2 ** 31),
  2 ** 32,
  2 ** 53 - 1,
  5e-324,
  Number.MAX_VALUE,
  333333333.3333333,
  -1.5e-300,
  42,
  65535,
];

/** Keys that appear in events, keys whose order is tricky, and the segments of personal fields. */
export const TRICKY_KEYS: readonly string[] = [
  'user',
  'name',
  'id',
  'email',
  'effective',
  'target',
  'source',
  'ip',
  'address',
  'port',
  'related',
  'hosts',
  'event',
  'original',
  'message',
  'process',
  'command_line',
  'host',
  'a',
  'B',
  'Z',
  'z',
  '',
  '10',
  '9',
  '0',
  'é',
  'e\u0301',
  '\ud83d\ude00',
  '\uffff',
  'a"b',
  '\u0000',
  '@timestamp',
  '__proto__',
  'user.name',
  'source.ip',
];

const pick = <T>(random: () => number, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

/** A random JSON value (from JSON.parse, so a "__proto__" key is an own key), nested up to `depth`. */
export function trickyValue(random: () => number, depth = 4): unknown {
  return JSON.parse(JSON.stringify(trickyDraft(random, depth)));
}

function trickyDraft(random: () => number, depth: number): unknown {
  const r = random();
  if (depth <= 0 || r < 0.45) {
    const s = random();
    if (s < 0.5) return pick(random, TRICKY_STRINGS);
    if (s < 0.8) return pick(random, TRICKY_NUMBERS);
    if (s < 0.9) return random() < 0.5;
    return null;
  }
  if (r < 0.65) return Array.from({ length: Math.floor(random() * 4) }, () => trickyDraft(random, depth - 1));
  const object: Record<string, unknown> = {};
  const size = Math.floor(random() * 6);
  for (let i = 0; i < size; i++) {
    const key = pick(random, TRICKY_KEYS);
    // JSON.stringify would drop a "__proto__" set by assignment: define it as an own key.
    Object.defineProperty(object, key, {
      value: trickyDraft(random, depth - 1),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return object;
}

/** A random event shaped like a stored one, with personal fields (default list) nested and flattened. */
export function trickyEvent(random: () => number): Record<string, unknown> {
  const event = trickyValue(random, 3);
  const base = typeof event === 'object' && event !== null && !Array.isArray(event) ? event : {};
  const draft: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  draft['@timestamp'] = '2026-11-25T12:00:00.000Z';
  const maybe = (value: () => unknown) => (random() < 0.5 ? value() : undefined);
  draft.user = maybe(() => ({
    name: pick(random, TRICKY_STRINGS),
    id: maybe(() => pick(random, TRICKY_NUMBERS)),
    email: maybe(() => null),
    effective: maybe(() => ({ name: trickyValue(random, 2), id: maybe(() => 'x') })),
    target: maybe(() => (random() < 0.3 ? 'not an object' : { email: trickyValue(random, 1) })),
    roles: maybe(() => trickyValue(random, 2)),
  }));
  draft.source = maybe(() => ({ ip: pick(random, TRICKY_STRINGS), port: pick(random, TRICKY_NUMBERS) }));
  draft.related = maybe(() => ({
    ip: [pick(random, TRICKY_STRINGS), pick(random, TRICKY_STRINGS)],
    user: maybe(() => trickyValue(random, 2)),
    hosts: maybe(() => []),
  }));
  draft.message = maybe(() => pick(random, TRICKY_STRINGS));
  draft.event = maybe(() => ({ action: 'ssh.login', original: trickyValue(random, 2), z: 1, a: 2 }));
  draft.process = maybe(() => ({ command_line: maybe(() => trickyValue(random, 1)), pid: 4242 }));
  if (random() < 0.2) draft['user.name'] = pick(random, TRICKY_STRINGS);
  if (random() < 0.1) draft['source.ip'] = null;
  draft.stele = { seq: Math.floor(random() * 1e6), received: '2026-11-25T12:00:00.250Z', source: 'cli' };
  // Undefined members are left out, as in a parsed event; the key order is that of the draft.
  return JSON.parse(JSON.stringify(draft)) as Record<string, unknown>;
}
