import { describe, expect, it } from 'vitest';
import { ipToComparable } from '../../query/plan.js';
import { compactIp, compactIpHex } from './sqlite-ip.js';

// Edges of the three regions and ordinary addresses of both families.
const ADDRESSES = [
  '::',
  '::1',
  '::fffe:ffff:ffff',
  '::ffff:0.0.0.0',
  '0.0.0.1',
  '10.1.2.3',
  '198.51.100.77',
  '255.255.255.254',
  '255.255.255.255',
  '::1:0:0:0',
  '0a00::1',
  '2001:db8::1',
  'fe80::1',
  'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff',
];

describe('compact comparable IPs', () => {
  it('keep IPv4 in 5 bytes and IPv6 in 17', () => {
    expect(compactIpHex(ipToComparable('10.1.2.3')!)).toEqual(Buffer.from('020a010203', 'hex'));
    expect(compactIpHex(ipToComparable('::ffff:10.1.2.3')!)).toEqual(Buffer.from('020a010203', 'hex'));
    expect(compactIpHex(ipToComparable('2001:db8::1')!)).toHaveLength(17);
    expect(compactIpHex(ipToComparable('::1')!)).toHaveLength(17);
  });

  it('order exactly as the 16-byte form does, so a bound compacted alike selects the same addresses', () => {
    const wide = ADDRESSES.map((a) => Buffer.from(ipToComparable(a)!, 'hex'));
    for (const a of wide) {
      for (const b of wide) {
        expect(
          Math.sign(compactIp(a).compare(compactIp(b))),
          `${a.toString('hex')} ${b.toString('hex')}`,
        ).toBe(Math.sign(a.compare(b)));
      }
    }
  });

  it('keep an IPv6 value out of every IPv4 range and the other way round', () => {
    const v4 = [compactIpHex(ipToComparable('0.0.0.0')!), compactIpHex(ipToComparable('255.255.255.255')!)];
    for (const a of ['::', '0a00::1', '2001:db8::1', 'ffff::']) {
      const c = compactIpHex(ipToComparable(a)!);
      expect(c.compare(v4[0]!) < 0 || c.compare(v4[1]!) > 0, a).toBe(true);
    }
  });

  it('leave a value that is not 16 bytes (already compact) as it is', () => {
    const compact = Buffer.from('020a010203', 'hex');
    expect(compactIp(compact)).toEqual(compact);
  });
});
