// Indexed values derived from an event at admission (the plain field copies are row-codec.ts's).

import type { AuditEvent } from '../core/event.js';
import { ipToComparable } from '../query/plan.js';
import type { IndexedFields } from '../store/store.js';

function comparableIp(ip: string | undefined): Buffer | null {
  const hex = ip === undefined ? undefined : ipToComparable(ip);
  return hex === undefined ? null : Buffer.from(hex, 'hex');
}

export function indexedFields(event: AuditEvent): IndexedFields {
  const ip = event.source?.ip;
  return {
    sourceIp: comparableIp(ip),
    producerId: event.stele?.producer?.id ?? null,
    producerSeq: event.stele?.producer?.seq ?? null,
  };
}
