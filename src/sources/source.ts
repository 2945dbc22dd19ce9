// The contract every configured source implements, and what it is given. A source reads raw records
// from the outside, parses and validates them, and submits them to the admitter under its name.

import type { Clock } from '../core/clock.js';
import type { MetricsRegistry } from '../core/metrics.js';
import type { AdmitResult, Candidate } from '../ingest/admitter.js';

/** The part of the Admitter a source uses (tests pass a fake). */
export interface SourceAdmitter {
  /** Events waiting for a transaction: sources stop reading while it is high. */
  readonly backlog: number;
  /** Resolves once the events are durably committed. */
  submit(candidates: Candidate[], source: string): Promise<AdmitResult>;
}

export interface SourceDeps {
  admitter: SourceAdmitter;
  registry: MetricsRegistry;
  /** IANA zone for zone-less timestamps (RFC 3164, auth.log). */
  timezone: string;
  clock: Clock;
  /** Where sources keep their state (file offsets). */
  dataDir: string;
}

export interface SourceStats {
  name: string;
  accepted: number;
  rejected: number;
  dropped: number;
  bytes: number;
  /** Open connections (syslog TCP/TLS) or followed files. */
  connections: number;
  /** Times reading was paused because the pipeline was full. */
  paused: number;
}

export interface Source {
  readonly name: string;
  stats(): SourceStats;
  /** Stops reading and waits for every submitted event to be committed (or to fail). */
  close(): Promise<void>;
}

/** Admitter backlog (events) above which sources stop reading. */
export const DEFAULT_MAX_BACKLOG = 50_000;
