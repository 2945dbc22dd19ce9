// A SourceAdmitter test double for source tests: records what it is given, can be stalled (submits
// do not resolve until released), made to fail, or report a high backlog.

import type { AuditEvent } from '../core/event.js';
import type { AdmitResult, Candidate } from '../ingest/admitter.js';
import type { SourceAdmitter } from './source.js';

export class FakeAdmitter implements SourceAdmitter {
  backlog = 0;
  /** Committed events, in commit order. */
  readonly events: AuditEvent[] = [];
  readonly sources = new Set<string>();
  /** Events handed to submit (committed or not). */
  submitted = 0;
  failNext = 0;
  private stalled = false;
  private readonly waiting: Array<() => void> = [];

  submit(candidates: Candidate[], source: string): Promise<AdmitResult> {
    this.submitted += candidates.length;
    this.sources.add(source);
    if (this.failNext > 0) {
      this.failNext--;
      return Promise.reject(new Error('commit failed (test)'));
    }
    const commit = (): AdmitResult => {
      this.events.push(...candidates.map((c) => c.event));
      return {
        accepted: candidates.map((c, i) => ({ index: c.index, seq: this.events.length + i })),
        duplicates: [],
      };
    };
    if (!this.stalled) return Promise.resolve(commit());
    return new Promise((resolve) => this.waiting.push(() => resolve(commit())));
  }

  stall(): void {
    this.stalled = true;
  }

  release(): void {
    this.stalled = false;
    for (const go of this.waiting.splice(0)) go();
  }

  get pendingSubmits(): number {
    return this.waiting.length;
  }
}

export async function waitFor(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
