// The `cidr` modifier (sigma-appendix-modifiers.md, "IP Modifiers"): IPv4 and IPv6 networks,
// parsed strictly at load time and matched against event values without allocation-heavy maths.

import { ValidationError } from '../../core/errors.js';

export interface Cidr {
  v6: boolean;
  /** The network address as 32-bit words (one for IPv4, four for IPv6). */
  words: number[];
  prefix: number;
  text: string;
}

function parseV4(s: string): number | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || (p.length > 1 && p[0] === '0')) return undefined;
    const v = Number(p);
    if (v > 255) return undefined;
    n = n * 256 + v;
  }
  return n;
}

function parseV6(s: string): number[] | undefined {
  let text = s;
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  if (text.includes('.')) {
    // Embedded IPv4 tail (::ffff:1.2.3.4): rewrite it as two hex groups.
    const lastColon = text.lastIndexOf(':');
    const v4 = parseV4(text.slice(lastColon + 1));
    if (v4 === undefined) return undefined;
    text = `${text.slice(0, lastColon + 1)}${Math.floor(v4 / 65536).toString(16)}:${(v4 % 65536).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (h: string) => (h === '' ? [] : h.split(':'));
  const head = groups(halves[0] as string);
  const rest = halves.length === 2 ? groups(halves[1] as string) : [];
  const parsed: number[] = [];
  for (const g of [...head, ...rest]) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    parsed.push(parseInt(g, 16));
  }
  let hextets: number[];
  if (halves.length === 2) {
    if (parsed.length > 7) return undefined;
    hextets = [
      ...parsed.slice(0, head.length),
      ...new Array<number>(8 - parsed.length).fill(0),
      ...parsed.slice(head.length),
    ];
  } else {
    if (parsed.length !== 8) return undefined;
    hextets = parsed;
  }
  const words: number[] = [];
  for (let i = 0; i < 8; i += 2) words.push((hextets[i] as number) * 65536 + (hextets[i + 1] as number));
  return words;
}

/** An address as words; IPv4-mapped IPv6 (`::ffff:a.b.c.d`) is read as the IPv4 address. */
export function parseIp(s: string): { v6: boolean; words: number[] } | undefined {
  const v4 = parseV4(s);
  if (v4 !== undefined) return { v6: false, words: [v4] };
  if (!s.includes(':')) return undefined;
  const w = parseV6(s);
  if (w === undefined) return undefined;
  if (w[0] === 0 && w[1] === 0 && w[2] === 0xffff) return { v6: false, words: [w[3] as number] };
  return { v6: true, words: w };
}

function maskWord(word: number, bits: number): number {
  if (bits >= 32) return word;
  if (bits <= 0) return 0;
  return word - (word % 2 ** (32 - bits));
}

function masked(words: number[], prefix: number): number[] {
  return words.map((w, i) => maskWord(w, prefix - 32 * i));
}

/** Parses `10.0.0.0/8`, `fe80::/10` or a bare address (a /32 or /128 network). */
export function parseCidr(text: string): Cidr {
  const slash = text.indexOf('/');
  const addr = slash < 0 ? text : text.slice(0, slash);
  const ip = parseIp(addr.trim());
  if (ip === undefined || addr.includes('%'))
    throw new ValidationError(`bad CIDR '${text}': not an IP address`);
  const max = ip.v6 ? 128 : 32;
  let prefix = max;
  if (slash >= 0) {
    const p = text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(p) || Number(p) > max)
      throw new ValidationError(`bad CIDR '${text}': prefix length`);
    prefix = Number(p);
  }
  const words = masked(ip.words, prefix);
  if (words.some((w, i) => w !== ip.words[i])) {
    throw new ValidationError(`bad CIDR '${text}': host bits are set beyond the /${prefix} prefix`);
  }
  return { v6: ip.v6, words, prefix, text };
}

export function cidrContains(c: Cidr, ip: { v6: boolean; words: number[] }): boolean {
  if (c.v6 !== ip.v6) return false;
  const m = masked(ip.words, c.prefix);
  for (let i = 0; i < m.length; i++) if (m[i] !== c.words[i]) return false;
  return true;
}
