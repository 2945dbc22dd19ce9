// The worker side of hasher.ts: computes leaf hashes for batches of rows.

import { parentPort, workerData } from 'node:worker_threads';
import { leafHashOf, unpackJobs, type PackedJobs } from './hasher.js';

const { personalFields } = workerData as { personalFields: string[] };

parentPort!.on('message', ({ id, jobs: packed }: { id: number; jobs: PackedJobs }) => {
  try {
    const jobs = unpackJobs(packed);
    const out = new Uint8Array(jobs.length * 32);
    jobs.forEach((job, i) => out.set(leafHashOf(job, personalFields), i * 32));
    parentPort!.postMessage({ id, hashes: out }, [out.buffer]);
  } catch (err) {
    parentPort!.postMessage({ id, error: (err as Error).message });
  }
});
