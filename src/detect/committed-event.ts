// A just-committed event as live detection sees it, from the admitted event in memory instead of
// parsing its stored row again. The stored row is the event through JSON (row-codec.ts); for an
// event that JSON gives back unchanged the two are equal, so detection only takes this way for such
// events and decodes the row for any other.

import { MAX_EVENT_DEPTH, type AuditEvent, type StoredEvent } from '../core/event.js';
import { storedStele } from '../store/row-codec.js';
import type { EventContent } from '../store/store.js';
import { MAX_KEYWORD_STRINGS } from './sigma/fields.js';

/**
 * The event `rowToEvent(row)` gives back, built from `event`, the admitted event `row` was encoded
 * from; undefined when JSON would not give `event` back as it is (then decode the row). Key order
 * may differ, which rules see only in a keyword search past MAX_KEYWORD_STRINGS strings: events
 * with nearly that many strings are left to the row too.
 */
export function committedEvent(event: AuditEvent, row: EventContent): StoredEvent | undefined {
  if (!isPlainJson(event)) return undefined;
  const stele = storedStele(event.stele, row);
  // Put first when the event has no stele: V8 adds a key to a spread copy several times slower
  // than it copies one after a literal key (pipeline.ts), and rules do not read the keys' order.
  return Object.hasOwn(event, 'stele') ? { ...event, stele } : ({ stele, ...event } as StoredEvent);
}

/** Strings the stored event's `stele` object adds (received, source) beyond the event's own. */
const STELE_STRINGS = 2;

/**
 * True when `JSON.parse(JSON.stringify(value))` equals `value` with every property kept: only
 * strings, finite numbers other than -0, booleans, null, arrays without holes and plain objects, and fewer
 * than MAX_KEYWORD_STRINGS strings, nested at most MAX_EVENT_DEPTH deep (what validation admits).
 */
export function isPlainJson(value: object): boolean {
  let strings = 0;
  const visit = (v: unknown, depth: number): boolean => {
    switch (typeof v) {
      case 'string':
        return ++strings < MAX_KEYWORD_STRINGS - STELE_STRINGS;
      case 'boolean':
        return true;
      case 'number':
        return Number.isFinite(v) && !Object.is(v, -0);
      case 'object': {
        if (v === null) return true;
        if (depth > MAX_EVENT_DEPTH) return false;
        if (Array.isArray(v)) {
          if (Object.getPrototypeOf(v) !== Array.prototype) return false;
          for (let i = 0; i < v.length; i++) if (!visit(v[i], depth + 1)) return false;
          return true;
        }
        const proto = Object.getPrototypeOf(v) as unknown;
        if (proto !== Object.prototype && proto !== null) return false;
        for (const key in v) if (!visit((v as Record<string, unknown>)[key], depth + 1)) return false;
        return true;
      }
      default:
        return false; // undefined (dropped by JSON), bigint, symbol, function
    }
  };
  return visit(value, 1);
}
