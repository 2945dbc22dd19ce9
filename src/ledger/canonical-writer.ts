// RFC 8785 canonical JSON written straight into UTF-8 bytes, for the ledger's hot path: entries and
// committed values are hashed as bytes, so building their text as a key-sorted copy, printing it
// with JSON.stringify and encoding the string again inside the hash was work thrown away.
// It is also canonicalize's fast way. canonical.ts keeps the checked serializer: whatever this
// writer does not vouch for (a lone surrogate, a non-finite number, a non-JSON type, a non-plain
// object, nesting past MAX_CANONICAL_DEPTH) it declines by returning false, and the caller asks
// canonicalize, which decides or names the bad value.

import { BACKSLASH, QUOTE } from '../core/json-chars.js';

/** Deepest nesting accepted. Events stop at 16 (core/event.ts); this bound only stops cycles. */
export const MAX_CANONICAL_DEPTH = 64;

/** The longest output of one UTF-16 code unit: the `\u001f` escape. */
const MAX_BYTES_PER_UNIT = 6;
const HEX = '0123456789abcdef';

export class CanonicalWriter {
  /** The output so far is bytes[0, length). Replaced by a larger array when it grows. */
  bytes: Uint8Array;
  length = 0;

  constructor(capacity = 4096) {
    this.bytes = new Uint8Array(capacity);
  }

  /** Makes room for `more` bytes after the output. */
  reserve(more: number): void {
    const needed = this.length + more;
    if (needed <= this.bytes.length) return;
    const grown = new Uint8Array(Math.max(needed, this.bytes.length * 2));
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
  }

  writeByte(byte: number): void {
    this.reserve(1);
    this.bytes[this.length++] = byte;
  }

  /** Text known to be ASCII that JSON would not escape (a commitment, a number). */
  writeAscii(text: string): void {
    this.reserve(text.length);
    const bytes = this.bytes;
    let at = this.length;
    for (let i = 0; i < text.length; i++) bytes[at++] = text.charCodeAt(i);
    this.length = at;
  }

  /** Any text as UTF-8 (canonicalize's output, when the checked way had to decide). */
  writeText(text: string): void {
    this.reserve(text.length * 3);
    this.length += Buffer.from(this.bytes.buffer, this.bytes.byteOffset).write(text, this.length);
  }

  /**
   * `value` as RFC 8785 canonical JSON at nesting `depth` (that of the value's own object or array:
   * 0 for the value canonicalize is given), or false for a value this writer declines.
   */
  writeValue(value: unknown, depth: number): boolean {
    switch (typeof value) {
      case 'string':
        return this.writeString(value);
      case 'number':
        return this.writeNumber(value);
      case 'boolean':
        this.writeAscii(value ? 'true' : 'false');
        return true;
      case 'object':
        if (value === null) {
          this.writeAscii('null');
          return true;
        }
        if (depth >= MAX_CANONICAL_DEPTH) return false;
        if (Array.isArray(value)) return this.writeArray(value, depth + 1);
        return this.writeObject(value, depth + 1);
      default:
        return false;
    }
  }

