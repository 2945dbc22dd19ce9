// Producer gap accounting, for the admitter and the cluster's sequencer alike: a jump
// past lastSeq + 1 adds the skipped numbers to `gaps`; a late event below lastSeq fills one.

import type { ProducerState } from '../store/store.js';

/** Reported once a batch that skipped producer sequence numbers is committed. */
export type GapListener = (producerId: string, missing: number, lastSeq: number) => void;

export interface ProducerGap {
  id: string;
  missing: number;
  lastSeq: number;
}

/** The sequence numbers each updated producer skips beyond what `known` counted already. */
export function newGaps(
  known: ReadonlyMap<string, ProducerState>,
  updates: ReadonlyMap<string, ProducerState>,
): ProducerGap[] {
  const out: ProducerGap[] = [];
  for (const [id, state] of updates) {
    const missing = state.gaps - (known.get(id)?.gaps ?? 0);
    if (missing > 0) out.push({ id, missing, lastSeq: state.lastSeq });
  }
  return out;
}

export function trackProducer(
  known: ReadonlyMap<string, ProducerState>,
  updates: Map<string, ProducerState>,
  id: string,
  seq: number,
): void {
  const prev = updates.get(id) ?? known.get(id);
  if (!prev) {
    updates.set(id, { id, lastSeq: seq, gaps: 0, events: 1 });
    return;
  }
  const next = { ...prev, events: prev.events + 1 };
  if (seq > prev.lastSeq) {
    next.gaps += seq - prev.lastSeq - 1;
    next.lastSeq = seq;
  } else if (next.gaps > 0) {
    next.gaps -= 1;
  }
  updates.set(id, next);
}
