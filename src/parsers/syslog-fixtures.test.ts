// go-syslog's RFC 5424 and RFC 3164 test tables (test/fixtures/syslog, see its SOURCE.md): valid
// messages must decode to the expected fields, invalid ones must be rejected for the same reason.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { validateEvent } from '../core/validate.js';
import { createSyslogParser, parseSyslogMessage, type SyslogMessage } from './syslog.js';

const FIXTURES = new URL('../../test/fixtures/syslog/', import.meta.url);
const load = <T>(name: string): T => JSON.parse(readFileSync(new URL(name, FIXTURES), 'utf8')) as T;

interface Expected {
  priority: number;
  facility: number;
  severity: number;
  version?: number;
  timestamp?: string | { __time__: { layout: string; value: string } } | null;
  hostname?: string | null;
  appname?: string | null;
  procid?: string | null;
  msgid?: string | null;
  structured_data?: Record<string, Record<string, string>> | null;
  message?: string | { __bytes_b64__: string } | null;
}

interface MachineCase {
  group: string;
  comment: string;
  input: string | { __bytes_b64__: string; latin1: string };
  input_b64: string;
  valid: boolean;
  expected: Expected | null;
  error: string | null;
}

const RFC5424 = load<MachineCase[]>('rfc5424_machine_cases.json');
const RFC3164 = load<MachineCase[]>('rfc3164_machine_cases.json');

// Differences from go-syslog, each for a reason.
const DEVIATIONS: Record<string, string> = {
  // RFC 5424 6.3.3: "a backslash followed by none of the three described characters is considered
  // an invalid escape sequence. In this case, the backslash MUST be treated as a regular backslash
  // and the following character as a regular character." go-syslog rejects it instead.
  '<29>8 2016-01-15T01:00:43Z hn S - - [meta escape="\\n"] 127.0.0.1 - - 1452819643 "GET"':
    'kept as written per RFC 5424 6.3.3',
};

/** What go-syslog's error is about, as a word our reason must contain too. */
function topic(error: string): RegExp | undefined {
  const topics: Array<[RegExp, RegExp]> = [
    [/^expecting a priority/, /priority/],
    [/^expecting a version/, /version/],
    [/^expecting a RFC3339MICRO timestamp|^parsing time/, /timestamp/],
    [/^expecting an hostname/, /hostname/],
    [/^expecting an app-name/, /app-name/],
    [/^expecting a procid/, /procid/],
    [/^expecting a msgid/, /msgid/],
    [/^expecting a structured data|^expecting chars `\]`/, /structured data/],
    [/^duplicate structured data element id/, /duplicate structured data element id/],
    [/^expecting a free-form optional message in UTF-8/, /UTF-8/],
  ];
  for (const [pattern, word] of topics) if (pattern.test(error)) return word;
  expect(error).toMatch(/^parsing error/); // go-syslog's generic error: any reason will do
  return undefined;
}

const bytesOf = (c: MachineCase) => Buffer.from(c.input_b64, 'base64');

function expectFields(message: SyslogMessage, expected: Expected): void {
  expect(message.priority).toBe(expected.priority);
  expect(message.facility).toBe(expected.facility);
  expect(message.severity).toBe(expected.severity);
  expect(message.version).toBe(expected.version ?? undefined);
  expect(message.hostname).toBe(expected.hostname ?? undefined);
  expect(message.appName).toBe(expected.appname ?? undefined);
  expect(message.procId).toBe(expected.procid ?? undefined);
  expect(message.msgId).toBe(expected.msgid ?? undefined);
  expect(message.structuredData).toEqual(expected.structured_data ?? undefined);
  // Non-UTF-8 MSG bytes are compared as the UTF-8 decoder sees them (U+FFFD for invalid bytes).
  const raw = expected.message;
  const text =
    typeof raw === 'object' && raw ? new TextDecoder().decode(Buffer.from(raw.__bytes_b64__, 'base64')) : raw;
  // go-syslog keeps the BOM in the message; Stele strips it (it only says "this is UTF-8").
  const msg = text?.replace(/^\uFEFF/, '');
  expect(message.msg).toBe(msg ? msg : undefined);
  expect(message.bom ?? false).toBe(text?.startsWith('\uFEFF') ?? false);
}

