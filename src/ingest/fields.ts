// The values the store indexes, taken from an event once at admission so every dialect indexes alike.

import type { AuditEvent } from '../core/event.js';
import { ipToComparable } from '../query/plan.js';
import type { IndexedFields } from '../store/store.js';

export function indexedFields(event: AuditEvent): IndexedFields {
  const ip = event.source?.ip;
  return {
    action: event.event?.action ?? null,
    outcome: event.event?.outcome ?? null,
    userName: event.user?.name ?? null,
    hostName: event.host?.name ?? null,
    sourceIp: ip === undefined ? null : (ipToComparable(ip) ?? null),
    dataset: event.event?.dataset ?? null,
    sessionId: event.session?.id ?? null,
    producerId: event.stele?.producer?.id ?? null,
    producerSeq: event.stele?.producer?.seq ?? null,
  };
}
