// `node dist/bench/serve-variant.js --no-entries --data DIR --listen HOST:PORT`: `stele serve` with
// the ledger's leaf hasher replaced by one that builds no entry and returns zero hashes, so the
// ingest benchmark can measure what building the entries costs (issue: HTTP ingest with the ledger
// on at least 80 % of the same run with it off). Seeds, the Merkle tree and signed checkpoints are
// kept. The data it writes does not verify: it is for a benchmark's throwaway data directory only.

import { parseArgs } from 'node:util';
import { serveUntilStopped } from '../src/cli/commands/serve.js';
import { loadConfig } from '../src/config/config.js';
import type { LeafHasher } from '../src/ledger/hasher.js';

const ZERO_LEAF = Buffer.alloc(32);

/** The hasher of a ledger without entries: a zero leaf for every event. */
const noEntries: LeafHasher = {
  hash: (jobs) => Promise.resolve(jobs.map(() => ZERO_LEAF)),
  close: () => Promise.resolve(),
};

const { values } = parseArgs({
  options: {
    'no-entries': { type: 'boolean', default: false },
    data: { type: 'string' },
    listen: { type: 'string' },
  },
});
if (!values['no-entries'] || !values.data || !values.listen) {
  process.stderr.write('usage: serve-variant.js --no-entries --data DIR --listen HOST:PORT\n');
  process.exit(2);
}
await serveUntilStopped(loadConfig({ overrides: { data: values.data, listen: values.listen } }), {
  leafHasher: () => noEntries,
});
