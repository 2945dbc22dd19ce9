import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../core/event.js';
import { validateEvent } from '../core/validate.js';
import { CLOUDTRAIL_ACTIONS, createCloudTrailParser } from './cloudtrail.js';
import { createParser } from './index.js';
import type { ParseResult, ParserOptions } from './parser.js';

const FIXTURES = new URL('../../test/fixtures/', import.meta.url);
const OPTIONS: ParserOptions = { now: Date.UTC(2025, 0, 1) };
const fixture = (path: string) => readFileSync(new URL(path, FIXTURES), 'utf8');

function parseText(text: string, options: ParserOptions = OPTIONS) {
  const parser = createCloudTrailParser(options);
  const results: ParseResult[] = [];
  text.split('\n').forEach((l, i) => results.push(...parser.push(l, i + 1)));
  results.push(...parser.end());
  return {
    results,
    events: results.flatMap((r) => ('event' in r ? [r.event] : [])),
    errors: results.flatMap((r) => ('error' in r ? [r] : [])),
  };
}

function expectWellFormed(events: AuditEvent[]): void {
  const actions = new Set(CLOUDTRAIL_ACTIONS.map((a) => a.action));
  for (const e of events) {
    const checked = validateEvent(e);
    expect(checked.ok, JSON.stringify(checked)).toBe(true);
    expect(e.event?.dataset).toBe('aws.cloudtrail');
    expect(actions.has(e.event?.action ?? '')).toBe(true);
    expect(e.cloud?.provider).toBe('aws');
  }
}

type Raw = Record<string, unknown> & { userIdentity?: Record<string, unknown> };
interface PantherCase {
  rule: string;
  test_name: string;
  log: Raw;
}

describe('cloudtrail: Panther rule test logs', () => {
  const cases = fixture('panther/aws_cloudtrail_logs.jsonl')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as PantherCase);
  const { results, events, errors } = parseText(cases.map((c) => JSON.stringify(c.log)).join('\n'));
  const eventAt = (index: number) => {
    const r = results.find((x) => x.line === index + 1);
    return r && 'event' in r ? r.event : undefined;
  };

  it('parses every complete record and rejects the incomplete ones with a reason', () => {
    expect(cases).toHaveLength(240);
    expect(results).toHaveLength(240);
    // Hand-written samples: some lack eventTime, some have it as "redacted" or "...", some were
    // lower-cased by an exporter (eventsource, eventtime): none of them is a CloudTrail record.
    const complete = cases.filter(
      (c) => c.log.eventSource && c.log.eventName && /^\d{4}-/.test(String(c.log.eventTime)),
    );
    expect(events).toHaveLength(complete.length);
    expect(events).toHaveLength(228);
    const reasons: Record<string, number> = {};
    for (const e of errors) reasons[e.error] = (reasons[e.error] ?? 0) + 1;
    expect(reasons).toEqual({
      'CloudTrail record without eventTime': 6,
      'not a CloudTrail record: missing eventSource': 4,
      'invalid eventTime': 2,
    });
    expectWellFormed(events);
  });

  it('marks every record with errorCode as a failure with the code as reason', () => {
    let n = 0;
    cases.forEach((c, i) => {
      const e = eventAt(i);
      if (!e) return;
      if (typeof c.log.errorCode === 'string' && c.log.errorCode !== '') {
        n++;
        expect(e.event?.outcome).toBe('failure');
        expect(e.event?.reason?.startsWith(c.log.errorCode)).toBe(true);
        expect(e.labels?.error_code).toBe(c.log.errorCode);
      } else if (c.log.eventName !== 'ConsoleLogin') expect(e.event?.outcome).toBe('success');
    });
    expect(n).toBeGreaterThan(20);
  });

  it('keeps a service name in sourceIPAddress as source.address only', () => {
    cases.forEach((c, i) => {
      const e = eventAt(i);
      const ip = c.log.sourceIPAddress;
      if (!e || typeof ip !== 'string') return;
      expect(e.source?.address).toBe(ip);
      if (isIP(ip)) expect(e.source?.ip).toBe(ip);
      else expect(e.source?.ip).toBeUndefined();
    });
  });

  it('maps console sign-ins: success/failure, MFA, root', () => {
    const logins = cases.flatMap((c, i) =>
      c.log.eventName === 'ConsoleLogin' && eventAt(i) ? [[c, eventAt(i)!] as const] : [],
    );
    expect(logins.length).toBeGreaterThanOrEqual(7);
    for (const [c, e] of logins) {
      const result = (c.log.responseElements as Record<string, string> | undefined)?.ConsoleLogin;
      expect(e.event?.outcome).toBe(result === 'Failure' ? 'failure' : 'success');
      expect(e.event?.action).toBe(
        c.log.userIdentity?.type === 'Root' ? 'cloud.root_login' : 'cloud.console_login',
      );
      expect(e.event?.category).toEqual(['authentication']);
      const mfa = (c.log.additionalEventData as Record<string, string> | undefined)?.MFAUsed;
      expect(e.labels?.mfa_used).toBe(mfa);
    }
    const root = logins.find(([c]) => c.log.userIdentity?.type === 'Root')![1];
    expect(root.user).toMatchObject({
      name: 'root',
      id: 'arn:aws:iam::123456789012:root',
      domain: '123456789012',
    });
    const role = logins.find(([c]) => c.log.userIdentity?.type === 'AssumedRole')![1];
    expect(role.user).toMatchObject({
      name: '1641313043312360000',
      effective: { name: 'SomeRole', id: 'arn:aws:iam::123456789012:role/SomeRole' },
      roles: ['SomeRole'],
    });
    expect(role.cloud?.account?.id).toBe('123456789013');
  });

  it('covers every userIdentity type present and names an actor for each', () => {
    const types = new Set(events.map((e) => e.labels?.identity_type));
    for (const t of ['IAMUser', 'AssumedRole', 'Root', 'FederatedUser', 'AWSService', 'AWSAccount']) {
      expect(types.has(t), t).toBe(true);
    }
    for (const e of events) {
      if (e.labels?.identity_type && e.labels.identity_type !== 'AWSAccount') {
        expect(e.user?.name ?? e.user?.id, JSON.stringify(e.labels)).toBeTruthy();
      }
    }
  });
});

