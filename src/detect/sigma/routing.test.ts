import { describe, expect, it } from 'vitest';
import { createDetector } from './engine.js';
import { loadRules } from './loader.js';
import { parseAuditd, parseKeyValues } from './native.js';
import { routeLogsource } from './routing.js';

const rule = (title: string, logsource: string, selection: string) => `title: ${title}
logsource:
${logsource}
detection:
    s:
${selection}
    condition: s
`;

const RULES = [
  rule('auditd exec', '    product: linux\n    service: auditd', '        type: EXECVE\n        a0: dd'),
  rule('trail stop', '    product: aws\n    service: cloudtrail', '        eventName: StopLogging'),
  rule(
    'k8s exec',
    '    product: kubernetes\n    service: audit',
    '        verb: create\n        objectRef.subresource: exec',
  ),
  rule('win', '    product: windows\n    service: security', '        EventID: 4625'),
  rule(
    'proc',
    '    product: linux\n    category: process_creation',
    "        Image|endswith: '/arp'\n        CommandLine|contains: '-a'",
  ),
  rule('sudo', '    product: linux\n    service: sudo', "        USER: '#-1'"),
  rule(
    'k8s hostpath',
    '    product: kubernetes\n    service: audit\n    category: application',
    "        hostPath: '*'",
  ),
].join('---\n');

function detector() {
  const loaded = loadRules([{ path: 'r.yml', text: RULES }]);
  expect(loaded.errors).toEqual([]);
  const det = createDetector({ rules: loaded.rules });
  return (event: object) => det.process(event, 0).map((a) => a.rule.title);
}

describe('routing by logsource', () => {
  it('maps logsources to datasets', () => {
    expect(routeLogsource({ product: 'linux', service: 'auditd' })).toEqual(['auditd']);
    expect(routeLogsource({ product: 'linux', service: 'sshd' })).toEqual(['linux.auth']);
    expect(routeLogsource({ product: 'aws', service: 'cloudtrail' })).toEqual(['aws.cloudtrail']);
    expect(routeLogsource({ product: 'kubernetes', service: 'audit', category: 'application' })).toEqual([
      'k8s.audit',
    ]);
    expect(routeLogsource({ product: 'kubernetes', category: 'application' })).toEqual(['k8s.audit']);
    expect(routeLogsource({ product: 'linux' })).toEqual(['linux.auth', 'syslog']);
    expect(routeLogsource({ product: 'windows', service: 'security' })).toEqual([]);
  });

  it('checks an event with a known dataset only against rules routed there', () => {
    const d = detector();
    const both = { eventName: 'StopLogging', EventID: 4625 };
    expect(d({ ...both, event: { dataset: 'aws.cloudtrail' } })).toEqual(['trail stop']);
    expect(d({ ...both, event: { dataset: 'okta.system' } })).toEqual(['win']); // unknown dataset: unrouted rules
    expect(d(both)).toEqual(['trail stop', 'win']); // no dataset: every rule
  });
});

