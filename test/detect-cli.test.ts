// `stele detect` through the built CLI: the alert lines of DESIGN.md, correlations with their group,
// events from a file or standard input, bad lines and bad rules named on standard error, and
// placeholder values for `|expand`.

import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runStele } from './helpers/child.js';
import { tempDir } from './helpers/server.js';

/** Standard input is always given (and closed): without --events the command reads it. */
const stele = (args: string[], input = '') => runStele(args, input);

const FAILED_LOGIN = `title: Failed SSH login
id: 11111111-1111-4111-8111-111111111111
level: medium
logsource: { product: linux, service: sshd }
detection:
  sel:
    event.action: ssh.login
    event.outcome: failure
  condition: sel
`;

const BRUTE_FORCE = `title: Brute force
id: 22222222-2222-4222-8222-222222222222
level: high
correlation:
  type: event_count
  rules: [11111111-1111-4111-8111-111111111111]
  group-by: [source.ip]
  timespan: 5m
  condition: { gte: 3 }
  generate: true
`;

const ADMIN_HOSTS = `title: Login from an admin workstation
id: 33333333-3333-4333-8333-333333333333
level: low
logsource: { product: linux, service: sshd }
detection:
  sel:
    source.ip|expand: '%admin_ips%'
  condition: sel
`;

function setUp(rules: Record<string, string>): { dir: string; rules: string } {
  const dir = tempDir();
  const folder = path.join(dir, 'rules');
  fs.mkdirSync(folder);
  for (const [name, text] of Object.entries(rules)) fs.writeFileSync(path.join(folder, name), text);
  return { dir, rules: folder };
}

/** Failed logins, one a second, from the given addresses in turn. */
function failures(ips: string[]): string {
  return ips
    .map((ip, i) =>
      JSON.stringify({
        '@timestamp': new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
        event: { action: 'ssh.login', outcome: 'failure', dataset: 'linux.auth' },
        source: { ip },
        user: { name: 'root' },
      }),
    )
    .join('\n');
}

const alerts = (stdout: string) =>
  stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as unknown);

describe('stele detect', () => {
  it('prints one alert per line: detections with their event index, a correlation with its group', async () => {
    const { dir, rules } = setUp({ 'failed.yml': FAILED_LOGIN, 'brute.yml': BRUTE_FORCE });
    const events = path.join(dir, 'events.ndjson');
    fs.writeFileSync(events, failures(['10.0.0.9', '10.0.0.7', '10.0.0.9', '10.0.0.9']) + '\n');
    const { stdout, stderr, code } = await stele(['detect', '--rules', rules, '--events', events]);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    const failed = { id: '11111111-1111-4111-8111-111111111111', title: 'Failed SSH login', level: 'medium' };
    expect(alerts(stdout)).toEqual([
      { rule: failed, event_index: 0 },
      { rule: failed, event_index: 1 },
      { rule: failed, event_index: 2 },
      { rule: failed, event_index: 3 },
      {
        rule: { id: '22222222-2222-4222-8222-222222222222', title: 'Brute force', level: 'high' },
        event_index: 3,
        group: { 'source.ip': '10.0.0.9' },
      },
    ]);
  });

  it('reads standard input and names a line that is not an event, which keeps its place in the event indexes', async () => {
    const { rules } = setUp({ 'failed.yml': FAILED_LOGIN });
    const input = `${failures(['10.0.0.1'])}\nnot json\n[1]\n${failures(['10.0.0.2'])}\n`;
    const { stdout, stderr, code } = await stele(['detect', '--rules', rules], input);
    expect(code).toBe(0);
    expect(alerts(stdout).map((a) => (a as { event_index: number }).event_index)).toEqual([0, 3]);
    expect(stderr).toMatch(/^<stdin>:2: not JSON/m);
    expect(stderr).toMatch(/^<stdin>:3: not a JSON object$/m);
  });

  it('fills |expand placeholders from --placeholders, and reports the rule as not loaded without them', async () => {
    const { dir, rules } = setUp({ 'admins.yml': ADMIN_HOSTS, 'failed.yml': FAILED_LOGIN });
    const events = failures(['10.0.0.1', '10.0.0.9', '10.0.0.10']);
    const without = await stele(['detect', '--rules', rules], events);
    expect(without.code).toBe(0);
    expect(without.stderr).toMatch(/Login from an admin workstation.*unresolved placeholder %admin_ips%/);
    expect(alerts(without.stdout)).toHaveLength(3); // the failed logins only

    const values = path.join(dir, 'placeholders.yml');
    fs.writeFileSync(values, 'admin_ips: [10.0.0.9, 10.0.0.10]\n');
    const withValues = await stele(['detect', '--rules', rules, '--placeholders', values], events);
    expect(withValues.stderr).toBe('');
    const admin = alerts(withValues.stdout).filter(
      (a) => (a as { rule: { id: string } }).rule.id === '33333333-3333-4333-8333-333333333333',
    );
    expect(admin.map((a) => (a as { event_index: number }).event_index)).toEqual([1, 2]);

    fs.writeFileSync(values, 'admin_ips: []\n');
    const empty = await stele(['detect', '--rules', rules, '--placeholders', values], events);
    expect(empty.code).toBe(2);
    expect(empty.stderr.trim()).toMatch(
      /^stele: --placeholders: admin_ips in .* must be a string or a non-empty list/,
    );
  });

  it('applies a filter file found among the rules, and names one it cannot apply', async () => {
    const notScanner = `title: Not the scanner
logsource: { product: linux }
filter:
  rules: [11111111-1111-4111-8111-111111111111, 99999999-9999-4999-8999-999999999999]
  scanner:
    source.ip: 10.0.0.7
  condition: not scanner
`;
    const { rules } = setUp({
      'brute.yml': BRUTE_FORCE,
      'failed.yml': FAILED_LOGIN,
      'mf_scanner.yml': notScanner,
    });
    const events = failures(['10.0.0.7', '10.0.0.7', '10.0.0.7', '10.0.0.9']);
    const { stdout, stderr, code } = await stele(['detect', '--rules', rules], events);
    expect(code).toBe(0);
    expect(stderr.trim()).toMatch(
      /^stele: rule 'Not the scanner' \(.*mf_scanner.yml\): filter not applied to '99999999-9999-4999-8999-999999999999': no such rule$/,
    );
    expect(alerts(stdout)).toEqual([
      { rule: expect.objectContaining({ title: 'Failed SSH login' }), event_index: 3 },
    ]);
  });

  it('says so when only filters load: a filter never alerts on its own', async () => {
    const { rules } = setUp({
      'mf_only.yml': `title: f\nlogsource: { product: linux }\nfilter:\n  rules: any\n  s: { a: 1 }\n  condition: not s\n`,
    });
    const { stderr, code } = await stele(['detect', '--rules', rules], '');
    expect(code).not.toBe(0);
    expect(stderr.trim()).toBe('stele: no rule loaded (only filters, which never alert on their own)');
  });

  it('exits non-zero with a one-line reason when no rule loads', async () => {
    const dir = tempDir();
    const { stderr, code } = await stele(['detect', '--rules', path.join(dir, 'missing')], '');
    expect(code).not.toBe(0);
    expect(stderr).toMatch(/no such file or directory/);
    expect(stderr.trim().split('\n').at(-1)).toMatch(/^stele: no rule loaded$/);
  });
});
