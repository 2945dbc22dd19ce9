// Keeps trying to become the sequencer: every `retryMs` a node without the lease tries to take the
// advisory lock; the holder proves its session every `heartbeatMs`. When the session drops (the
// process died, or PostgreSQL went away) the lock is free at once and another node takes it.

import type { Clock } from '../core/clock.js';
import { PgLeaseSession } from '../store/postgres/postgres-cluster.js';
import type { PostgresStore } from '../store/postgres/postgres-store.js';

export interface LeaseOptions {
  store: PostgresStore;
  holder: string;
  address: string | null;
  clock: Clock;
  retryMs?: number;
  heartbeatMs?: number;
  /** Called once the lease is held; a failure gives the lease back. */
  onAcquired: () => Promise<void>;
  /** Called once the lease is lost or given back; must stop sequencing before it resolves. */
  onLost: () => Promise<void>;
  onError?: (message: string) => void;
}

export class SequencerLease {
  private readonly session: PgLeaseSession;
  private running = true;
  private leading = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private lastError = '';

  constructor(private readonly options: LeaseOptions) {
    this.session = new PgLeaseSession(options.store);
  }

  get held(): boolean {
    return this.leading;
  }

  start(): void {
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    await this.giveUp();
  }

  private async run(): Promise<void> {
    while (this.running) {
      if (!this.leading) await this.tryLead();
      else await this.heartbeat();
      if (!this.running) break;
      await this.sleep(this.leading ? (this.options.heartbeatMs ?? 1000) : (this.options.retryMs ?? 1000));
    }
  }

  private async tryLead(): Promise<void> {
    const { holder, address, clock } = this.options;
    try {
      const got = await this.session.tryAcquire(holder, address, clock.now(), () => this.wake?.());
      if (!got) return;
      this.leading = true;
      this.lastError = '';
      await this.options.onAcquired();
    } catch (err) {
      this.report(`sequencer lease: ${(err as Error).message}`);
      await this.giveUp();
    }
  }

  private async heartbeat(): Promise<void> {
    try {
      if (!this.session.held) throw new Error('the lease session ended');
      await this.session.heartbeat(this.options.holder, this.options.clock.now());
    } catch (err) {
      this.report(`sequencer lease lost: ${(err as Error).message}`);
      await this.giveUp();
    }
  }

  private async giveUp(): Promise<void> {
    if (this.leading) {
      this.leading = false;
      await this.options
        .onLost()
        .catch((err: Error) => this.report(`stopping the sequencer: ${err.message}`));
    }
    await this.session.end();
  }

  private report(message: string): void {
    // The same failure every second is said once.
    if (message === this.lastError) return;
    this.lastError = message;
    this.options.onError?.(message);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.wake = undefined;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(t);
        this.wake = undefined;
        resolve();
      };
    });
  }
}