describe('RFC 5424 machine cases (go-syslog)', () => {
  const strict = RFC5424.filter((c) => c.group !== 'nonCompliantMsgTestCases');

  it('has the documented case counts', () => {
    expect(RFC5424).toHaveLength(204);
    expect(RFC5424.filter((c) => c.valid)).toHaveLength(64);
  });

  it.each(strict.filter((c) => c.valid).map((c) => [c.comment || c.input_b64.slice(0, 24), c] as const))(
    'valid: %s',
    (_name, c) => {
      for (const input of [bytesOf(c), bytesOf(c).toString('utf8')]) {
        const result = parseSyslogMessage(input);
        if ('error' in result) throw new Error(result.error);
        expect(result.protocol).toBe('rfc5424');
        expectFields(result, c.expected as Expected);
        const ts = (c.expected as Expected).timestamp;
        expect(result.timestamp).toBe(typeof ts === 'string' ? ts : undefined);
      }
    },
  );

  it.each(strict.filter((c) => !c.valid).map((c) => [c.comment || String(c.input).slice(0, 40), c] as const))(
    'invalid: %s',
    (_name, c) => {
      const result = parseSyslogMessage(bytesOf(c));
      const deviation = DEVIATIONS[typeof c.input === 'string' ? c.input : ''];
      if (deviation) {
        if ('error' in result) throw new Error(result.error);
        expect(result.structuredData?.meta?.escape).toBe('\\n');
        return;
      }
      if (!('error' in result)) throw new Error(`accepted: ${JSON.stringify(result)}`);
      const word = topic(c.error ?? '');
      if (word) expect(result.error).toMatch(word);
      expect(result.error).toMatch(/\(column \d+\)$/);
    },
  );

  it('accepts the 30 non-UTF-8 MSGs by default and rejects them when compliance is asked for', () => {
    const cases = RFC5424.filter((c) => c.group === 'nonCompliantMsgTestCases');
    expect(cases).toHaveLength(30);
    for (const c of cases) {
      expect(parseSyslogMessage(bytesOf(c))).not.toHaveProperty('error');
      const strictResult = parseSyslogMessage(bytesOf(c), { compliantMsg: true });
      expect(strictResult).toHaveProperty('error');
      if ('error' in strictResult) expect(strictResult.error).toMatch(topic(c.error ?? '') ?? /./);
      // The same check on already decoded text: U+FFFD after a BOM marks the invalid bytes.
      expect(parseSyslogMessage(bytesOf(c).toString('utf8'), { compliantMsg: true })).toHaveProperty('error');
    }
    // Bytes in another encoding without a BOM are allowed even in compliant mode (RFC 5424 6.4).
    const latin1 = RFC5424.filter((c) => c.valid && typeof c.input !== 'string');
    expect(latin1.length).toBeGreaterThan(3);
    for (const c of latin1)
      expect(parseSyslogMessage(bytesOf(c), { compliantMsg: true })).not.toHaveProperty('error');
  });

  it('turns every valid case into a valid event through the parser', () => {
    const parser = createSyslogParser({ now: Date.UTC(2024, 0, 1), hostname: 'receiver' });
    let events = 0;
    for (const [i, c] of RFC5424.entries()) {
      if (!c.valid || c.input_b64.length === 0) continue;
      // The line parser reads one line: cases with a newline in MSG are frames, not lines.
      const text = bytesOf(c).toString('utf8');
      if (text.includes('\n')) continue;
      const results = parser.push(text, i + 1);
      for (const r of results) {
        if ('error' in r) throw new Error(`${c.comment}: ${r.error}`);
        const valid = validateEvent(r.event);
        expect(valid.ok ? true : valid).toBe(true);
        events++;
      }
    }
    expect(events).toBeGreaterThan(55);
  });
});

describe('RFC 3164 machine cases (go-syslog)', () => {
  it.each(RFC3164.map((c) => [String(c.input).slice(0, 50), c] as const))('%s', (_name, c) => {
    const result = parseSyslogMessage(bytesOf(c));
    if ('error' in result) throw new Error(result.error);
    const expected = c.expected as Expected;
    expect(result.protocol).toBe('rfc3164');
    expectFields(result, expected);
    const ts = expected.timestamp as { __time__: { value: string } };
    expect(result.timestamp?.replace(/ +/g, ' ')).toBe(ts.__time__.value.replace(/ +/g, ' '));
  });
});

interface Example {
  name: string;
  input: string;
  parser_options: string;
  timezone_location?: string | null;
  expected: Expected;
  error?: string | null;
}

