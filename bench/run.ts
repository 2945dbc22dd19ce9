// `npm run bench [-- NAME... --quick]`: runs the benchmarks and rewrites their sections of
// docs/benchmarks.md (each between <!-- bench:NAME --> markers), with the machine they ran on.

import { execSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runBudgetBench } from './budget.bench.js';
import { runConsoleBench } from './console.bench.js';
import { runDetectBench } from './detect.bench.js';
import { runEntryBench } from './entry.bench.js';
import { runIngestBench, type IngestResults } from './ingest.bench.js';
import { runLedgerBench } from './ledger.bench.js';
import { runPostgresBench } from './postgres.bench.js';
import { runSearchBench } from './search.bench.js';
import { runSyslogBench } from './syslog.bench.js';
import { fmt } from './stats.js';

const DOC = path.resolve(import.meta.dirname, '..', '..', 'docs', 'benchmarks.md');

interface Bench {
  name: string;
  title: string;
  run(quick: boolean, log: (s: string) => void): Promise<string>;
  /** Run only when named: it needs data prepared beforehand. */
  onRequest?: boolean;
}

const BENCHES: Bench[] = [
  {
    name: 'ingest',
    title: 'Ingest',
    run: async (quick, log) => renderIngest(await runIngestBench({ quick, log })),
  },
  { name: 'ledger', title: 'Ledger', run: (quick, log) => runLedgerBench({ quick, log }) },
  { name: 'entry', title: 'Ledger entries', run: (quick, log) => runEntryBench({ quick, log }) },
  { name: 'budget', title: 'CPU budget of an event', run: (quick, log) => runBudgetBench({ quick, log }) },
  { name: 'syslog', title: 'Sources and parsers', run: (quick, log) => runSyslogBench({ quick, log }) },
  { name: 'detect', title: 'Detection', run: (quick, log) => runDetectBench({ quick, log }) },
  {
    name: 'search',
    title: 'Search at 10 million events',
    run: (quick, log) => runSearchBench({ quick, log }),
  },
  {
    name: 'search-postgres',
    title: 'Search at 10 million events on PostgreSQL',
    onRequest: true,
    run: (quick, log) => {
      const url = process.env.BENCH_SEARCH_DB;
      if (!url)
        throw new Error(
          'search-postgres: set BENCH_SEARCH_DB to a postgres:// URL (?schema=) loaded with `stele migrate --from` a search bench data dir (docs/benchmarks.md)',
        );
      return runSearchBench({ quick, log, postgres: url });
    },
  },
  {
    name: 'postgres',
    title: 'PostgreSQL and several nodes',
    run: (quick, log) => runPostgresBench({ quick, log }),
  },
  { name: 'console', title: 'Web console', run: (quick, log) => runConsoleBench({ quick, log }) },
];

export function machine(): string {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  let disk = '';
  try {
    disk = execSync(`df -h ${JSON.stringify(os.tmpdir())} | tail -1 | awk '{print $1}'`)
      .toString()
      .trim();
  } catch {
    disk = 'unknown';
  }
  return `${os.cpus().length} × ${cpu}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM, ${os.type()} ${os.release()}, Node ${process.version}, temp files on ${disk}`;
}

