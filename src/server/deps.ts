// What the HTTP routes need, wired by app.ts.

import type { Config } from '../config/config.js';
import type { Admitter } from '../ingest/admitter.js';
import type { IngestMetrics } from '../ingest/metrics.js';
import type { SearchService } from '../query/search.js';
import type { Store } from '../store/store.js';
import type { LedgerService } from '../ledger/ledger-service.js';
import type { VerifyReport } from '../ledger/verify.js';
import type { WitnessStatus } from '../ledger/witness.js';

export interface ServerDeps {
  config: Config;
  store: Store;
  admitter: Admitter;
  search: SearchService;
  ledger: LedgerService;
  metrics: IngestMetrics;
  /** The ledger's public verifier key (C2SP vkey) and checkpoint origin, for GET /v1/ledger/key. */
  ledgerKey?: { verifierKey: string; origin: string };
  shuttingDown: () => boolean;
  /**
   * Resolves once live detection has processed every event committed so far (absent: no live
   * detection here). It holds just-committed events in memory, so an erasure waits for it first.
   */
  detectionIdle?: () => Promise<void>;
  /** Last scheduled verification and the witnesses' state, for GET /v1/status. */
  status?: () => {
    verification: (VerifyReport & { finished: number }) | null;
    witnesses: WitnessStatus[];
  };
}
