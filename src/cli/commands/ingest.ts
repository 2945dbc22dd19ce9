// `stele ingest`: parse records from files or stdin and store them, locally or through a server,
// with a progress bar on a terminal. Rejected records are reported on stderr with their line.

import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { openLedger } from '../../app.js';
import { systemClock } from '../../core/clock.js';
import type { AuditEvent } from '../../core/event.js';
import { SteleError } from '../../core/errors.js';
import { validateOnce } from '../../core/validate.js';
import { Admitter, type AdmitResult, type Candidate } from '../../ingest/admitter.js';
import { IngestMetrics } from '../../ingest/metrics.js';
import { Progress } from '../progress.js';
import { addTargetOptions, resolveTarget, type TargetFlags } from '../target.js';
import { inputSize } from '../input.js';
import { parseInputs } from '../parse-input.js';
import { FORMATS, isFormat } from '../../parsers/index.js';
import type { ServerClient } from '../client.js';

const CHUNK = 5000;

interface Tally {
  accepted: number;
  duplicates: number;
  rejected: number;
}

export function registerIngest(program: Command): void {
  addTargetOptions(
    program
      .command('ingest')
      .description('parse and store events from files, directories or stdin (-)')
      .argument('[files...]', 'input files (.gz is decompressed); none or - reads stdin')
      .option('--format <fmt>', `input format: ${FORMATS.join(', ')}`, 'json')
      .option('--json', 'print the summary as JSON')
      .option('--timezone <tz>', 'IANA zone of timestamps written without one', 'UTC')
      .option('--hostname <name>', 'host name for records that do not carry one')
      .option(
        '--retry-for <seconds>',
        'with --server: how long to keep sending a chunk the server could not take',
        '60',
      ),
  ).action(
    async (
      files: string[],
      flags: TargetFlags & {
        format: string;
        json?: boolean;
        timezone: string;
        hostname?: string;
        retryFor: string;
      },
    ) => {
      if (!isFormat(flags.format)) {
        throw new SteleError(
          'validation',
          `--format: unknown format '${flags.format}' (expected ${FORMATS.join(', ')})`,
        );
      }
      const target = resolveTarget(flags);
      const inputs = expandInputs(files.length === 0 ? ['-'] : files);
      const total = inputSize(inputs);
      const progress = new Progress('ingest', total);
      const tally: Tally = { accepted: 0, duplicates: 0, rejected: 0 };
      const retryFor = Number(flags.retryFor);
      if (!Number.isFinite(retryFor) || retryFor < 0)
        throw new SteleError('validation', '--retry-for: a number of seconds, 0 or more');
      const sink =
        target.kind === 'server'
          ? serverSink(target.client, retryFor * 1000)
          : await localSink(target.config);
      const options = {
        now: Date.now(),
        timezone: flags.timezone,
        ...(flags.hostname ? { hostname: flags.hostname } : {}),
      };
      // Ctrl-C (or SIGTERM) stops the reading: what was read is still stored, the summary says where
      // the input stopped, and the exit status is 130 (143). A second signal exits at once; the
      // database keeps every batch that committed before it.
      let interrupted: NodeJS.Signals | undefined;
      const stopReading = new AbortController();
      const onSignal = (signal: NodeJS.Signals) => {
        if (interrupted) process.exit(signal === 'SIGINT' ? 130 : 143);
        interrupted = signal;
        stopReading.abort();
        // Standard input may be waiting for a line that never comes: its end ends the reading.
        if (inputs.includes('-')) process.stdin.destroy();
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      /** Where the last record of the last chunk stored was read. */
      let storedThrough: { file: string; line: number } | undefined;
      let readThrough: { file: string; line: number } | undefined;
      // Chunks in flight: parsing goes on while the store commits the ones before. Each has a
      // handler from the start, so one failing while an earlier one is awaited is not unhandled.
      const submitted: Array<Promise<void>> = [];
      let failedChunk = false;
      try {
        let chunk: Candidate[] = [];
        const flush = async () => {
          if (chunk.length === 0) return;
          const through = readThrough;
          const pending = sink.submit(chunk).then(
            (result) => {
              tally.accepted += result.accepted.length;
              tally.duplicates += result.duplicates.length;
              tally.rejected += result.rejected;
              // After a chunk failed, later ones stored do not make the input handled up to them.
              if (!failedChunk) storedThrough = through;
            },
            (err: unknown) => {
              failedChunk = true;
              throw err;
            },
          );
          pending.catch(() => undefined);
          submitted.push(pending);
          chunk = [];
          if (submitted.length >= sink.inFlight) await submitted.shift();
        };
        for await (const item of parseInputs(inputs, flags.format, options, stopReading.signal)) {
          readThrough = { file: item.file, line: item.line };
          if (!item.event) {
            tally.rejected++;
            process.stderr.write(`${item.file}:${item.line}: ${item.error}\n`);
          } else {
            // A line parser's event is validated here, which also normalizes its timestamp.
            const v = validateOnce(item.event, item.ts);
            if (!v.ok) {
              tally.rejected++;
              process.stderr.write(
                `${item.file}:${item.line}: ${v.field ? `${v.field}: ` : ''}${v.message}\n`,
              );
            } else {
              chunk.push({ index: chunk.length, event: v.event, ts: v.ts });
              if (chunk.length >= CHUNK) await flush();
            }
          }
          progress.update(item.bytesRead, tally.accepted + tally.duplicates + chunk.length);
        }
        await flush();
        for (const pending of submitted) await pending;
        progress.finish(total ?? 0, tally.accepted + tally.duplicates);
      } catch (err) {
        // What was stored before the failure stays stored: say how far that was, then fail.
        for (const pending of submitted) await pending.catch(() => undefined);
        process.stderr.write(
          `stele: ${tally.accepted} stored, ${tally.duplicates} duplicates skipped, ${tally.rejected} rejected before the error below\n` +
            stoppedNote('an error', storedThrough),
        );
        throw err;
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        await sink.close();
      }
      if (flags.json) {
        const stop = interrupted ? { interrupted, handledThrough: storedThrough ?? null } : {};
        process.stdout.write(JSON.stringify({ ...tally, ...stop }) + '\n');
      } else {
        process.stderr.write(
          `stele: ${tally.accepted} stored, ${tally.duplicates} duplicates skipped, ${tally.rejected} rejected\n`,
        );
        if (interrupted) process.stderr.write(stoppedNote(interrupted, storedThrough));
      }
      if (interrupted) {
        process.exitCode = interrupted === 'SIGINT' ? 130 : 143;
        return;
      }
      if (tally.rejected > 0 && tally.accepted + tally.duplicates === 0) process.exitCode = 1;
    },
  );
}

function stoppedNote(cause: string, through: { file: string; line: number } | undefined): string {
  if (!through) return `stele: stopped by ${cause} before any record was stored\n`;
  const rest = through.file === '<stdin>' ? 'standard input' : through.file;
  return (
    `stele: stopped by ${cause}; every record up to ${through.file}:${through.line} was handled, ` +
    `nothing after it (to go on: the rest of ${rest} after line ${through.line}, and any later files)\n`
  );
}

/** Directories are walked for files (a CloudTrail export is a tree of .json.gz files). */
function expandInputs(inputs: string[]): string[] {
  return inputs.flatMap((input) => {
    if (input === '-' || !fs.existsSync(input) || !fs.statSync(input).isDirectory()) return [input];
    return (fs.readdirSync(input, { recursive: true }) as string[])
      .map((f) => path.join(input, f))
      .filter((f) => fs.statSync(f).isFile())
      .sort();
  });
}

interface Sink {
  /** Chunks submitted before the oldest is awaited (1: one at a time). */
  inFlight: number;
  submit(candidates: Candidate[]): Promise<AdmitResult & { rejected: number }>;
  close(): Promise<void>;
}

async function localSink(config: Parameters<typeof openLedger>[0]): Promise<Sink> {
  const ledger = await openLedger(config);
  const state = await ledger.store.loadLedgerState();
  const admitter = new Admitter(
    {
      store: ledger.store,
      ledger: ledger.writer,
      clock: systemClock,
      metrics: new IngestMetrics(),
      checkpointIntervalMs: config.ledger.checkpoint_interval_ms,
    },
    state.producers,
  );
  return {
    // The admitter commits queued chunks in the order they were submitted.
    inFlight: 4,
    submit: async (candidates) => ({ ...(await admitter.submit(candidates, 'cli')), rejected: 0 }),
    async close() {
      await admitter.close();
      await ledger.writer.close();
      await ledger.store.close();
      ledger.lock.release();
    },
  };
}

/**
 * A server, one chunk at a time. A chunk the server could not take (503 while its database is
 * unreachable, a restart refusing connections) is sent again, with growing pauses, for up to
 * `retryForMs`. Each event is sent with this run's producer id and its number in the run (unless
 * it names its own producer), so a chunk that did reach the database before its reply was lost is
 * reported back as duplicates when sent again, never stored twice.
 */
function serverSink(client: ServerClient, retryForMs: number): Sink {
  const producer = `stele-ingest-${randomUUID()}`;
  let sent = 0;
  /** The request before: each chunk is sent once that one is answered. */
  let previous: Promise<unknown> = Promise.resolve();
  return {
    // One request at a time, so the server assigns seqs in the order of the input; the next chunk
    // is parsed meanwhile and waits its turn.
    inFlight: 2,
    submit(candidates) {
      const body = candidates
        .map((c) =>
          JSON.stringify(c.event.stele?.producer ? c.event : withProducer(c.event, producer, sent++)),
        )
        .join('\n');
      const send = async () => {
        const reply = await retried(retryForMs, () =>
          client.json<AdmitResult & { rejected: unknown[] }>('POST', '/v1/events', body, {
            'content-type': 'application/x-ndjson',
          }),
        );
        return { ...reply, rejected: reply.rejected.length };
      };
      // Not after a chunk that failed: the command stops at the first failure.
      const reply = previous.then(send);
      previous = reply;
      return reply;
    },
    async close() {},
  };
}

function withProducer(event: AuditEvent, id: string, seq: number): AuditEvent {
  return { ...event, stele: { ...event.stele, producer: { id, seq } } };
}

/** `send` until it succeeds, fails other than by the server being unavailable, or time runs out. */
async function retried<T>(forMs: number, send: () => Promise<T>): Promise<T> {
  const until = Date.now() + forMs;
  for (let pause = 250; ; pause = Math.min(pause * 2, 8000)) {
    try {
      return await send();
    } catch (err) {
      const wait = Math.min(pause, until - Date.now());
      if (!(err instanceof SteleError) || err.code !== 'unavailable' || wait <= 0) throw err;
      process.stderr.write(`stele: ${err.message}; sending again in ${(wait / 1000).toFixed(1)} s\n`);
      await new Promise((r) => setTimeout(r, wait));
    }
  }
}
