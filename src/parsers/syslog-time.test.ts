// The BSD timestamp reader against the pattern it replaced (RFC 3164 4.1.2 as syslogd writes it,
// with the variants other writers use): the same answer on crafted and random texts.

import { describe, expect, it } from 'vitest';
import { matchBsdTime, type BsdTime } from './syslog-time.js';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const PATTERN = /([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?/y;

/** The reading the pattern gives, with the same range checks. */
function reference(text: string, pos: number): BsdTime | undefined {
  PATTERN.lastIndex = pos;
  const m = PATTERN.exec(text);
  if (!m) return undefined;
  const month = MONTHS.indexOf(m[1]!) + 1;
  const [day, hour, minute, second] = [m[2], m[3], m[4], m[5]].map(Number) as [
    number,
    number,
    number,
    number,
  ];
  if (month === 0 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return undefined;
  const millisecond = m[6] ? Number(m[6].slice(0, 3).padEnd(3, '0')) : 0;
  return { month, day, hour, minute, second, millisecond, end: PATTERN.lastIndex };
}

describe('matchBsdTime', () => {
  it('reads the forms syslog writers use, and refuses what is out of range', () => {
    const cases = [
      'Jul  7 06:55:46 host',
      'Jul 7 06:55:46',
      'Jul 07 06:55:46.123456 x',
      'Dec 31 23:59:60',
      'Feb 29 00:00:00.5',
      'Oct  1 00:00:00.1234567890123',
      'Jan 32 00:00:00',
      'Jan  0 10:00:00',
      'Jan 10 24:00:00',
      'Jan 10 10:60:00',
      'Jan 10 10:00:61',
      'Jan 123 10:00:00',
      'Jan   1 10:00:00',
      'jan 10 10:00:00',
      'Foo 10 10:00:00',
      'Jan 10 10:00:00.',
      'Jan 10 10:00:0',
      'Jan 10 1:00:00',
      'Jan 10 10-00-00',
      'Jan',
      '',
    ];
    for (const text of cases) expect(matchBsdTime(text, 0), text).toEqual(reference(text, 0));
    expect(matchBsdTime('<38>Jul  7 06:55:46 host', 4)).toEqual(reference('<38>Jul  7 06:55:46 host', 4));
    expect(matchBsdTime('Jul  7 06:55:46.250 host', 0)).toMatchObject({ day: 7, millisecond: 250, end: 19 });
  });

  it('gives what the pattern gives on random texts near the form', () => {
    let seed = 7;
    const random = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    const pieces = [
      'Jan',
      'Feb',
      'Dec',
      'Xyz',
      'jan',
      ' ',
      '  ',
      '0',
      '1',
      '2',
      '3',
      '5',
      '9',
      '12',
      '31',
      ':',
      '.',
      'a',
    ];
    for (let k = 0; k < 20_000; k++) {
      let text = '';
      const n = 3 + random(14);
      for (let j = 0; j < n; j++) text += pieces[random(pieces.length)];
      expect(matchBsdTime(text, 0), JSON.stringify(text)).toEqual(reference(text, 0));
    }
    // Well-formed stamps with random fields, in range or not.
    for (let k = 0; k < 20_000; k++) {
      const two = (max: number) => String(random(max)).padStart(2, '0');
      const day = random(2) === 0 ? String(random(35)) : two(35);
      const frac = random(3) === 0 ? `.${String(random(10 ** random(12)))}` : '';
      const text = `${MONTHS[random(12)]}${random(2) === 0 ? ' ' : '  '}${day} ${two(26)}:${two(62)}:${two(63)}${frac} h`;
      expect(matchBsdTime(text, 0), text).toEqual(reference(text, 0));
    }
  });
});