describe('cloudtrail: OTRF EC2 -> S3 exfiltration capture', () => {
  const text = fixture('otrf_security_datasets/ec2_proxy_s3_exfiltration_2020-09-14011940.json');
  const { events, errors } = parseText(text);

  it('parses all 103 Logstash-shipped records (time from @timestamp)', () => {
    expect(errors).toEqual([]);
    expect(events).toHaveLength(103);
    expectWellFormed(events);
    expect(events.filter((e) => e.event?.action === 'cloud.assume_role')).toHaveLength(5);
  });

  it('maps the instance-profile AssumeRole by the EC2 service', () => {
    const e = events.find((x) => x.event?.action === 'cloud.assume_role')!;
    expect(e.user?.name).toBe('ec2.amazonaws.com');
    expect(e.source).toEqual({ address: 'ec2.amazonaws.com' });
    expect(e.labels?.role_arn).toBe(
      'arn:aws:iam::123456789123:role/MordorLogCollectorStack-LogCollectorRole-1JJTG88NNY4KN',
    );
    expect(e.service).toEqual({ type: 'aws', name: 'sts' });
  });

  it('maps the stolen-credential S3 calls to the role session', () => {
    const list = events.find((x) => x.labels?.event_name === 'ListBuckets')!;
    expect(list.event).toMatchObject({ action: 'cloud.api_call', outcome: 'success', type: ['access'] });
    expect(list.user).toMatchObject({
      name: 'i-0317f6c6b66ae9c40',
      id: 'arn:aws:sts::123456789123:assumed-role/MordorNginxStack-BankingWAFRole-9S3E0UAE1MM0/i-0317f6c6b66ae9c40',
      effective: { name: 'MordorNginxStack-BankingWAFRole-9S3E0UAE1MM0' },
    });
    expect(list.source).toEqual({ ip: '1.2.3.4', address: '1.2.3.4' });
    expect(list.session?.id).toMatch(/^ASIA/);
    expect(list.service?.name).toBe('s3');
    expect(list.cloud).toEqual({ provider: 'aws', account: { id: '123456789123' }, region: 'us-east-1' });
    expect(list.related).toEqual({
      user: ['i-0317f6c6b66ae9c40', 'MordorNginxStack-BankingWAFRole-9S3E0UAE1MM0'],
      ip: ['1.2.3.4'],
    });
  });

  it('reads the same records from a pretty-printed {"Records": [...]} file', () => {
    const records = text
      .split('\n')
      .filter(Boolean)
      .slice(0, 5)
      .map((l) => JSON.parse(l) as unknown);
    const doc = parseText(JSON.stringify({ Records: records }, null, 2));
    expect(doc.errors).toEqual([]);
    expect(doc.results.map((r) => r.line)).toEqual([1, 1, 1, 1, 1]);
    const strip = (e: AuditEvent) => ({ ...e, event: { ...e.event, original: undefined } });
    expect(doc.events.map(strip)).toEqual(events.slice(0, 5).map(strip));
    const array = parseText(JSON.stringify(records));
    expect(array.events).toHaveLength(5);
  });
});

