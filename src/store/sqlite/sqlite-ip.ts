// How the SQLite store keeps an IP's comparable form (query/plan.ts ipToComparable, 16 bytes): IPv4
// in 5 bytes instead of 16, and still in address order, so a CIDR block or an IP range stays one
// BETWEEN over the source_ip index. A tag byte splits the 128-bit space in three ordered regions:
//   0x01 || 16 bytes   addresses below ::ffff:0:0/96 (::, ::1, ...)
//   0x02 ||  4 bytes   ::ffff:0:0/96, which is where IPv4 is (RFC 4291 2.5.5.2; plan.ts maps it there)
//   0x03 || 16 bytes   addresses above it (every global IPv6 address)
// Tags order the regions and bytes order addresses within one, so a < b exactly when
// compact(a) < compact(b): a bound compacted the same way selects exactly the same addresses, and
// no IPv6 value can fall into an IPv4 range or the other way round.

const BELOW = 0x01;
const V4 = 0x02;
const ABOVE = 0x03;
const V4_MAPPED_PREFIX = Buffer.from('00000000000000000000ffff', 'hex');

/** The compact form of 16 comparable bytes; anything that is not 16 bytes is returned unchanged. */
export function compactIp(wide: Uint8Array): Buffer {
  const bytes = Buffer.from(wide.buffer, wide.byteOffset, wide.byteLength);
  if (bytes.length !== 16) return Buffer.from(bytes);
  const head = bytes.compare(V4_MAPPED_PREFIX, 0, 12, 0, 12);
  if (head === 0) return Buffer.concat([Buffer.of(V4), bytes.subarray(12)]);
  return Buffer.concat([Buffer.of(head < 0 ? BELOW : ABOVE), bytes]);
}

/** compactIp of the 32 hex digits the query planner uses. */
export function compactIpHex(hex: string): Buffer {
  return compactIp(Buffer.from(hex, 'hex'));
}
