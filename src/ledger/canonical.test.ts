// Tests of the RFC 8785 canonical form, from the RFC's own examples.

import { describe, expect, it } from 'vitest';
import { SteleError, ValidationError } from '../core/errors.js';
import { canonicalBytes, canonicalize } from './canonical.js';

const fromBits = (hex: string): number => Buffer.from(hex, 'hex').readDoubleBE(0);

describe('canonicalize (RFC 8785)', () => {
  it('serializes the IEEE 754 samples of Appendix B', () => {
    const samples: Array<[string, string]> = [
      ['0000000000000000', '0'],
      ['8000000000000000', '0'],
      ['0000000000000001', '5e-324'],
      ['8000000000000001', '-5e-324'],
      ['7fefffffffffffff', '1.7976931348623157e+308'],
      ['ffefffffffffffff', '-1.7976931348623157e+308'],
      ['4340000000000000', '9007199254740992'],
      ['c340000000000000', '-9007199254740992'],
      ['4430000000000000', '295147905179352830000'],
      ['44b52d02c7e14af5', '9.999999999999997e+22'],
      ['44b52d02c7e14af6', '1e+23'],
      ['44b52d02c7e14af7', '1.0000000000000001e+23'],
      ['444b1ae4d6e2ef4e', '999999999999999700000'],
      ['444b1ae4d6e2ef4f', '999999999999999900000'],
      ['444b1ae4d6e2ef50', '1e+21'],
      ['3eb0c6f7a0b5ed8c', '9.999999999999997e-7'],
      ['3eb0c6f7a0b5ed8d', '0.000001'],
      ['41b3de4355555553', '333333333.3333332'],
      ['41b3de4355555554', '333333333.33333325'],
      ['41b3de4355555555', '333333333.3333333'],
      ['41b3de4355555556', '333333333.3333334'],
      ['41b3de4355555557', '333333333.33333343'],
      ['becbf647612f3696', '-0.0000033333333333333333'],
      ['43143ff3c1cb0959', '1424953923781206.2'],
    ];
    for (const [bits, want] of samples) expect(canonicalize(fromBits(bits)), bits).toBe(want);
  });

  it('rejects the NaN and Infinity samples of Appendix B', () => {
    for (const bits of ['7fffffffffffffff', '7ff0000000000000']) {
      expect(() => canonicalize(fromBits(bits))).toThrow(ValidationError);
    }
    expect(() => canonicalize({ a: [-Infinity] })).toThrow(/a\[0\]: -Infinity is not a JSON number/);
  });

  it('reproduces the section 3.2.2 example and its UTF-8 bytes (3.2.4)', () => {
    const parsed: unknown = JSON.parse(String.raw`{
      "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
      "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
      "literals": [null, true, false]
    }`);
    const want = String.raw`{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}`;
    expect(canonicalize(parsed)).toBe(want);
    const bytes = canonicalBytes(parsed);
    expect(bytes.subarray(0, 12).toString('hex')).toBe('7b226c69746572616c73223a');
    // The euro sign is the only non-ASCII character: e2 82 ac.
    expect(bytes.indexOf(Buffer.from('e282ac', 'hex'))).toBe(want.indexOf('€'));
    expect(bytes.length).toBe(want.length + 2);
  });

  it('sorts properties by UTF-16 code units (section 3.2.3)', () => {
    const parsed = JSON.parse(String.raw`{
      "\u20ac": "Euro Sign",
      "\r": "Carriage Return",
      "\ufb33": "Hebrew Letter Dalet With Dagesh",
      "1": "One",
      "\ud83d\ude00": "Emoji: Grinning Face",
      "\u0080": "Control",
      "\u00f6": "Latin Small Letter O With Diaeresis"
    }`) as Record<string, string>;
    // Read the order off the text: JSON.parse would put the integer-like key "1" first again.
    const values = [...canonicalize(parsed).matchAll(/:"([^"]*)"/g)].map((m) => m[1]);
    expect(values).toEqual([
      'Carriage Return',
      'One',
      'Control',
      'Latin Small Letter O With Diaeresis',
      'Euro Sign',
      'Emoji: Grinning Face',
      'Hebrew Letter Dalet With Dagesh',
    ]);
    expect(canonicalize(parsed).startsWith('{"\\r":"Carriage Return","1":"One","\u0080":"Control"')).toBe(
      true,
    );
  });

  it('sorts nested objects, keeps array order, and has no whitespace', () => {
    const value = { b: { z: 1, a: [{ y: true, x: null }] }, a: 's', '': [] };
    expect(canonicalize(value)).toBe('{"":[],"a":"s","b":{"a":[{"x":null,"y":true}],"z":1}}');
    expect(canonicalize([3, 1, 2])).toBe('[3,1,2]');
    expect(canonicalize(Object.create(null) as object)).toBe('{}');
  });

  it('escapes only what JCS escapes', () => {
    expect(canonicalize('\u0000\u001f\u007f\b\f\t</script>\u2028')).toBe(
      '"\\u0000\\u001f\u007f\\b\\f\\t</script>\u2028"',
    );
  });

  it('rejects lone surrogates in values and keys, but not pairs', () => {
    expect(canonicalize('\ud83d\ude00')).toBe('"\ud83d\ude00"');
    expect(() => canonicalize({ user: { name: 'a\ud800' } })).toThrow(/user\.name: string contains a lone/);
    expect(() => canonicalize({ ['\udc00']: 1 })).toThrow(/lone UTF-16 surrogate/);
    expect(() => canonicalize(['\ude00\ud83d'])).toThrow(ValidationError);
  });

  it('rejects values that are not JSON, naming the field', () => {
    const holey: unknown[] = [1];
    holey[2] = 3;
    const cases: Array<[unknown, RegExp]> = [
      [undefined, /^cannot canonicalize: undefined is not a JSON value$/],
      [{ a: undefined }, /a: undefined/],
      [{ f: () => 1 }, /f: function/],
      [{ n: [1n] }, /n\[0\]: bigint/],
      [Symbol('s'), /symbol/],
      [{ d: new Date(0) }, /d: Date is not a JSON value/],
      [{ m: new Map() }, /m: Map/],
      [Buffer.from('x'), /Buffer/],
      [holey, /\[1\]: undefined/],
    ];
    for (const [value, message] of cases) {
      let thrown: unknown;
      try {
        canonicalize(value);
      } catch (err) {
        thrown = err;
      }
      expect(thrown).toBeInstanceOf(SteleError);
      expect((thrown as ValidationError).code).toBe('validation');
      expect((thrown as Error).message).toMatch(message);
    }
  });

  it('stops at cycles instead of overflowing the stack', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => canonicalize(cyclic)).toThrow(/nesting deeper than 64/);
  });

  it('round-trips: parsing the canonical form and canonicalizing again is the identity', () => {
    const event = {
      '@timestamp': '2024-05-01T12:00:00.000Z',
      event: { action: 'ssh.login', outcome: 'success', category: ['authentication', 'session'] },
      user: { name: 'Zoë', id: '1000' },
      source: { ip: '192.0.2.1', port: 52344 },
      labels: { 'k8s.io/name': 'x', Ä: 'y', a: '\n' },
    };
    const once = canonicalize(event);
    expect(canonicalize(JSON.parse(once))).toBe(once);
    expect(JSON.parse(once)).toEqual(event);
  });
});

