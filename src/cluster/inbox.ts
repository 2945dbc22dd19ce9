// The inbox from a node's side: a request is written durably to the inbox, then the node waits
// until the sequencer has committed it with seqs and replies with them. A request not sequenced in
// time is withdrawn (deleted, so it will never be written) and answered 503: the sender retries.

import type { Clock } from '../core/clock.js';
import { SteleError } from '../core/errors.js';
import type { AdmitResult, Candidate } from '../ingest/admitter.js';
import type { PgInbox } from '../store/postgres/postgres-cluster.js';

interface Waiting {
  events: number;
  deadline: number;
  /** Withdrawal failed because the sequencer took it: the result is on its way. */
  taken: boolean;
  resolve: (result: AdmitResult) => void;
  reject: (err: unknown) => void;
}

export interface InboxClientOptions {
  inbox: PgInbox;
  node: string;
  clock: Clock;
  /** Longest a request waits for the sequencer before it is withdrawn. */
  waitMs?: number;
  pollMs?: number;
  /** Called with the ledger size implied by each result (for search snapshots). */
  onSeq?: (nextSeq: number) => void;
}

export class InboxClient {
  private readonly waiting = new Map<number, Waiting>();
  private timer: NodeJS.Timeout | undefined;
  private polling = false;

  constructor(private readonly options: InboxClientOptions) {}

  get backlog(): number {
    let n = 0;
    for (const w of this.waiting.values()) n += w.events;
    return n;
  }

  async submit(candidates: Candidate[], source: string): Promise<AdmitResult> {
    const { inbox, node, clock } = this.options;
    const id = await inbox.enqueue(node, source, JSON.stringify(candidates), clock.now());
    return new Promise((resolve, reject) => {
      const deadline = clock.now() + (this.options.waitMs ?? 10_000);
      this.waiting.set(id, { events: candidates.length, deadline, taken: false, resolve, reject });
      this.schedule();
    });
  }

  /** Waits for what is in flight (up to each request's deadline). */
  async close(): Promise<void> {
    while (this.waiting.size > 0) await new Promise((r) => setTimeout(r, 20));
    if (this.timer) clearTimeout(this.timer);
  }

  private schedule(): void {
    if (this.timer || this.waiting.size === 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.poll().finally(() => this.schedule());
    }, this.options.pollMs ?? 5);
  }

  private async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      const results = await this.options.inbox.takeResults([...this.waiting.keys()]);
      for (const [id, text] of results) {
        const w = this.waiting.get(id);
        if (!w) continue;
        this.waiting.delete(id);
        const result = JSON.parse(text) as AdmitResult;
        const last = Math.max(
          -1,
          ...result.accepted.map((a) => a.seq),
          ...result.duplicates.map((d) => d.seq),
        );
        this.options.onSeq?.(last + 1);
        w.resolve(result);
      }
    } catch {
      // The database is away: deadlines below still answer every request.
    } finally {
      this.polling = false;
    }
    await this.expire();
  }

  private async expire(): Promise<void> {
    const now = this.options.clock.now();
    for (const [id, w] of this.waiting) {
      if (now < w.deadline) continue;
      if (w.taken && now < w.deadline + 10_000) continue;
      let withdrawn = false;
      try {
        withdrawn = w.taken ? false : await this.options.inbox.withdraw(id);
      } catch {
        // Cannot reach the database: the request may still be sequenced later; the sender retries.
        withdrawn = true;
      }
      if (withdrawn || w.taken) {
        this.waiting.delete(id);
        w.reject(new SteleError('unavailable', 'no sequencer committed these events in time; retry'));
      } else {
        w.taken = true; // being committed right now: its result will arrive
      }
    }
  }
}
