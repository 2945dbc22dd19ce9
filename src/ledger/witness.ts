// Publishing checkpoints to witnesses (config `ledger.witnesses`): a file keeps the latest signed
// checkpoint, a URL receives each one by POST. Publishing never blocks ingest: each witness sends
// one note at a time, a newer checkpoint replaces one still waiting (it proves more), and a failing
// witness is retried a few times and then reported, never waited for.

import fs from 'node:fs';
import path from 'node:path';
import { ConfigError, SteleError } from '../core/errors.js';
import { parseCheckpoint } from './checkpoint.js';

export type WitnessTarget = { type: 'file'; path: string } | { type: 'url'; url: string; token_env?: string };

/** What each witness last took, for operators and the console (GET /v1/status). */
export interface WitnessStatus {
  witness: string;
  type: 'file' | 'url';
  /** Tree size of the last checkpoint the witness took, and when (epoch ms). */
  lastSize: number | null;
  lastAt: number | null;
  lastError: string | null;
  lastErrorAt: number | null;
}

export interface WitnessPublisher {
  /** Sends the note to every witness; rejects naming the witnesses that did not take it. */
  publish(note: string): Promise<void>;
  status(): WitnessStatus[];
  /** Waits until every note given so far was delivered or given up on. */
  close(): Promise<void>;
}

export interface WitnessOptions {
  env?: NodeJS.ProcessEnv;
  /** Per attempt. */
  timeoutMs?: number;
  /** Attempts per note for a URL witness. */
  attempts?: number;
  /** Wait before the second attempt; doubled for each further one. */
  backoffMs?: number;
}

type Deliver = (note: string) => Promise<void>;

export function createWitnessPublisher(
  witnesses: readonly WitnessTarget[],
  options: WitnessOptions = {},
): WitnessPublisher {
  const channels = witnesses.map((w) => ({
    name: w.type === 'file' ? w.path : w.url,
    send: createChannel(w.type === 'file' ? fileWitness(w.path) : urlWitness(w, options)),
  }));
  const statuses: WitnessStatus[] = witnesses.map((w, i) => ({
    witness: channels[i]!.name,
    type: w.type,
    lastSize: null,
    lastAt: null,
    lastError: null,
    lastErrorAt: null,
  }));
  let last: Promise<unknown> = Promise.resolve();
  return {
    async publish(note) {
      const results = Promise.allSettled(channels.map((c) => c.send(note)));
      last = results;
      const settled = await results;
      const size = noteSize(note);
      settled.forEach((r, i) => {
        const st = statuses[i]!;
        if (r.status === 'fulfilled') {
          st.lastSize = size;
          st.lastAt = Date.now();
        } else {
          st.lastError = (r.reason as Error).message;
          st.lastErrorAt = Date.now();
        }
      });
      const failed = settled.flatMap((r, i) =>
        r.status === 'rejected' ? [`${channels[i]!.name}: ${(r.reason as Error).message}`] : [],
      );
      if (failed.length > 0)
        throw new SteleError('unavailable', `witness did not take the checkpoint: ${failed.join('; ')}`);
    },
    status: () => statuses.map((st) => ({ ...st })),
    async close() {
      await last;
    },
  };
}

/** The tree size a signed checkpoint note states, or null when it does not parse. */
function noteSize(note: string): number | null {
  const body = note.split('\n\n')[0];
  try {
    return body === undefined ? null : parseCheckpoint(body + '\n').size;
  } catch {
    return null;
  }
}

/**
 * One note in flight per witness. A note published while another is in flight waits; a newer one
 * replaces a waiting one, and whoever waited for the replaced note waits for the newer instead.
 */
function createChannel(deliver: Deliver): (note: string) => Promise<void> {
  let waiting:
    { note: string; waiters: Array<{ resolve: () => void; reject: (e: unknown) => void }> } | undefined;
  let running = false;
  const run = async () => {
    running = true;
    while (waiting) {
      const { note, waiters } = waiting;
      waiting = undefined;
      try {
        await deliver(note);
        for (const w of waiters) w.resolve();
      } catch (err) {
        for (const w of waiters) w.reject(err);
      }
    }
    running = false;
  };
  return (note) =>
    new Promise<void>((resolve, reject) => {
      waiting = { note, waiters: [...(waiting?.waiters ?? []), { resolve, reject }] };
      if (!running) void run();
    });
}

/**
 * Keeps the latest checkpoint in `file`, replaced atomically, so the file can be handed to
 * `stele verify --against` at any time. A checkpoint smaller than the kept one, or of the same size
 * with another root, is refused: it means the log went back.
 */
function fileWitness(file: string): Deliver {
  return async (note) => {
    const incoming = checkpointOf(note);
    const kept = fs.existsSync(file) ? checkpointOf(fs.readFileSync(file, 'utf8')) : undefined;
    if (kept && (kept.origin !== incoming.origin || kept.size > incoming.size)) {
      throw new SteleError(
        'integrity',
        `it keeps a checkpoint of ${kept.origin} at size ${kept.size}; refusing size ${incoming.size} (was the log rolled back?)`,
      );
    }
    if (kept && kept.size === incoming.size && !kept.rootHash.equals(incoming.rootHash)) {
      throw new SteleError('integrity', `it keeps another root for size ${kept.size} (was the log forked?)`);
    }
    const temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(temp, note, { mode: 0o644 });
    fs.renameSync(temp, file);
  };
}

function checkpointOf(note: string) {
  return parseCheckpoint(note.slice(0, note.lastIndexOf('\n\n') + 1));
}

/** POSTs the note text; retries on network errors, timeouts and 5xx, not on a 4xx refusal. */
function urlWitness(w: { url: string; token_env?: string }, options: WitnessOptions): Deliver {
  const env = options.env ?? process.env;
  const token = w.token_env === undefined ? undefined : env[w.token_env];
  if (w.token_env !== undefined && !token) {
    throw new ConfigError(`ledger.witnesses: ${w.url}: environment variable ${w.token_env} is not set`);
  }
  const attempts = options.attempts ?? 3;
  const backoff = options.backoffMs ?? 500;
  const headers: Record<string, string> = { 'content-type': 'text/plain; charset=utf-8' };
  if (token) headers.authorization = `Bearer ${token}`;
  return async (note) => {
    for (let attempt = 1; ; attempt++) {
      const problem = await postOnce(w.url, note, headers, options.timeoutMs ?? 5000);
      if (problem === undefined) return;
      if (problem.final || attempt >= attempts) throw new SteleError('unavailable', problem.message);
      await new Promise((resolve) => setTimeout(resolve, backoff * 2 ** (attempt - 1)));
    }
  };
}

async function postOnce(
  url: string,
  note: string,
  headers: Record<string, string>,
  timeoutMs: number,
): Promise<{ message: string; final: boolean } | undefined> {
  try {
    const res = await fetch(url, {
      method: 'POST',
      body: note,
      headers,
      signal: AbortSignal.timeout(timeoutMs),
    });
    await res.arrayBuffer().catch(() => undefined);
    if (res.ok) return undefined;
    return { message: `HTTP ${res.status} ${res.statusText}`, final: res.status >= 400 && res.status < 500 };
  } catch (err) {
    const cause = (err as Error & { cause?: Error }).cause;
    return { message: cause?.message ?? (err as Error).message, final: false };
  }
}