describe('go-syslog examples', () => {
  const rfc3164 = load<Example[]>('rfc3164_examples.json');
  const rfc5424 = load<Example[]>('rfc5424_examples.json');
  const byName = (list: Example[], name: string) => list.find((e) => e.name === name) as Example;

  // go-syslog prints `time.Time` values: "2006-01-02 15:04:05[.frac] -0700 MST".
  const goTime = (value: string) => {
    const m = /^(\d{4})-(\d\d)-(\d\d) (\d\d:\d\d:\d\d(?:\.\d+)?) ([+-]\d\d)(\d\d)/.exec(value);
    if (!m) throw new Error(`unexpected time ${value}`);
    return Date.parse(`${m[1]}-${m[2]}-${m[3]}T${m[4]}${m[5]}:${m[6]}`);
  };
  const eventTime = (input: string, now: number, timezone?: string) => {
    const [result] = createSyslogParser({ now, timezone }).push(input, 1);
    if (!result || 'error' in result) throw new Error(JSON.stringify(result));
    return Date.parse(result.event['@timestamp']);
  };

  it('decodes the RFC 3164 examples to their fields', () => {
    for (const example of rfc3164) {
      const result = parseSyslogMessage(example.input);
      if ('error' in result) throw new Error(`${example.name}: ${result.error}`);
      expect(result.priority).toBe(example.expected.priority);
      expect(result.hostname).toBe(example.expected.hostname ?? undefined);
      expect(result.appName).toBe(example.expected.appname ?? undefined);
      expect(result.procId).toBe(example.expected.procid ?? undefined);
      expect(result.msg).toBe((example.expected.message as string | null) ?? undefined);
    }
  });

  it('places year-less RFC 3164 times like go-syslog (given a reference time in the same year)', () => {
    // WithTimezone(cet) and WithTimezone(est) only change how go-syslog prints the UTC instant.
    for (const name of [
      'Example_withtimezone',
      'Example_withtimezone_and_year',
      'Example_stamp_also_when_rfc3339',
    ]) {
      const example = byName(rfc3164, name);
      const expected = goTime(example.expected.timestamp as string);
      const year = new Date(expected).getUTCFullYear();
      const now = Date.UTC(year === 0 ? 2023 : year, 11, 31);
      const got = eventTime(example.input, now);
      expect(new Date(got).toISOString().slice(4)).toBe(new Date(expected).toISOString().slice(4));
    }
    const withYear = byName(rfc3164, 'Example_withtimezone_and_year');
    expect(eventTime(withYear.input, Date.UTC(1987, 5, 1))).toBe(
      goTime(withYear.expected.timestamp as string),
    );
    const rfc3339 = byName(rfc3164, 'Example_rfc3339timestamp');
    expect(eventTime(rfc3339.input, Date.UTC(2024, 0, 1))).toBe(goTime(rfc3339.expected.timestamp as string));
  });

  it('reads year-less times in a local zone (WithLocaleTimezone)', () => {
    // go-syslog prints year 0, where New York still had its -04:56 local mean time; in any modern
    // year the same wall-clock time on Nov 22 is EST (-05:00).
    const example = byName(rfc3164, 'Example_withlocaletimezone');
    expect(example.expected.timestamp).toMatch(/^0000-11-22 17:09:42 /);
    expect(eventTime(example.input, Date.UTC(2023, 11, 1), example.timezone_location ?? undefined)).toBe(
      Date.UTC(2023, 10, 22, 22, 9, 42),
    );
  });

  it('decodes the RFC 5424 examples', () => {
    const ok = byName(rfc5424, 'Example');
    const result = parseSyslogMessage(ok.input);
    if ('error' in result) throw new Error(result.error);
    expect(result).toMatchObject({
      priority: 165,
      facility: 20,
      severity: 5,
      version: 4,
      hostname: 'mymach.it',
      appName: 'e',
      msgId: '1',
      msg: 'An application event log entry...',
      structuredData: { 'ex@32473': { iut: '3' } },
    });
    expect(Date.parse(result.timestamp ?? '')).toBe(goTime(ok.expected.timestamp as string));
    const bad = byName(rfc5424, 'Example_besteffort');
    const rejected = parseSyslogMessage(bad.input);
    expect(rejected).toHaveProperty('error');
    if ('error' in rejected) expect(rejected.error).toMatch(topic(bad.error ?? '') ?? /./);
  });
});
