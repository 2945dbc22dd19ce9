// Groups audit records into events by `audit(time:serial)`, the way go-libaudit's Reassembler
// does, but driven by record count instead of a wall clock so that parsing stays deterministic.

import { isStandaloneType } from './auditd-tables.js';
import type { AuditRecord } from './auditd-record.js';

export interface AuditEventGroup {
  id: string;
  serial: number;
  node?: string;
  records: AuditRecord[];
  /** Line of the first record received. */
  line: number;
}

interface Pending extends AuditEventGroup {
  complete: boolean;
}

// Serials that differ by more than this are taken to have rolled over (go-libaudit maxSortRange).
const MAX_SORT_RANGE = 2 ** 24 - 1;
const EOE = 'EOE';
const MAX_RECORDS_PER_EVENT = 1024;

/** Serial order that survives the uint32 roll-over: 4294967295 sorts before 0. */
function serialBefore(a: number, b: number): boolean {
  return Math.abs(a - b) > MAX_SORT_RANGE ? a > b : a < b;
}

/**
 * In-flight events of one host, lowest serial first. The lowest is emitted once it is complete
 * (EOE, PROCTITLE or a standalone type), or when more than `maxInFlight` events are waiting, so a
 * record that arrives late but within that window still joins its event and events come out in
 * serial order. A gap in emitted serials is counted as lost events.
 */
class HostEvents {
  private readonly pending: Pending[] = [];
  private readonly byId = new Map<string, Pending>();
  private lastSerial = 0;
  lost = 0;

  constructor(private readonly maxInFlight: number) {}

  put(record: AuditRecord, line: number): void {
    const found = this.byId.get(record.id);
    if (record.type === EOE) {
      if (found) found.complete = true;
      return;
    }
    let event = found;
    if (!event) {
      event = { id: record.id, serial: record.serial, node: record.node, records: [], line, complete: false };
      this.insert(event);
    }
    // A real event has a handful of records (a PATH per file touched); the cap bounds memory.
    if (event.records.length < MAX_RECORDS_PER_EVENT) event.records.push(record);
    if (isStandaloneType(record.typeNumber)) event.complete = true;
  }

  private insert(event: Pending): void {
    let at = this.pending.length;
    while (at > 0 && serialBefore(event.serial, this.pending[at - 1]!.serial)) at--;
    this.pending.splice(at, 0, event);
    this.byId.set(event.id, event);
  }

  /** Emits, lowest serial first, every event that is complete or pushed out by the window. */
  drain(all: boolean): AuditEventGroup[] {
    const out: AuditEventGroup[] = [];
    while (this.pending.length > 0) {
      const head = this.pending[0]!;
      if (!all && !head.complete && this.pending.length <= this.maxInFlight) break;
      this.pending.shift();
      this.byId.delete(head.id);
      this.countGap(head.serial);
      out.push({ id: head.id, serial: head.serial, node: head.node, records: head.records, line: head.line });
    }
    return out;
  }

  private countGap(serial: number): void {
    if (this.lastSerial > 0) {
      const gap = (serial - this.lastSerial - 1 + 2 ** 32) % 2 ** 32;
      // A serial at or below the last one emitted is a late record: neither a gap nor progress.
      if (gap >= MAX_SORT_RANGE) return;
      this.lost += gap;
    }
    this.lastSerial = serial;
  }
}

export interface Reassembler {
  push(record: AuditRecord, line: number): AuditEventGroup[];
  flush(): AuditEventGroup[];
  /** Events missing from the serial sequence (dropped by the kernel, rate-limited, filtered out). */
  readonly lost: number;
}

/** One window per `node=` host, since serials are only ordered within a host. */
export function createReassembler(maxInFlight: number): Reassembler {
  const hosts = new Map<string, HostEvents>();
  return {
    push(record, line) {
      const key = record.node ?? '';
      let host = hosts.get(key);
      if (!host) {
        host = new HostEvents(maxInFlight);
        hosts.set(key, host);
      }
      host.put(record, line);
      return host.drain(false);
    },
    flush() {
      return [...hosts.values()].flatMap((h) => h.drain(true));
    },
    get lost() {
      let n = 0;
      for (const h of hosts.values()) n += h.lost;
      return n;
    },
  };
}