function renderIngest(r: IngestResults): string {
  const ratio = (a: number, b: number) => `${((a / b) * 100).toFixed(0)} %`;
  const lines = [
    `Events of ${r.eventBytes} bytes of JSON (bench/events.ts). Durable commit: SQLite WAL with`,
    "`synchronous=FULL`, so every acknowledged batch was fsync'd. The server is a separate",
    '`stele serve` process; the load generator (this process) shares the same 2 cores.',
    '',
    '| measurement | result |',
    '|---|---|',
    ...r.http.map(
      (h) =>
        `| HTTP ingest, ${h.clients} clients, batches of ${h.batch} | **${fmt(h.rate)} events/s** (${fmt(h.events)} events in ${h.seconds.toFixed(1)} s; request p50 ${h.p50.toFixed(1)} ms, p99 ${h.p99.toFixed(1)} ms) |`,
    ),
    ...r.steady.map(
      (s, i) =>
        `| Ack latency at a steady ${fmt(s.targetRate)} events/s${i > 0 ? ' (half the batch-100 rate above)' : ''} (open loop, batches of 10) | p50 **${s.p50.toFixed(1)} ms**, p99 **${s.p99.toFixed(1)} ms**, max ${s.max.toFixed(1)} ms (achieved ${fmt(s.achieved)} events/s) |`,
    ),
    `| In-process append (validate, ledger entry, leaf hash, tree, indexed insert; 1,000 per call) | **${fmt(r.inProcess.rate)} events/s** = ${ratio(r.inProcess.rate, r.rawSqlite.rate)} of the raw SQLite baseline |`,
    `| Ledger on against entries off: HTTP ingest, 8 clients, batches of 100, each into a fresh server, run on, off, on (off: bench/serve-variant.ts, whose leaf hasher builds no entry; seeds, tree and checkpoints kept) | on ${r.ledger.on.map((v) => fmt(v)).join(' and ')}, off ${fmt(r.ledger.off)} events/s: on = **${ratio((r.ledger.on[0]! + r.ledger.on[1]!) / 2, r.ledger.off)}** of off (target ≥ 80 %) |`,
    `| Baseline: HTTP ceiling, 8 clients, batches of 100, against a server that only parses each batch and replies (no validation, ledger or storage) | ${fmt(r.ceiling.rate)} events/s (HTTP ingest above = ${ratio(r.http[0]!.rate, r.ceiling.rate)} of it) |`,
    `| Baseline: raw better-sqlite3 insert, same rows, no secondary index, 1,000 per transaction | ${fmt(r.rawSqlite.rate)} rows/s |`,
    `| Baseline: NDJSON append to a plain file, fdatasync every 1,000 lines | ${fmt(r.plainFile.rate)} lines/s |`,
    `| Bytes on disk per event (after WAL checkpoint and VACUUM, indexes and ledger included) | **${fmt(r.disk.perEvent)} bytes** (${fmt(r.disk.bytes)} bytes for ${fmt(r.disk.events)} events of ${r.eventBytes} bytes) |`,
  ];
  return lines.join('\n');
}

function updateDoc(sections: Map<string, { title: string; body: string }>, when: string): void {
  let doc = fs.existsSync(DOC)
    ? fs.readFileSync(DOC, 'utf8')
    : '# Benchmarks\n\nMeasured with `npm run bench` on the machine named in each section; every ratio is against a baseline measured in the same run.\n';
  for (const [name, { title, body }] of sections) {
    const block = `<!-- bench:${name} -->\n## ${title}\n\nRun ${when} on ${machine()}.\n\n${body}\n<!-- /bench:${name} -->`;
    const re = new RegExp(`<!-- bench:${name} -->[\\s\\S]*?<!-- /bench:${name} -->`);
    doc = re.test(doc) ? doc.replace(re, block) : `${doc.trimEnd()}\n\n${block}\n`;
  }
  fs.mkdirSync(path.dirname(DOC), { recursive: true });
  fs.writeFileSync(DOC, doc);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(
      [
        'Usage: npm run bench [-- NAME... --quick]',
        '',
        'Runs the benchmarks and rewrites their sections of docs/benchmarks.md; --quick runs smaller',
        'sizes and leaves the document alone. Without NAME, all but those run only on request.',
        '',
        ...BENCHES.map((b) => `  ${b.name.padEnd(16)}${b.title}${b.onRequest ? ' (on request)' : ''}`),
        '',
      ].join('\n'),
    );
    return;
  }
  const quick = args.includes('--quick');
  const names = args.filter((a) => !a.startsWith('--'));
  const chosen =
    names.length === 0 ? BENCHES.filter((b) => !b.onRequest) : BENCHES.filter((b) => names.includes(b.name));
  if (chosen.length === 0)
    throw new Error(`unknown benchmark; choose from ${BENCHES.map((b) => b.name).join(', ')}`);
  const when = new Date().toISOString().slice(0, 10);
  for (const bench of chosen) {
    process.stderr.write(`== ${bench.name}\n`);
    const body = await bench.run(quick, (s) => process.stderr.write(`   ${s}\n`));
    process.stdout.write(`\n## ${bench.title}\n\n${body}\n`);
    // Written after each benchmark, so a run stopped part-way keeps the sections it finished.
    if (!quick) updateDoc(new Map([[bench.name, { title: bench.title, body }]]), when);
  }
  if (quick) process.stderr.write('(--quick: docs/benchmarks.md not updated)\n');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