describe('canonicalize: the fast pass and the careful pass agree', () => {
  it('accepts a literal backslash-u-d in a string (looks like an escaped surrogate, is not)', () => {
    expect(canonicalize({ b: '\\ud800 is text', a: '😀' })).toBe('{"a":"😀","b":"\\\\ud800 is text"}');
  });

  it('names the path of a lone surrogate, wherever it is', () => {
    expect(() => canonicalize({ a: [{ b: 'ok' }, { c: 'x\uDC00y' }] })).toThrow(
      /a\[1\]\.c: string contains a lone UTF-16 surrogate/,
    );
  });

  it('orders keys the engine would print first (array indexes) by code unit, at any depth', () => {
    const value = { b: { x: 1, '10': 'ten', '9': 'nine' }, a: [{ '2': 0, '1': 0, z: 0 }] };
    expect(canonicalize(value)).toBe('{"a":[{"1":0,"2":0,"z":0}],"b":{"10":"ten","9":"nine","x":1}}');
  });

  it('keeps an own "__proto__" key as data, in order', () => {
    const parsed: unknown = JSON.parse('{"z":1,"__proto__":{"b":2,"a":1},"a":0}');
    expect(canonicalize(parsed)).toBe('{"__proto__":{"a":1,"b":2},"a":0,"z":1}');
  });

  it('leaves the value unchanged, sorted or not', () => {
    const value = { b: { d: [{ f: 1, e: 2 }], c: 3 }, a: { x: 'already', y: 'sorted' } };
    const before = JSON.stringify(value);
    expect(canonicalize(value)).toBe('{"a":{"x":"already","y":"sorted"},"b":{"c":3,"d":[{"e":2,"f":1}]}}');
    expect(JSON.stringify(value)).toBe(before);
  });
});
