// Per-source Prometheus counters: accepted, rejected (by reason class), dropped (by reason), bytes,
// open connections, closed connections and backpressure pauses. One SourceMetrics per registry.

import type { Counter, MetricsRegistry } from '../core/metrics.js';
import type { SourceStats } from './source.js';

/** Why a record was not admitted; a closed set so the label stays low-cardinality. */
export type RejectReason = 'framing' | 'too_large' | 'parse' | 'invalid';
export type DropReason = 'overload' | 'commit_failed' | 'shutdown';

export class SourceMetrics {
  private readonly accepted: Counter;
  private readonly rejected: Counter;
  private readonly dropped: Counter;
  private readonly bytes: Counter;
  private readonly closedConns: Counter;
  private readonly pauses: Counter;
  private readonly open = new Map<string, () => number>();

  constructor(registry: MetricsRegistry) {
    const c = (name: string, help: string) => registry.counter(name, help);
    this.accepted = c('stele_source_events_accepted_total', 'Events a source submitted that were committed.');
    this.rejected = c('stele_source_events_rejected_total', 'Records a source rejected, by reason class.');
    this.dropped = c(
      'stele_source_events_dropped_total',
      'Records a source received but dropped, by reason.',
    );
    this.bytes = c('stele_source_bytes_total', 'Bytes a source read.');
    this.closedConns = c(
      'stele_source_connections_closed_total',
      'Connections a source closed itself (over the cap, idle, failed TLS handshake), by reason.',
    );
    this.pauses = c(
      'stele_source_paused_total',
      'Times a source stopped reading because the pipeline was full.',
    );
    registry.gauge('stele_source_connections', 'Open connections (syslog) or followed files.', () =>
      [...this.open].map(([source, read]) => ({ labels: { source }, value: read() })),
    );
  }

  /** Counters bound to one source; `connections` reports its open connections or files. */
  forSource(source: string, connections: () => number): SourceCounters {
    this.open.set(source, connections);
    const sum = (counter: Counter, reasons: readonly string[]) =>
      reasons.reduce((n, reason) => n + counter.get({ source, reason }), 0);
    return {
      accepted: (n) => n > 0 && this.accepted.inc({ source }, n),
      rejected: (reason, n = 1) => n > 0 && this.rejected.inc({ source, reason }, n),
      dropped: (reason, n = 1) => n > 0 && this.dropped.inc({ source, reason }, n),
      bytes: (n) => this.bytes.inc({ source }, n),
      closed: (reason) => this.closedConns.inc({ source, reason }),
      paused: () => this.pauses.inc({ source }),
      stats: (): SourceStats => ({
        name: source,
        accepted: this.accepted.get({ source }),
        rejected: sum(this.rejected, REJECT_REASONS),
        dropped: sum(this.dropped, DROP_REASONS),
        bytes: this.bytes.get({ source }),
        connections: connections(),
        paused: this.pauses.get({ source }),
      }),
      rejectedBy: (reason) => this.rejected.get({ source, reason }),
      droppedBy: (reason) => this.dropped.get({ source, reason }),
      closedBy: (reason) => this.closedConns.get({ source, reason }),
    };
  }
}

const REJECT_REASONS: readonly RejectReason[] = ['framing', 'too_large', 'parse', 'invalid'];
const DROP_REASONS: readonly DropReason[] = ['overload', 'commit_failed', 'shutdown'];

export interface SourceCounters {
  accepted(n: number): void;
  rejected(reason: RejectReason, n?: number): void;
  dropped(reason: DropReason, n?: number): void;
  bytes(n: number): void;
  closed(reason: string): void;
  paused(): void;
  stats(): SourceStats;
  rejectedBy(reason: RejectReason): number;
  droppedBy(reason: DropReason): number;
  closedBy(reason: string): number;
}
