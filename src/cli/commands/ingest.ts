// `stele ingest`: parse records from files or stdin and store them, locally or through a server,
// with a progress bar on a terminal. Rejected records are reported on stderr with their line.

import type { Command } from 'commander';
import { openLedger } from '../../app.js';
import { systemClock } from '../../core/clock.js';
import { SteleError } from '../../core/errors.js';
import { validateEvent } from '../../core/validate.js';
import { Admitter, type AdmitResult, type Candidate } from '../../ingest/admitter.js';
import { IngestMetrics } from '../../ingest/metrics.js';
import { Progress } from '../progress.js';
import { addTargetOptions, resolveTarget, type TargetFlags } from '../target.js';
import { inputSize, readLines } from '../input.js';
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
      .description('parse and store events from NDJSON files or stdin (-)')
      .argument('[files...]', 'input files (.gz is decompressed); none or - reads stdin')
      .option('--format <fmt>', 'input format', 'json')
      .option('--json', 'print the summary as JSON'),
  ).action(async (files: string[], flags: TargetFlags & { format: string; json?: boolean }) => {
    if (flags.format !== 'json') {
      throw new SteleError(
        'validation',
        `--format ${flags.format}: only json (normalized events) is supported yet`,
      );
    }
    const target = resolveTarget(flags);
    const inputs = files.length === 0 ? ['-'] : files;
    const progress = new Progress('ingest', inputSize(inputs));
    const tally: Tally = { accepted: 0, duplicates: 0, rejected: 0 };
    const sink = target.kind === 'server' ? serverSink(target.client) : await localSink(target.config);
    try {
      let chunk: Candidate[] = [];
      let lines: number[] = [];
      const flush = async () => {
        if (chunk.length === 0) return;
        const result = await sink.submit(chunk, lines);
        tally.accepted += result.accepted.length;
        tally.duplicates += result.duplicates.length;
        chunk = [];
        lines = [];
      };
      for await (const { file, line, text, bytesRead } of readLines(inputs)) {
        const reject = (message: string) => {
          tally.rejected++;
          process.stderr.write(`${file}:${line}: ${message}\n`);
        };
        let value: unknown;
        try {
          value = JSON.parse(text);
        } catch (err) {
          reject(`malformed JSON: ${(err as Error).message}`);
          continue;
        }
        const v = validateEvent(value);
        if (!v.ok) {
          reject(`${v.field ? `${v.field}: ` : ''}${v.message}`);
          continue;
        }
        chunk.push({ index: chunk.length, event: v.event, ts: Date.parse(v.event['@timestamp']) });
        lines.push(line);
        if (chunk.length >= CHUNK) await flush();
        progress.update(bytesRead, tally.accepted + tally.duplicates + chunk.length);
      }
      await flush();
      progress.finish(inputSize(inputs) ?? 0, tally.accepted + tally.duplicates);
    } finally {
      await sink.close();
    }
    if (flags.json) process.stdout.write(JSON.stringify(tally) + '\n');
    else {
      process.stderr.write(
        `stele: ${tally.accepted} stored, ${tally.duplicates} duplicates skipped, ${tally.rejected} rejected\n`,
      );
    }
    if (tally.rejected > 0 && tally.accepted + tally.duplicates === 0) process.exitCode = 1;
  });
}

interface Sink {
  submit(candidates: Candidate[], lines: number[]): Promise<AdmitResult>;
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
    submit: (candidates) => admitter.submit(candidates, 'cli'),
    async close() {
      await admitter.close();
      await ledger.writer.close();
      await ledger.store.close();
      ledger.lock.release();
    },
  };
}

function serverSink(client: ServerClient): Sink {
  return {
    async submit(candidates) {
      const body = candidates.map((c) => JSON.stringify(c.event)).join('\n');
      const reply = await client.json<AdmitResult & { rejected: unknown[] }>('POST', '/v1/events', body, {
        'content-type': 'application/x-ndjson',
      });
      return reply;
    },
    async close() {},
  };
}
