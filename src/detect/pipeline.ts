// The detector as Stele runs it: the Sigma engine with Stele's routes (dataset `stele` included)
// and the derived fields of derived.ts added to each event before the rules see it.

import { createDetector, type Alert, type DetectorStats, type SigmaRule } from './sigma/index.js';
import type { CorrelationLimits } from './sigma/index.js';
import { createDeriver, type SeenSet, type WorkingHours } from './derived.js';
import { STELE_ROUTES } from './rules.js';

export interface PipelineOptions {
  rules: readonly SigmaRule[];
  timezone?: string;
  workingHours?: WorkingHours;
  /** First-seen state (in memory by default; the database under `stele serve`). */
  seen?: SeenSet;
  limits?: Partial<CorrelationLimits>;
}

export interface DetectionPipeline {
  process(event: object, index: number): Alert[];
  /** Swaps the first-seen state (per batch under `stele serve`). */
  useSeen(seen: SeenSet): void;
  flush(): Alert[];
  stats(): DetectorStats;
}

export function createDetectionPipeline(options: PipelineOptions): DetectionPipeline {
  const detector = createDetector({
    rules: options.rules,
    routes: STELE_ROUTES,
    ...(options.limits ? { limits: options.limits } : {}),
  });
  let seen: SeenSet | undefined = options.seen;
  const make = () =>
    createDeriver({
      ...(options.timezone ? { timezone: options.timezone } : {}),
      ...(options.workingHours ? { workingHours: options.workingHours } : {}),
      ...(seen ? { seen } : {}),
    });
  let derive = make();
  return {
    process(event, index) {
      const record = event as Record<string, unknown>;
      const detect = derive(record);
      // The derived fields replace any `detect` the event has. Put first when it has none: V8 adds a
      // key to a spread copy of an event several times slower (2-3 µs an event) than it copies
      // one after a literal key, and only the keys' order differs, which no rule reads.
      const view = Object.hasOwn(record, 'detect') ? { ...record, detect } : { detect, ...record };
      return detector.process(view, index);
    },
    useSeen(next) {
      seen = next;
      derive = make();
    },
    flush: () => detector.flush(),
    stats: () => detector.stats(),
  };
}
