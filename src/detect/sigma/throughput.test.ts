// Micro benchmark: events per second through the Linux + AWS + Kubernetes SigmaHQ rules, and
// through a correlation. Prints the rates; asserts only loose floors (shared CI cores vary).

import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createDetector } from './engine.js';
import { loadRuleFiles, loadRules } from './loader.js';

const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/sigma/', import.meta.url));
const lines = (path: string) =>
  readFileSync(`${FIXTURES}${path}`, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '');

function rate(process: (i: number) => unknown, count: number, ms: number): number {
  for (let i = 0; i < Math.min(count, 2000); i++) process(i); // warm-up
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < ms) {
    for (let i = 0; i < count; i++) process(i);
    n += count;
  }
  return Math.round(n / ((performance.now() - start) / 1000));
}

/** A realistic mix: normalized events with their original record, as Stele's parsers emit them. */
function mixedEvents(): object[] {
  const events: object[] = [];
  for (const file of readdirSync(`${FIXTURES}samples/k8s_audit`).sort()) {
    for (const line of lines(`samples/k8s_audit/${file}`)) {
      const r = JSON.parse(line) as {
        kind?: string;
        timestamp?: string;
        verb?: string;
        user?: { username?: string };
      };
      if (r.kind !== 'Event') continue;
      events.push({
        '@timestamp': r.timestamp,
        event: { dataset: 'k8s.audit', action: `k8s.${r.verb ?? 'unknown'}`, original: line },
        user: { name: r.user?.username },
      });
    }
  }
  for (const line of lines('samples/panther/aws_cloudtrail_rules.jsonl')) {
    const log = (JSON.parse(line) as { log: { eventTime?: string; sourceIPAddress?: string } }).log;
    events.push({
      '@timestamp': log.eventTime,
      event: { dataset: 'aws.cloudtrail', action: 'cloud.api_call', original: JSON.stringify(log) },
      source: { ip: log.sourceIPAddress },
      cloud: { provider: 'aws' },
    });
  }
  for (const file of [
    'samples/auditd/audit-rhel7.log',
    'samples/auditd/test3.log',
    'samples/otrf/sh_binary_padding_dd.log',
  ]) {
    for (const line of lines(file)) {
      events.push({
        '@timestamp': '2024-05-01T10:00:00.000Z',
        event: { dataset: 'auditd', original: line },
        process: { executable: '/usr/bin/ls', command_line: 'ls -la /tmp' },
      });
    }
  }
  const sshd = [
    'Accepted publickey for alice from 203.0.113.7 port 50122 ssh2: ED25519 SHA256:abc',
    'Failed password for invalid user admin from 198.51.100.23 port 41022 ssh2',
    'pam_unix(sshd:session): session opened for user alice by (uid=0)',
    'Received disconnect from 198.51.100.23 port 41022:11: Bye Bye [preauth]',
    'sudo:    alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/systemctl restart nginx',
  ];
  for (let i = 0; i < 200; i++) {
    const msg = sshd[i % sshd.length] as string;
    events.push({
      '@timestamp': '2024-05-01T10:00:00.000Z',
      message: msg,
      event: { dataset: 'linux.auth', original: `May  1 10:00:00 web1 sshd[${1000 + i}]: ${msg}` },
      user: { name: 'alice' },
    });
  }
  return events;
}

describe('throughput', () => {
  it('Linux + AWS + Kubernetes rules', () => {
    const { rules } = loadRuleFiles(
      ['rules/linux', 'rules/cloud/aws', 'rules/application/kubernetes'].map((d) => `${FIXTURES}rules/${d}`),
    );
    const detector = createDetector({ rules });
    const events = mixedEvents();
    const perSecond = rate((i) => detector.process(events[i] as object, i), events.length, 1500);
    console.log(
      `Sigma detection: ${perSecond.toLocaleString('en')} events/s (${rules.length} rules, ${events.length} distinct events)`,
    );
    expect(perSecond).toBeGreaterThan(10_000);
  });

  it('an event_count correlation', () => {
    const { rules, errors } = loadRules([
      {
        path: 'bench.yml',
        text: `title: many failures
correlation:
    type: event_count
    rules: [failed]
    group-by: [user.name]
    timespan: 5m
    condition:
        gte: 50
---
title: failure
name: failed
logsource:
    product: linux
    service: sshd
detection:
    s:
        event.outcome: failure
    condition: s
`,
      },
    ]);
    expect(errors).toEqual([]);
    const detector = createDetector({ rules });
    const base = Date.UTC(2024, 4, 1);
    const events = Array.from({ length: 10_000 }, (_, i) => ({
      '@timestamp': new Date(base + i * 10).toISOString(),
      event: { dataset: 'linux.auth', outcome: 'failure' },
      user: { name: `user${i % 500}` },
    }));
    let alerts = 0;
    const perSecond = rate(
      (i) => (alerts += detector.process(events[i] as object, i).length),
      events.length,
      1000,
    );
    console.log(
      `Sigma correlation: ${perSecond.toLocaleString('en')} events/s (500 groups), ${alerts} alerts`,
    );
    expect(perSecond).toBeGreaterThan(50_000);
  });
});
