// Ingest counters exposed at /metrics: what was accepted, rejected and deduplicated, by source,
// and how long commits take.

import { MetricsRegistry, type Counter, type Histogram } from '../core/metrics.js';
import type { AdmitResult } from './admitter.js';

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

  committed(sources: string[], results: AdmitResult[], ms: number): void {
    const bySource = new Map<string, number>();
    for (const s of sources) bySource.set(s, (bySource.get(s) ?? 0) + 1);
    for (const [source, n] of bySource) this.accepted.inc({ source }, n);
    const dupes = results.reduce((n, r) => n + r.duplicates.length, 0);
    if (dupes > 0) this.duplicates.inc({}, dupes);
    this.commitSeconds.observe(ms / 1000);
  }

  commitFailed(): void {
    this.commitFailures.inc();
  }

  rejectedEvents(source: string, n: number): void {
    if (n > 0) this.rejected.inc({ source }, n);
  }
}
