// The worker side of hasher.ts: computes leaf hashes for batches of rows.

import { parentPort, workerData } from 'node:worker_threads';
import { leafHashOf, type HashJob } from './hasher.js';

const { personalFields } = workerData as { personalFields: string[] };

parentPort!.on('message', ({ id, jobs }: { id: number; jobs: HashJob[] }) => {
  try {
    const out = new Uint8Array(jobs.length * 32);
    jobs.forEach((job, i) => {
      // Structured clone delivers Buffers as Uint8Arrays.
      out.set(leafHashOf({ ...job, seed: Buffer.from(job.seed) }, personalFields), i * 32);
    });
    parentPort!.postMessage({ id, hashes: out }, [out.buffer]);
  } catch (err) {
    parentPort!.postMessage({ id, error: (err as Error).message });
  }
});