describe('cloudtrail: identities and failures from the documented formats', () => {
  const base = {
    eventVersion: '1.09',
    eventTime: '2024-05-01T10:00:00Z',
    awsRegion: 'eu-west-1',
    sourceIPAddress: '203.0.113.9',
    userAgent: 'aws-cli/2',
    eventID: 'e-1',
    recipientAccountId: '123456789012',
  };

  it('maps an IAM Identity Center user and IAM user management', () => {
    const record = {
      ...base,
      eventSource: 'iam.amazonaws.com',
      eventName: 'CreateUser',
      userIdentity: {
        type: 'IdentityCenterUser',
        accountId: '123456789012',
        onBehalfOf: {
          userId: '544894e8-80c1-707f-60e3-3ba6510dfac1',
          identityStoreArn: 'arn:aws:identitystore::123456789012:identitystore/d-9067642ac7',
        },
        credentialId: 'EXAMPLE',
      },
      requestParameters: { userName: 'mallory' },
    };
    const { events } = parseText(JSON.stringify(record));
    expect(events[0]!.user).toEqual({
      id: '544894e8-80c1-707f-60e3-3ba6510dfac1',
      domain: 'arn:aws:identitystore::123456789012:identitystore/d-9067642ac7',
      target: { name: 'mallory' },
    });
    expect(events[0]!.event).toMatchObject({ category: ['api', 'iam'], type: ['creation'] });
  });

  it('maps a failed console login for a hidden user name', () => {
    const record = {
      ...base,
      eventSource: 'signin.amazonaws.com',
      eventName: 'ConsoleLogin',
      eventType: 'AwsConsoleSignIn',
      userIdentity: {
        type: 'IAMUser',
        accountId: '123456789012',
        accessKeyId: '',
        userName: 'HIDDEN_DUE_TO_SECURITY_REASONS',
      },
      responseElements: { ConsoleLogin: 'Failure' },
      additionalEventData: { MFAUsed: 'No', LoginTo: 'https://console.aws.amazon.com/' },
      errorMessage: 'No username found in supplied account',
    };
    const { events } = parseText(JSON.stringify(record));
    expect(events[0]!.event).toMatchObject({
      action: 'cloud.console_login',
      outcome: 'failure',
      reason: 'No username found in supplied account',
    });
    expect(events[0]!.user?.name).toBeUndefined();
  });

  // An EventBridge rule delivers each record as the "detail" of an event whose detail-type names the
  // kind of record (EventBridge user guide, "AWS service events delivered via AWS CloudTrail").
  it('unwraps records delivered by EventBridge', () => {
    const detail = {
      ...base,
      eventSource: 'ec2.amazonaws.com',
      eventName: 'TerminateInstances',
      userIdentity: {
        type: 'IAMUser',
        arn: 'arn:aws:iam::123456789012:user/alice',
        accountId: '123456789012',
        userName: 'alice',
      },
      errorCode: 'Client.UnauthorizedOperation',
      errorMessage: 'You are not authorized to perform this operation.',
    };
    const wrapper = {
      version: '0',
      id: 'b6e1c0a2-0000-0000-0000-000000000000',
      'detail-type': 'AWS API Call via CloudTrail',
      source: 'aws.ec2',
      account: '123456789012',
      time: '2024-05-01T10:00:00Z',
      region: 'eu-west-1',
      resources: [],
      detail,
    };
    const { events, errors } = parseText(JSON.stringify(wrapper));
    expect(errors).toEqual([]);
    expect(events[0]!.event).toMatchObject({
      action: 'cloud.api_call',
      outcome: 'failure',
      type: ['deletion'],
      reason: 'Client.UnauthorizedOperation: You are not authorized to perform this operation.',
    });
    expect(events[0]!.user?.name).toBe('alice');
    expect(events[0]!.source).toEqual({ ip: '203.0.113.9', address: '203.0.113.9' });
    expect(events[0]!.event?.original).toBe(JSON.stringify(wrapper));
    // `auto` knows such a document for CloudTrail too.
    const auto = createParser('auto', OPTIONS);
    const parsed = [...auto.push(JSON.stringify(wrapper), 1), ...auto.end()];
    expect(parsed).toEqual([{ line: 1, event: events[0], ts: Date.parse(events[0]!['@timestamp']) }]);
  });

  // Insights events (eventType AwsCloudTrailInsight) and digest files sit beside the log files but
  // record no API call: rejected with what they are, alone or inside a Records file.
  it('rejects Insights events and digest files as not being API calls', () => {
    const insight = {
      eventVersion: '1.08',
      eventTime: '2024-05-01T10:00:00Z',
      awsRegion: 'eu-west-1',
      eventID: 'i-1',
      eventType: 'AwsCloudTrailInsight',
      eventCategory: 'Insight',
      recipientAccountId: '123456789012',
      sharedEventID: 's-1',
      eventSource: 'ec2.amazonaws.com',
      eventName: 'RunInstances',
      insightDetails: { state: 'Start', eventSource: 'ec2.amazonaws.com', eventName: 'RunInstances' },
    };
    const digest = {
      awsAccountId: '123456789012',
      digestStartTime: '2024-05-01T09:00:00Z',
      digestEndTime: '2024-05-01T10:00:00Z',
      digestS3Bucket: 'trail-bucket',
      digestS3Object: 'AWSLogs/123456789012/CloudTrail-Digest/eu-west-1/x.json.gz',
      previousDigestSignature: 'ab',
      logFiles: [],
    };
    const { events, errors } = parseText(
      [JSON.stringify(insight), JSON.stringify({ Records: [insight] }), JSON.stringify(digest)].join('\n'),
    );
    expect(events).toEqual([]);
    expect(errors.map((e) => [e.line, e.error])).toEqual([
      [1, 'CloudTrail Insights event (an API call rate summary, not an API call)'],
      [2, 'CloudTrail Insights event (an API call rate summary, not an API call)'],
      [3, 'CloudTrail digest file (log file hashes, not events)'],
    ]);
  });

  // A role whose trust policy requires sts:SetSourceIdentity carries the person who assumed it in
  // sessionContext.sourceIdentity, kept across role chaining.
  it('keeps the source identity of a role session', () => {
    const record = {
      ...base,
      eventSource: 's3.amazonaws.com',
      eventName: 'DeleteBucket',
      userIdentity: {
        type: 'AssumedRole',
        principalId: 'AROAEXAMPLE:session-1',
        arn: 'arn:aws:sts::123456789012:assumed-role/Deployer/session-1',
        accountId: '123456789012',
        accessKeyId: 'ASIAEXAMPLE',
        sessionContext: {
          sessionIssuer: {
            type: 'Role',
            principalId: 'AROAEXAMPLE',
            arn: 'arn:aws:iam::123456789012:role/Deployer',
            accountId: '123456789012',
            userName: 'Deployer',
          },
          attributes: { creationDate: '2024-05-01T09:00:00Z', mfaAuthenticated: 'true' },
          sourceIdentity: 'carol@example.com',
        },
      },
    };
    const { events } = parseText(JSON.stringify(record));
    expect(events[0]!.user).toMatchObject({ name: 'session-1', effective: { name: 'Deployer' } });
    expect(events[0]!.labels?.source_identity).toBe('carol@example.com');
    expect(events[0]!.related?.user).toContain('carol@example.com');
  });

  it('rejects malformed input with the line and never throws', () => {
    const { errors, events } = parseText(
      ['{"Records": 5}', '[1, "x"]', '{"eventName":"X","eventSource":"s","eventTime":"soon"}', '}{'].join(
        '\n',
      ),
    );
    expect(events).toEqual([]);
    expect(errors.map((e) => e.line)).toEqual([1, 2, 2, 3, 4]);
  });

  it('parses at a useful rate', () => {
    const sample = fixture('otrf_security_datasets/ec2_proxy_s3_exfiltration_2020-09-14011940.json')
      .split('\n')
      .filter(Boolean);
    const lines = Array.from({ length: 20_000 }, (_, i) => sample[i % sample.length]!);
    const bytes = lines.reduce((n, l) => n + l.length + 1, 0);
    const parser = createCloudTrailParser(OPTIONS);
    const start = performance.now();
    let n = 0;
    lines.forEach((l, i) => (n += parser.push(l, i + 1).length));
    const seconds = (performance.now() - start) / 1000;
    expect(n).toBe(lines.length);
    console.log(
      `cloudtrail: ${Math.round(n / seconds)} records/s, ${(bytes / 1e6 / seconds).toFixed(1)} MB/s (${n} records)`,
    );
    expect(n / seconds).toBeGreaterThan(1000);
  });
});
