// Text written straight into one growing UTF-8 buffer, for output made of many small pieces (an
// export page is about a dozen per event). Joining the pieces into one string and encoding it cost
// 4.5-4.9 µs per exported event; building each event's inserted members as strings and writing
// slices of the stored body cost most of the rest. Here a stored text is encoded once
// (beginSplice) and its pieces are moved into place around what is pushed between them.

import { BACKSLASH, QUOTE } from './json-chars.js';

/** The longest UTF-8 encoding of one UTF-16 code unit (a lone surrogate becomes U+FFFD). */
const MAX_BYTES_PER_UNIT = 3;
/** The longest JSON string escape of one UTF-16 code unit (`\u001f`). */
const MAX_JSON_UNIT = 6;
/** Strings up to this long are copied by a loop here when they are ASCII: a native call costs more. */
const SHORT = 32;

/** Bytes left at least between the output and a spliced text when it starts. */
const SPLICE_ROOM = 1024;

export class Utf8Builder {
  private bytes: Buffer;
  private length = 0;
  /** While splicing: the text, the bytes of it not yet moved into place, and its UTF-16 index there. */
  private spliced: string | undefined;
  private waiting = 0;
  private waitingEnd = 0;
  private waitingUnit = 0;
  private splicedAscii = false;

  constructor(capacity = 64 * 1024) {
    this.bytes = Buffer.allocUnsafe(Math.max(capacity, 16));
  }

  push(text: string): void {
    this.reserve(text.length * MAX_BYTES_PER_UNIT);
    if (text.length <= SHORT && this.copyAscii(text)) return;
    this.length += this.bytes.write(text, this.length);
  }

  /** `value` as a JSON string, exactly as JSON.stringify writes it. */
  pushJsonString(value: string): void {
    this.reserve(value.length * MAX_JSON_UNIT + 2);
    const bytes = this.bytes;
    const start = this.length;
    bytes[start] = QUOTE;
    let at = start + 1;
    for (let i = 0; i < value.length; i++) {
      const c = value.charCodeAt(i);
      // Anything JSON.stringify might escape or that is not one byte takes the general way.
      if (c < 0x20 || c >= 0x80 || c === QUOTE || c === BACKSLASH) {
        this.length = start;
        this.push(JSON.stringify(value));
        return;
      }
      bytes[at++] = c;
    }
    bytes[at++] = QUOTE;
    this.length = at;
  }

  /**
   * Starts writing `text` piece by piece: spliceTo(i) writes it up to its UTF-16 index i, what is
   * pushed next goes after that, and endSplice writes the rest. The text is encoded once, ahead of
   * the output, and each piece is moved back into place.
   */
  beginSplice(text: string): void {
    const most = text.length * MAX_BYTES_PER_UNIT;
    this.reserve(most + SPLICE_ROOM);
    this.spliced = text;
    // As far ahead as it can go, so what is pushed between its pieces rarely has to move it.
    this.waiting = this.bytes.length - most;
    this.waitingEnd = this.waiting + this.bytes.write(text, this.waiting);
    this.waitingUnit = 0;
    this.splicedAscii = this.waitingEnd - this.waiting === text.length;
  }

  /** Writes the spliced text up to its UTF-16 index `unit` (ascending; not inside a surrogate pair). */
  spliceTo(unit: number): void {
    const text = this.spliced;
    if (text === undefined) throw new Error('spliceTo outside beginSplice/endSplice');
    const size = this.splicedAscii ? unit - this.waitingUnit : utf8Length(text, this.waitingUnit, unit);
    this.bytes.copyWithin(this.length, this.waiting, this.waiting + size);
    this.length += size;
    this.waiting += size;
    this.waitingUnit = unit;
  }

  endSplice(): void {
    this.bytes.copyWithin(this.length, this.waiting, this.waitingEnd);
    this.length += this.waitingEnd - this.waiting;
    this.spliced = undefined;
  }

  /**
   * The bytes written, copied into a buffer of their own; the builder starts over empty and keeps
   * its buffer (a fresh buffer for every page showed up as system time in page faults). `owned`:
   * the copy has an ArrayBuffer of its own, never a slice of Node's shared pool, so it can be
   * transferred to another thread.
   */
  take(owned = false): Buffer {
    if (this.spliced !== undefined) throw new Error('take during a splice');
    const out = owned ? Buffer.allocUnsafeSlow(this.length) : Buffer.allocUnsafe(this.length);
    this.bytes.copy(out, 0, 0, this.length);
    this.length = 0;
    return out;
  }

  /** Copies `text` byte for byte if it is all ASCII; false (nothing kept) otherwise. */
  private copyAscii(text: string): boolean {
    const bytes = this.bytes;
    const at = this.length;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c >= 0x80) return false;
      bytes[at + i] = c;
    }
    this.length = at + text.length;
    return true;
  }

  /** Makes room for `bytes` more at the end, or, while splicing, before the text still waiting. */
  private reserve(bytes: number): void {
    if (this.spliced === undefined) {
      if (this.length + bytes <= this.bytes.length) return;
      this.moveTo(Math.max(this.bytes.length * 2, this.length + bytes));
      return;
    }
    if (this.length + bytes <= this.waiting) return;
    // The waiting text goes to the end of the buffer, a larger one if that is not far enough.
    const waiting = this.waitingEnd - this.waiting;
    const needed = this.length + bytes + waiting;
    if (needed > this.bytes.length) this.moveTo(Math.max(this.bytes.length * 2, needed));
    const end = this.bytes.length;
    this.bytes.copyWithin(end - waiting, this.waiting, this.waitingEnd);
    this.waiting = end - waiting;
    this.waitingEnd = end;
  }

  /** Into a buffer of `size` bytes, keeping the output and any text waiting to be spliced. */
  private moveTo(size: number): void {
    const next = Buffer.allocUnsafe(size);
    this.bytes.copy(next, 0, 0, this.length);
    if (this.spliced !== undefined) this.bytes.copy(next, this.waiting, this.waiting, this.waitingEnd);
    this.bytes = next;
  }
}

/** UTF-8 length of `text` from UTF-16 index `start` to `end`, as Buffer.write encodes it. */
export function utf8Length(text: string, start: number, end: number): number {
  let n = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < end && isLowSurrogate(text.charCodeAt(i + 1))) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}
