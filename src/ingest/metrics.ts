// Ingest counters exposed at /metrics: what was accepted, rejected and deduplicated, by source,
// and how long commits take.

import { MetricsRegistry, type Counter, type Histogram } from '../core/metrics.js';

export class IngestMetrics {
  readonly accepted: Counter;
  readonly rejected: Counter;
  readonly duplicates: Counter;
  readonly commitFailures: Counter;
  readonly commitSeconds: Histogram;

  constructor(readonly registry: MetricsRegistry = new MetricsRegistry()) {
    this.accepted = registry.counter('stele_events_accepted_total', 'Events durably committed, by source.');
    this.rejected = registry.counter(
      'stele_events_rejected_total',
      'Events rejected at admission, by source.',
    );
    this.duplicates = registry.counter(
      'stele_events_duplicate_total',
      'Events not stored again because their producer id and seq were already stored, by source.',
    );
    this.commitFailures = registry.counter('stele_commit_failures_total', 'Transactions that failed.');
    this.commitSeconds = registry.histogram(
      'stele_commit_seconds',
      'Time from taking a batch to its durable commit.',
      [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    );
  }

  /** One durable commit: what each request (by its source) got accepted and deduplicated. */
  committed(requests: Array<{ source: string; accepted: number; duplicates: number }>, ms: number): void {
    for (const r of requests) {
      if (r.accepted > 0) this.accepted.inc({ source: r.source }, r.accepted);
      if (r.duplicates > 0) this.duplicates.inc({ source: r.source }, r.duplicates);
    }
    this.commitSeconds.observe(ms / 1000);
  }

  commitFailed(): void {
    this.commitFailures.inc();
  }

  rejectedEvents(source: string, n: number): void {
    if (n > 0) this.rejected.inc({ source }, n);
  }
}
