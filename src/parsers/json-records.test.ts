import { describe, expect, it } from 'vitest';
import { clip, createJsonValueSplitter, finishEvent, type JsonValueResult } from './json-records.js';

function split(text: string, maxChars?: number): JsonValueResult[] {
  const splitter = createJsonValueSplitter({ maxChars });
  const out = text.split('\n').flatMap((l, i) => splitter.push(l, i + 1));
  return [...out, ...splitter.end()];
}

const values = (results: JsonValueResult[]) => results.map((r) => ('value' in r ? r.value : r.error));

describe('createJsonValueSplitter', () => {
  it('splits NDJSON, one value per line, with the line each starts on', () => {
    const out = split('{"a":1}\n\n{"b":[1,2]}\n[3]');
    expect(values(out)).toEqual([{ a: 1 }, { b: [1, 2] }, [3]]);
    expect(out.map((r) => r.line)).toEqual([1, 3, 4]);
  });

  it('joins a pretty-printed document and keeps its text', () => {
    const doc = '{\n  "Records": [\n    {"x": "}{]["}\n  ]\n}';
    const out = split(doc);
    expect(out).toEqual([{ line: 1, value: { Records: [{ x: '}{][' }] }, text: doc }]);
  });

  it('splits values written back to back, also across lines', () => {
    expect(values(split('{"a":1}{"b":2} [1]'))).toEqual([{ a: 1 }, { b: 2 }, [1]]);
    const out = split('{"a":\n1}{"b":\n2}');
    expect(values(out)).toEqual([{ a: 1 }, { b: 2 }]);
    expect(out.map((r) => r.line)).toEqual([1, 2]);
  });

  it('tracks escapes inside strings', () => {
    expect(values(split('{"q":"say \\"}\\" \\\\"}\n{"r":"\\\\"}'))).toEqual([
      { q: 'say "}" \\' },
      { r: '\\' },
    ]);
  });

  it('rejects a line break inside a string and recovers on the next line', () => {
    const out = split('{"a":"unterminated\n{"b":2}');
    expect(out).toEqual([
      { line: 1, error: expect.stringContaining('line break inside a string') },
      { line: 2, value: { b: 2 }, text: '{"b":2}' },
    ]);
  });

  it('rejects text that is not an object or array, and malformed JSON', () => {
    const out = split('hello\n42\n{"a":1,}\n{"ok":true}');
    expect(out.map((r) => [r.line, 'error' in r])).toEqual([
      [1, true],
      [2, true],
      [3, true],
      [4, false],
    ]);
    expect('error' in out[2]! && out[2].error).toMatch(/^malformed JSON/);
  });

  it('reports an unfinished value at the end of input', () => {
    expect(split('{"a":\n[1,')).toEqual([{ line: 1, error: 'unterminated JSON value at end of input' }]);
  });

  it('caps the size of one value, rejects it and resumes after it', () => {
    const big = `{"a":"${'x'.repeat(200)}",\n"b":"${'y'.repeat(200)}"}`;
    const out = split(`${big}\n{"c":3}`, 300);
    expect(out).toEqual([
      { line: 1, error: 'JSON value larger than 300 characters' },
      { line: 3, value: { c: 3 }, text: '{"c":3}' },
    ]);
  });

  it('ignores a byte-order mark before the first value', () => {
    expect(values(split('\ufeff{"a":1}'))).toEqual([{ a: 1 }]);
  });
});

describe('event helpers', () => {
  it('clips without splitting a surrogate pair', () => {
    const s = `${'a'.repeat(20)}😀${'b'.repeat(20)}`;
    const c = clip(s, 34);
    expect(c.length).toBeLessThanOrEqual(34);
    expect(c.endsWith('…[truncated]')).toBe(true);
    expect(c).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
    expect(clip('short', 34)).toBe('short');
  });

  it('drops empty values, keeps or drops the original, and validates', () => {
    const draft = {
      '@timestamp': '2024-01-01T00:00:00Z',
      event: { action: 'x', reason: '' },
      user: { name: undefined },
    };
    expect(finishEvent(structuredClone(draft), 'raw', 7, { now: 0 })).toEqual({
      line: 7,
      event: { '@timestamp': '2024-01-01T00:00:00.000Z', event: { action: 'x', original: 'raw' } },
      ts: Date.UTC(2024, 0, 1),
    });
    expect(finishEvent(structuredClone(draft), 'raw', 7, { now: 0, keepOriginal: false })).toEqual({
      line: 7,
      event: { '@timestamp': '2024-01-01T00:00:00.000Z', event: { action: 'x' } },
      ts: Date.UTC(2024, 0, 1),
    });
    expect(finishEvent({ '@timestamp': 'yesterday' }, 'raw', 3, { now: 0 })).toEqual({
      line: 3,
      error: expect.stringContaining('@timestamp'),
    });
  });
});

describe('createJsonValueSplitter with elementsOfArrays', () => {
  function elements(text: string) {
    const splitter = createJsonValueSplitter({ elementsOfArrays: true });
    const out = text.split('\n').flatMap((l, i) => splitter.push(l, i + 1));
    return { out: [...out, ...splitter.end()], splitter };
  }

  it('yields the objects of a pretty-printed array that is still open', () => {
    const { out } = elements('[\n  {\n    "a": 1\n  },\n  {\n    "b": [2]\n  }');
    expect(out.map((r) => ('value' in r ? [r.line, r.value] : r.error))).toEqual([
      [2, { a: 1 }],
      [5, { b: [2] }],
    ]);
  });

  it('yields objects of a one-object-per-line array and of a closed one-line array', () => {
    expect(values(elements('[\n{"a":1},\n{"b":2}\n]').out)).toEqual([{ a: 1 }, { b: 2 }]);
    expect(values(elements('[{"a":1},{"b":2}]').out)).toEqual([{ a: 1 }, { b: 2 }]);
  });

  it('reports whether an array or value is still open', () => {
    const splitter = createJsonValueSplitter({ elementsOfArrays: true });
    splitter.push('[', 1);
    expect(splitter.pending).toBe(true);
    splitter.push(']', 2);
    expect(splitter.pending).toBe(false);
  });
});