describe("a source's own fields from event.original", () => {
  it('Kubernetes and CloudTrail records are read as JSON, once', () => {
    const d = detector();
    const k8s = { verb: 'create', objectRef: { resource: 'pods', subresource: 'exec' } };
    expect(d({ event: { dataset: 'k8s.audit', original: JSON.stringify(k8s) } })).toEqual(['k8s exec']);
    expect(d({ event: { dataset: 'aws.cloudtrail', original: '{"eventName":"StopLogging"}' } })).toEqual([
      'trail stop',
    ]);
    expect(d({ event: { dataset: 'aws.cloudtrail', original: 'not json' } })).toEqual([]);
    // The ECS event wins over the original record.
    expect(
      d({
        eventName: 'GetTrail',
        event: { dataset: 'aws.cloudtrail', original: '{"eventName":"StopLogging"}' },
      }),
    ).toEqual([]);
  });

  it('flattened Kubernetes names find the nested fields', () => {
    const pod = {
      verb: 'create',
      objectRef: { resource: 'pods' },
      requestObject: { spec: { volumes: [{ name: 'a' }, { name: 'root', hostPath: { path: '/' } }] } },
    };
    expect(detector()({ event: { dataset: 'k8s.audit', original: JSON.stringify(pod) } })).toEqual([
      'k8s hostpath',
    ]);
  });

  it('auditd records are read as key=value pairs, hex-encoded values decoded', () => {
    const line =
      'type=EXECVE msg=audit(1604996384.965:93777): argc=3 a0="dd" a1=69663D2F6465762F7A65726F a2="bs=1"';
    expect(parseAuditd(line)).toMatchObject({
      type: 'EXECVE',
      argc: '3',
      a0: 'dd',
      a1: 'if=/dev/zero',
      a2: 'bs=1',
    });
    expect(detector()({ event: { dataset: 'auditd', original: line } })).toEqual(['auditd exec']);
  });

  it("auditd: msg='…' user-space fields, ENRICHED names, and multi-record events", () => {
    const user =
      'type=USER_CMD msg=audit(1.2:3): pid=1 uid=0 msg=\'cwd="/root" cmd=6C73202D6C61 exe="/usr/bin/sudo" res=success\'';
    expect(parseAuditd(user)).toMatchObject({
      type: 'USER_CMD',
      cwd: '/root',
      cmd: 'ls -la',
      exe: '/usr/bin/sudo',
    });
    const enriched =
      'type=SYSCALL msg=audit(1.2:3): arch=c000003e syscall=41 a0=26\x1dARCH=x86_64 SYSCALL=socket AUID="root"';
    expect(parseAuditd(enriched)).toMatchObject({ syscall: '41', SYSCALL: 'socket', AUID: 'root', a0: '26' });
    const event = [
      'type=SYSCALL msg=audit(1.2:3): syscall=59 a0=558e251634a0 comm="arp" exe="/usr/sbin/arp"',
      'type=EXECVE msg=audit(1.2:3): argc=2 a0="arp" a1="-a"',
      'type=PROCTITLE msg=audit(1.2:3): proctitle=617270002D61',
    ].join('\n');
    expect(parseAuditd(event)).toMatchObject({
      type: ['SYSCALL', 'EXECVE', 'PROCTITLE'],
      a0: ['558e251634a0', 'arp'],
      proctitle: 'arp -a',
    });
    // process_creation rules read Image/CommandLine from ECS fields, else from the auditd record.
    expect(detector()({ event: { dataset: 'auditd', original: event } })).toEqual(['proc']);
    expect(
      detector()({
        event: { dataset: 'auditd' },
        process: { executable: '/usr/sbin/arp', command_line: 'arp -a' },
      }),
    ).toEqual(['proc']);
  });

  it('sudo and PAM lines give their KEY=value pairs', () => {
    const sudo =
      'Jan 1 00:00:00 h sudo:  bob : TTY=pts/0 ; PWD=/home/bob ; USER=#-1 ; COMMAND=/usr/bin/id -u';
    expect(parseKeyValues(sudo)).toMatchObject({ TTY: 'pts/0', USER: '#-1', COMMAND: '/usr/bin/id -u' });
    expect(
      parseKeyValues('pam_unix(sshd:auth): authentication failure; logname= uid=0 rhost=1.2.3.4 user=root'),
    ).toMatchObject({
      uid: '0',
      rhost: '1.2.3.4',
      user: 'root',
    });
    expect(detector()({ event: { dataset: 'linux.auth', original: sudo } })).toEqual(['sudo']);
  });

  it('is safe against prototype keys in raw records', () => {
    const r = parseAuditd('type=X __proto__=1 constructor=2');
    expect(r.__proto__).toBe('1');
    expect(({} as Record<string, unknown>).constructor).toBe(Object);
  });
});
