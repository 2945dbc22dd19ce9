// Splits a syslog byte stream (TCP, TLS) into messages: RFC 6587 octet counting (`LEN SP MSG`,
// 3.4.1) and non-transparent LF framing (3.4.2), detected per frame as rsyslog does. Oversize or
// garbled frames are reported with a reason and skipped; the stream resynchronizes after them.

export type SyslogFraming = 'auto' | 'octet-counting' | 'lf';

export interface SyslogFramerOptions {
  /** `auto` (default): a frame starting with a digit is octet-counted, anything else ends at LF. */
  framing?: SyslogFraming;
  /** Largest message accepted, in octets (default 64 KiB). */
  maxFrameSize?: number;
}

export type SyslogFrame = { message: Buffer } | { error: string };

export interface SyslogFramer {
  /** Feeds received bytes; returns the frames they complete, in order. */
  push(chunk: Buffer): SyslogFrame[];
  /** End of stream: a last LF-less message, or an error for a cut-off octet-counted frame. */
  end(): SyslogFrame[];
}

export const DEFAULT_MAX_FRAME_SIZE = 64 * 1024;
const LF = 10;
const CR = 13;
const SP = 32;
// MSG-LEN is NONZERO-DIGIT *DIGIT; nine digits already allow far more than any sane limit.
const MAX_LEN_DIGITS = 9;

/** One step of reading an octet-counted frame at the start of `buf`. */
export type OctetFrameStep =
  | { kind: 'frame'; message: Buffer; next: number }
  | { kind: 'incomplete' }
  | { kind: 'oversize'; length: number; next: number }
  | { kind: 'invalid'; reason: string };

export function readOctetFrame(buf: Buffer, maxFrameSize = DEFAULT_MAX_FRAME_SIZE): OctetFrameStep {
  let i = 0;
  while (i < buf.length && i <= MAX_LEN_DIGITS && isDigit(buf[i] ?? 0)) i++;
  if (i === buf.length && i <= MAX_LEN_DIGITS) return { kind: 'incomplete' };
  if (i === 0 || i > MAX_LEN_DIGITS || buf[0] === 48 || buf[i] !== SP) {
    return { kind: 'invalid', reason: 'invalid octet count: expected MSG-LEN SP MSG (RFC 6587 3.4.1)' };
  }
  const length = Number(buf.toString('latin1', 0, i));
  const start = i + 1;
  if (length > maxFrameSize) return { kind: 'oversize', length, next: start };
  if (buf.length < start + length) return { kind: 'incomplete' };
  return { kind: 'frame', message: Buffer.from(buf.subarray(start, start + length)), next: start + length };
}

/**
 * Splits a buffer of octet-counted frames: complete messages, problems, and the unconsumed tail
 * (an incomplete frame). An oversize or invalid frame stops the split: the rest is returned as is.
 */
export function splitOctetCounted(
  data: Buffer,
  maxFrameSize = DEFAULT_MAX_FRAME_SIZE,
): { messages: Buffer[]; errors: string[]; rest: Buffer } {
  const messages: Buffer[] = [];
  let buf = data;
  for (;;) {
    const step = readOctetFrame(buf, maxFrameSize);
    if (step.kind === 'frame') {
      messages.push(step.message);
      buf = buf.subarray(step.next);
      continue;
    }
    if (step.kind === 'incomplete') return { messages, errors: [], rest: buf };
    const reason = step.kind === 'oversize' ? oversize(step.length, maxFrameSize) : step.reason;
    return { messages, errors: [reason], rest: buf };
  }
}

export function createSyslogFramer(options: SyslogFramerOptions = {}): SyslogFramer {
  const framing = options.framing ?? 'auto';
  const max = options.maxFrameSize ?? DEFAULT_MAX_FRAME_SIZE;
  let buf: Buffer = Buffer.alloc(0);
  let discardOctets = 0; // left of an oversize octet-counted frame
  let discardLine = false; // skipping to the next LF after an oversize or garbled frame
  let scanned = 0; // bytes of `buf` already searched for LF, so a slow sender costs linear time

  const isOctetFrame = (first: number) =>
    framing === 'octet-counting' || (framing === 'auto' && isDigit(first));

  const step = (out: SyslogFrame[]): boolean => {
    if (discardOctets > 0) {
      const take = Math.min(discardOctets, buf.length);
      buf = buf.subarray(take);
      discardOctets -= take;
      return discardOctets === 0;
    }
    if (discardLine) {
      const lf = buf.indexOf(LF);
      buf = lf < 0 ? buf.subarray(buf.length) : buf.subarray(lf + 1);
      discardLine = lf < 0;
      return lf >= 0;
    }
    while (buf.length > 0 && (buf[0] === LF || buf[0] === CR)) buf = buf.subarray(1);
    const first = buf[0];
    if (first === undefined) return false;
    if (isOctetFrame(first)) {
      const frame = readOctetFrame(buf, max);
      if (frame.kind === 'incomplete') return false;
      if (frame.kind === 'frame') {
        out.push({ message: frame.message });
        buf = buf.subarray(frame.next);
      } else if (frame.kind === 'oversize') {
        out.push({ error: oversize(frame.length, max) });
        buf = buf.subarray(frame.next);
        discardOctets = frame.length;
      } else {
        out.push({ error: `${frame.reason}; skipped to the next LF` });
        discardLine = true;
      }
      return true;
    }
    const lf = buf.indexOf(LF, scanned);
    if (lf < 0) {
      scanned = buf.length;
      if (buf.length <= max) return false;
      out.push({ error: `message longer than ${max} octets without LF; skipped to the next LF` });
      buf = buf.subarray(buf.length);
      discardLine = true;
      scanned = 0;
      return false;
    }
    scanned = 0;
    const end = lf > 0 && buf[lf - 1] === CR ? lf - 1 : lf;
    if (end > max) out.push({ error: oversize(end, max) });
    else out.push({ message: Buffer.from(buf.subarray(0, end)) });
    buf = buf.subarray(lf + 1);
    return true;
  };

  return {
    push(chunk) {
      const out: SyslogFrame[] = [];
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      while (step(out));
      if (buf.length === 0) scanned = 0;
      return out;
    },
    end() {
      const out: SyslogFrame[] = [];
      while (step(out));
      const rest = buf;
      const wasDiscarding = discardOctets > 0;
      buf = Buffer.alloc(0);
      discardOctets = 0;
      discardLine = false;
      scanned = 0;
      if (wasDiscarding || rest.length === 0) return out;
      const first = rest[0] ?? 0;
      if (isOctetFrame(first)) {
        out.push({ error: `stream ended inside an octet-counted frame (${rest.length} octets pending)` });
      } else if (rest.length > max) {
        out.push({ error: oversize(rest.length, max) });
      } else {
        const end = rest[rest.length - 1] === CR ? rest.length - 1 : rest.length;
        out.push({ message: Buffer.from(rest.subarray(0, end)) });
      }
      return out;
    },
  };
}

function oversize(length: number, max: number): string {
  return `frame of ${length} octets exceeds the ${max}-octet limit; skipped`;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
