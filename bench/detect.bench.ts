// Detection throughput: realistic mixed events (the parsed fixtures) through the SigmaHQ linux,
// cloud and kubernetes rules plus the built-in pack with logsource routing, and correlation
// throughput with one million distinct group keys (heap reported). Single thread = one core.

import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createDetectionPipeline } from '../src/detect/pipeline.js';
import { builtinRulesDir, loadDetectionRules } from '../src/detect/rules.js';
import { createDetector, loadRules } from '../src/detect/sigma/index.js';
import { createParser } from '../src/parsers/index.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const FIX = path.join(ROOT, 'test', 'fixtures');

function parse(format: string, text: string): object[] {
  const p = createParser(format, {
    now: Date.parse('2024-06-01T00:00:00Z'),
    timezone: 'UTC',
    keepOriginal: true,
  });
  const out: object[] = [];
  const take = (rs: ReturnType<typeof p.end>) => {
    for (const r of rs) if ('event' in r && r.event) out.push(r.event);
  };
  text.split('\n').forEach((l, i) => take(p.push(l, i + 1)));
  take(p.end());
  return out;
}

function mixedEvents(): object[] {
  const ct = readFileSync(path.join(FIX, 'panther/aws_cloudtrail_logs.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => (JSON.parse(l) as { log?: { eventName?: string } }).log)
    .filter((r) => r?.eventName)
    .map((r) => JSON.stringify(r))
    .join('\n');
  const k8s = readdirSync(path.join(FIX, 'k8s_audit/events'))
    .map((f) => readFileSync(path.join(FIX, 'k8s_audit/events', f), 'utf8'))
    .join('\n');
  return [
    ...parse('linux-auth', readFileSync(path.join(FIX, 'loghub_openssh/OpenSSH_2k.log'), 'utf8')),
    ...parse('linux-auth', readFileSync(path.join(FIX, 'loghub_linux/Linux_2k.log'), 'utf8')),
    ...parse('auditd', readFileSync(path.join(FIX, 'auditd/auparse/audit-rhel7.log'), 'utf8')),
    ...parse('cloudtrail', ct),
    ...parse(
      'cloudtrail',
      readFileSync(
        path.join(FIX, 'otrf_security_datasets/ec2_proxy_s3_exfiltration_2020-09-14011940.json'),
        'utf8',
      ),
    ),
    ...parse('k8s-audit', k8s),
  ];
}

function rate(n: number, ms: number): string {
  return Math.round((n / ms) * 1000).toLocaleString('en-US');
}

export async function runDetectBench(options: {
  quick?: boolean;
  log: (s: string) => void;
}): Promise<string> {
  const { log } = options;
  const sigmaDirs = ['rules/linux', 'rules/cloud', 'rules/application/kubernetes'].map((d) =>
    path.join(FIX, 'sigma/rules', d),
  );
  const loaded = loadDetectionRules([...sigmaDirs, builtinRulesDir()]);
  const events = mixedEvents();
  log(
    `rules: ${loaded.rules.length} loaded, ${loaded.errors.length} rejected; ${events.length} distinct events`,
  );
  const rounds = options.quick ? 20 : 100;
  const pipeline = createDetectionPipeline({ rules: loaded.rules });
  let alerts = 0;
  for (let i = 0; i < events.length; i++) alerts += pipeline.process(events[i]!, i).length; // warm-up
  // Each round is timed too: the median round shows the engine's speed where the whole run's
  // rate also carries whatever else the (virtual) machine was doing meanwhile.
  const roundMs: number[] = [];
  const t0 = performance.now();
  for (let r = 0; r < rounds; r++) {
    const start = performance.now();
    for (let i = 0; i < events.length; i++) alerts += pipeline.process(events[i]!, i).length;
    roundMs.push(performance.now() - start);
  }
  const ruleMs = performance.now() - t0;
  const ruleEvents = rounds * events.length;
  roundMs.sort((a, b) => a - b);
  const medianRound = roundMs[Math.floor(rounds / 2)]!;
  log(
    `rules: ${rate(ruleEvents, ruleMs)} events/s, median round ${rate(events.length, medianRound)} events/s`,
  );

  // Correlation: event_count by source.ip, one million distinct keys, bounded by maxGroups.
  const corr = loadRules([
    {
      path: 'bench.yml',
      text: `title: fail\nname: f\nlogsource:\n    product: linux\n    service: sshd\ndetection:\n    s:\n        event.outcome: failure\n    condition: s\n---\ntitle: many\ncorrelation:\n    type: event_count\n    rules: [f]\n    group-by: [source.ip]\n    timespan: 10m\n    condition:\n        gte: 5\n`,
    },
  ]);
  const n = options.quick ? 1_000_000 : 2_000_000;
  const keys = 1_000_000;
  const detector = createDetector({ rules: corr.rules, limits: { maxGroups: keys } });
  const base = Date.parse('2024-01-01T00:00:00Z');
  const ev = {
    '@timestamp': 0 as number | string,
    event: { dataset: 'linux.auth', outcome: 'failure' },
    source: { ip: '' },
  };
  (globalThis as { gc?: () => void }).gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  let fired = 0;
  const t1 = performance.now();
  for (let i = 0; i < n; i++) {
    ev['@timestamp'] = base + i;
    ev.source.ip = `10.${(i % keys) >> 16}.${((i % keys) >> 8) & 255}.${(i % keys) & 255}`;
    fired += detector.process(ev, i).length;
  }
  const corrMs = performance.now() - t1;
  const heapAfter = process.memoryUsage().heapUsed;
  // What the groups hold, garbage aside (needs --expose-gc; the delta above includes garbage).
  (globalThis as { gc?: () => void }).gc?.();
  const retained = process.memoryUsage().heapUsed - heapBefore;
  const stats = detector.stats();
  log(
    `correlation: ${rate(n, corrMs)} events/s, heap +${Math.round((heapAfter - heapBefore) / 1048576)} MiB, retained +${Math.round(retained / 1048576)} MiB`,
  );
  return [
    `| measurement | value |`,
    `|---|---|`,
    `| rules loaded (SigmaHQ linux + cloud + kubernetes, built-in pack) | ${loaded.rules.length} (${loaded.errors.length} rejected with a reason) |`,
    `| mixed parsed events (OpenSSH, Linux syslog, auditd, CloudTrail, Kubernetes audit) | ${events.length} x ${rounds} rounds |`,
    `| detection with routing + derived fields, events/s (one core): median round / whole run | ${rate(events.length, medianRound)} / ${rate(ruleEvents, ruleMs)} |`,
    `| alerts per pass | ${Math.round(alerts / (rounds + 1))} |`,
    `| correlation (event_count by source.ip), events/s | ${rate(n, corrMs)} |`,
    `| distinct group keys / evicted | ${keys.toLocaleString('en-US')} / ${stats.evictedGroups} |`,
    `| heap used after correlation run (delta) | ${Math.round(heapAfter / 1048576)} MiB (+${Math.round((heapAfter - heapBefore) / 1048576)} MiB) |`,
    `| heap retained by the correlation state after GC | +${Math.round(retained / 1048576)} MiB |`,
    `| correlation alerts | ${fired} |`,
  ].join('\n');
}