  /**
   * RFC 8785 3.2.2.2: a string as JSON.stringify escapes it (`"` and `\`, the two-character escapes
   * \b \t \n \f \r, other controls as lower-case \u00xx), everything else as its UTF-8 bytes. A lone
   * surrogate has no UTF-8 form (RFC 7493 2.1): false.
   */
  writeString(text: string): boolean {
    this.reserve(text.length * MAX_BYTES_PER_UNIT + 2);
    const bytes = this.bytes;
    let at = this.length;
    bytes[at++] = QUOTE;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c < 0x80) {
        if (c >= 0x20 && c !== QUOTE && c !== BACKSLASH) bytes[at++] = c;
        else at = writeEscape(bytes, at, c);
      } else if (c < 0x800) {
        bytes[at++] = 0xc0 | (c >> 6);
        bytes[at++] = 0x80 | (c & 0x3f);
      } else if (c < 0xd800 || c > 0xdfff) {
        bytes[at++] = 0xe0 | (c >> 12);
        bytes[at++] = 0x80 | ((c >> 6) & 0x3f);
        bytes[at++] = 0x80 | (c & 0x3f);
      } else {
        const low = text.charCodeAt(i + 1); // NaN past the end
        if (c > 0xdbff || !(low >= 0xdc00 && low <= 0xdfff)) return false;
        const point = 0x10000 + ((c - 0xd800) << 10) + (low - 0xdc00);
        bytes[at++] = 0xf0 | (point >> 18);
        bytes[at++] = 0x80 | ((point >> 12) & 0x3f);
        bytes[at++] = 0x80 | ((point >> 6) & 0x3f);
        bytes[at++] = 0x80 | (point & 0x3f);
        i++;
      }
    }
    bytes[at++] = QUOTE;
    this.length = at;
    return true;
  }

  /** RFC 8785 3.2.2.3: ECMAScript Number::toString, which prints -0 as 0; false if not finite. */
  writeNumber(value: number): boolean {
    if (value >= 0 && value <= 0x7fffffff && (value | 0) === value) {
      this.writeDigits(value);
      return true;
    }
    if (!Number.isFinite(value)) return false;
    this.writeAscii(String(value));
    return true;
  }

  /** A non-negative 32-bit integer in decimal (ports, process ids, sequence numbers). */
  private writeDigits(value: number): void {
    let digits = 1;
    for (let rest = value; rest >= 10; rest = (rest / 10) | 0) digits++;
    this.reserve(digits);
    const bytes = this.bytes;
    let at = this.length + digits;
    this.length = at;
    let rest = value;
    do {
      const next = (rest / 10) | 0;
      bytes[--at] = 0x30 + rest - next * 10;
      rest = next;
    } while (rest > 0);
  }

  private writeArray(array: readonly unknown[], depth: number): boolean {
    this.writeByte(0x5b); // [
    for (let i = 0; i < array.length; i++) {
      if (i > 0) this.writeByte(0x2c); // ,
      if (!this.writeValue(array[i], depth)) return false;
    }
    this.writeByte(0x5d); // ]
    return true;
  }

  private writeObject(object: object, depth: number): boolean {
    const keys = sortedKeys(object);
    if (keys === undefined) return false;
    const record = object as Record<string, unknown>;
    this.writeByte(0x7b); // {
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      if (!this.writeMemberName(key, i) || !this.writeValue(record[key], depth)) return false;
    }
    this.writeByte(0x7d); // }
    return true;
  }

  /** The name of member `index` of an object: `"key":`, after a comma unless it is the first. */
  writeMemberName(key: string, index: number): boolean {
    if (index > 0) this.writeByte(0x2c); // ,
    if (!this.writeString(key)) return false;
    this.writeByte(0x3a); // :
    return true;
  }
}

/** The letter of each two-character escape (RFC 8785 3.2.2.2), by code unit; 0: written \u00xx. */
const SHORT_ESCAPE = new Uint8Array(0x60);
for (const [unit, letter] of [
  [0x08, 'b'],
  [0x09, 't'],
  [0x0a, 'n'],
  [0x0c, 'f'],
  [0x0d, 'r'],
  [QUOTE, '"'],
  [BACKSLASH, '\\'],
] as const)
  SHORT_ESCAPE[unit] = letter.charCodeAt(0);

/** Writes the escape of `c` (a control character, `"` or `\`) at `at`; returns where it ends. */
function writeEscape(bytes: Uint8Array, at: number, c: number): number {
  bytes[at++] = BACKSLASH;
  const letter = SHORT_ESCAPE[c]!;
  if (letter !== 0) {
    bytes[at++] = letter;
    return at;
  }
  bytes[at++] = 0x75; // u
  bytes[at++] = 0x30;
  bytes[at++] = 0x30;
  bytes[at++] = HEX.charCodeAt(c >> 4);
  bytes[at++] = HEX.charCodeAt(c & 0xf);
  return at;
}

/**
 * The own keys of a plain object (prototype Object.prototype or null) in RFC 8785 3.2.3 order,
 * UTF-16 code unit by code unit as `<` compares strings; undefined for any other object. An
 * insertion sort: objects have a few keys, often already in order, where Array.sort costs more.
 */
export function sortedKeys(object: object): string[] | undefined {
  const proto: unknown = Object.getPrototypeOf(object);
  if (proto !== Object.prototype && proto !== null) return undefined;
  const keys = Object.keys(object);
  for (let i = 1; i < keys.length; i++) {
    const key = keys[i]!;
    let j = i - 1;
    if (keys[j]! < key) continue;
    for (; j >= 0 && keys[j]! > key; j--) keys[j + 1] = keys[j]!;
    keys[j + 1] = key;
  }
  return keys;
}
