// Time as a dependency, so tests can pin it.

export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

export function fixedClock(start: number, stepMs = 0): Clock {
  let t = start;
  return {
    now() {
      const v = t;
      t += stepMs;
      return v;
    },
  };
}

/** RFC 3339 UTC with milliseconds, the one timestamp form Stele writes. */
export function formatTimestamp(ms: number): string {
  return new Date(ms).toISOString();
}
