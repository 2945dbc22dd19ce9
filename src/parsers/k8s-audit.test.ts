import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../core/event.js';
import { validateEvent } from '../core/validate.js';
import { K8S_AUDIT_ACTIONS, createK8sAuditParser, k8sAction, singularResource } from './k8s-audit.js';
import type { ParseResult, ParserOptions } from './parser.js';

const FIXTURES = new URL('../../test/fixtures/', import.meta.url);
const OPTIONS: ParserOptions = { now: Date.UTC(2025, 0, 1) };

const fixture = (path: string) => readFileSync(new URL(path, FIXTURES), 'utf8');

function parseText(text: string, options: ParserOptions = OPTIONS, window?: number) {
  const parser = createK8sAuditParser(options, { window });
  const results: ParseResult[] = [];
  text.split('\n').forEach((l, i) => results.push(...parser.push(l, i + 1)));
  results.push(...parser.end());
  return {
    parser,
    results,
    events: results.flatMap((r) => ('event' in r ? [r.event] : [])),
    errors: results.flatMap((r) => ('error' in r ? [r] : [])),
  };
}

const ACTION_PATTERNS = K8S_AUDIT_ACTIONS.map(
  (a) => new RegExp(`^${a.action.replace(/\./g, '\\.').replace(/<[^>]+>/g, '[a-z0-9_-]+')}$`),
);

function expectWellFormed(events: AuditEvent[]): void {
  for (const e of events) {
    const checked = validateEvent(e);
    expect(checked.ok, JSON.stringify(checked)).toBe(true);
    expect(e.event?.dataset).toBe('k8s.audit');
    expect(
      ACTION_PATTERNS.some((p) => p.test(e.event?.action ?? '')),
      e.event?.action,
    ).toBe(true);
  }
}

// Expected action per Falco fixture file, written by hand from each file's request.
const EXPECTED_ACTIONS: Record<string, string> = {
  'anonymous_creates_namespace_foo.json': 'k8s.namespace.create',
  'attach_cluster_admin_role.json': 'k8s.clusterrolebinding.create',
  'attach_pod.json': 'k8s.attach',
  'create_cluster_role_pod_exec.json': 'k8s.clusterrole.create',
  'create_cluster_role_wildcard_resources.json': 'k8s.clusterrole.create',
  'create_cluster_role_wildcard_verbs.json': 'k8s.clusterrole.create',
  'create_cluster_role_write_privileges.json': 'k8s.clusterrole.create',
  'create_clusterrole.json': 'k8s.clusterrole.create',
  'create_clusterrolebinding.json': 'k8s.clusterrolebinding.create',
  'create_configmap.json': 'k8s.configmap.create',
  'create_configmap_no_sensitive_values.json': 'k8s.configmap.create',
  'create_configmap_sensitive_values.json': 'k8s.configmap.create',
  'create_deployment.json': 'k8s.deployment.create',
  'create_kube_system_secret.json': 'k8s.secret.create',
  'create_nginx_pod_hostnetwork.json': 'k8s.pod.create',
  'create_nginx_pod_no_secctx_1st_container_privileged_2nd_container.json': 'k8s.pod.create',
  'create_nginx_pod_nohostnetwork.json': 'k8s.pod.create',
  'create_nginx_pod_privileged.json': 'k8s.pod.create',
  'create_nginx_pod_privileged_2nd_container.json': 'k8s.pod.create',
  'create_nginx_pod_sensitive_mount.json': 'k8s.pod.create',
  'create_nginx_pod_sensitive_mount_2nd_container.json': 'k8s.pod.create',
  'create_nginx_pod_unprivileged.json': 'k8s.pod.create',
  'create_nginx_pod_unsensitive_mount.json': 'k8s.pod.get',
  'create_nginx_service_nodeport.json': 'k8s.service.create',
  'create_nginx_service_nonodeport.json': 'k8s.service.create',
  'create_pod_kube_public_namespace.json': 'k8s.pod.create',
  'create_pod_kube_system_namespace.json': 'k8s.pod.create',
  'create_secret.json': 'k8s.secret.create',
  'create_service.json': 'k8s.service.create',
  'create_service_account_token_secret.json': 'k8s.secret.create',
  'create_serviceaccount.json': 'k8s.serviceaccount.create',
  'create_serviceaccount_kube_public_namespace.json': 'k8s.serviceaccount.create',
  'create_serviceaccount_kube_system_namespace.json': 'k8s.serviceaccount.create',
  'delete_cluster_role_kube_aggregator.json': 'k8s.clusterrole.delete',
  'delete_clusterrole.json': 'k8s.clusterrole.delete',
  'delete_clusterrolebinding.json': 'k8s.clusterrolebinding.delete',
  'delete_configmap.json': 'k8s.configmap.delete',
  'delete_deployment.json': 'k8s.deployment.delete',
  'delete_namespace_foo.json': 'k8s.namespace.delete',
  'delete_secret.json': 'k8s.secret.delete',
  'delete_service.json': 'k8s.service.delete',
  'delete_serviceaccount.json': 'k8s.serviceaccount.delete',
  'exec_pod.json': 'k8s.exec',
  'minikube_creates_namespace_foo.json': 'k8s.namespace.create',
  'modify_cluster_role_node_problem_detector.json': 'k8s.clusterrole.patch',
  'some-user_creates_namespace_foo.json': 'k8s.namespace.create',
};

describe('k8s audit: Falco regression events', () => {
  const files = readdirSync(new URL('k8s_audit/events/', FIXTURES)).filter((f) => f.endsWith('.json'));
  const parsed = new Map(files.map((f) => [f, parseText(fixture(`k8s_audit/events/${f}`))]));

  it('covers every file: 51 events and the one malformed input', () => {
    expect(files).toHaveLength(47);
    const events = [...parsed.values()].flatMap((p) => p.events);
    const errors = [...parsed.entries()].flatMap(([f, p]) => p.errors.map((e) => ({ f, ...e })));
    expect(events).toHaveLength(51);
    expect(errors).toEqual([
      { f: 'fal_01_003.json', line: 1, error: 'data not recognized as a k8s audit event' },
    ]);
    expectWellFormed(events);
  });

  it.each(Object.entries(EXPECTED_ACTIONS))('%s -> %s', (file, action) => {
    const { events, errors } = parsed.get(file)!;
    expect(errors).toEqual([]);
    expect(events.length).toBeGreaterThan(0);
    for (const e of events) {
      expect(e.event?.action).toBe(action);
      expect(e.event?.outcome).toBe('success');
      expect(e.event?.type).toContain('allowed');
      expect(e.source?.ip).toMatch(/^(192\.168\.\d+\.1|127\.0\.0\.1|::1)$/);
      expect(e.user?.name).toBeTruthy();
      expect(fixture(`k8s_audit/events/${file}`).split('\n')).toContain(e.event?.original);
    }
  });

  it('maps an exec into a pod (ResponseStarted, 101)', () => {
    const e = parsed.get('exec_pod.json')!.events[0]!;
    expect(e['@timestamp']).toBe('2018-10-26T13:38:34.867Z');
    expect(e.event).toMatchObject({
      action: 'k8s.exec',
      outcome: 'success',
      category: ['api', 'process'],
      id: 'ca1ed9f4-7bf4-4c85-81a8-1b11253d1ba6',
    });
    expect(e.user).toEqual({ name: 'minikube-user', roles: ['system:masters', 'system:authenticated'] });
    expect(e.orchestrator).toEqual({
      type: 'kubernetes',
      namespace: 'default',
      resource: { type: 'pods', name: 'nginx-deployment-7998647bdf-phvq7', subresource: 'exec' },
    });
    expect(e.service).toEqual({ type: 'kubernetes' });
    expect((e as Record<string, unknown>).url).toEqual({
      original: expect.stringContaining('/exec?command=bash'),
    });
    expect(e.related).toEqual({ user: ['minikube-user'], ip: ['192.168.99.1'] });
  });

  it('reads v1beta1 events that only have `timestamp`, and IAM resources', () => {
    const e = parsed.get('anonymous_creates_namespace_foo.json')!.events[0]!;
    expect(e.user?.name).toBe('system:anonymous');
    expect(e['@timestamp']).toMatch(/^20\d\d-/);
    const binding = parsed.get('attach_cluster_admin_role.json')!.events[0]!;
    expect(binding.event?.category).toEqual(['api', 'iam']);
    expect(binding.event?.type).toEqual(['creation', 'allowed']);
  });

  it('gives the six configmap requests of one file six events', () => {
    const { events } = parsed.get('create_configmap_sensitive_values.json')!;
    expect(new Set(events.map((e) => e.event?.id)).size).toBe(6);
  });
});

describe('k8s audit: stages, lists and failures', () => {
  const exec = JSON.parse(fixture('k8s_audit/events/exec_pod.json').split('\n')[0]!) as Record<
    string,
    unknown
  >;
  const stage = (name: string, code?: number, extra: Record<string, unknown> = {}) =>
    JSON.stringify({
      ...exec,
      stage: name,
      responseStatus: code === undefined ? undefined : { code, metadata: {} },
      ...extra,
    });
  const other = JSON.parse(fixture('k8s_audit/events/create_secret.json').split('\n')[0]!) as Record<
    string,
    unknown
  >;

  it('folds the stages of one auditID into one event, keeping the most complete stage', () => {
    const text = [
      stage('RequestReceived'),
      JSON.stringify(other),
      stage('ResponseStarted', 101),
      stage('ResponseComplete', 200),
    ].join('\n');
    const { events, errors, parser } = parseText(text);
    expect(errors).toEqual([]);
    expect(events.map((e) => e.event?.action)).toEqual(['k8s.secret.create', 'k8s.exec']);
    expect(events[1]!.labels?.stage).toBe('ResponseComplete');
    expect((events[1] as Record<string, unknown>).http).toEqual({ response: { status_code: 200 } });
    expect(parser.duplicates).toBe(2);
  });

  it('drops a stage that arrives after its request was emitted', () => {
    const { events, parser } = parseText(
      [stage('ResponseComplete', 200), stage('ResponseStarted', 101)].join('\n'),
    );
    expect(events).toHaveLength(1);
    expect(events[0]!.labels?.stage).toBe('ResponseComplete');
    expect(parser.duplicates).toBe(1);
  });

  it('emits a lone earlier stage at end(), or once the window is full, as it is', () => {
    const lone = parseText(stage('RequestReceived'));
    expect(lone.events).toHaveLength(1);
    expect(lone.events[0]!.event?.outcome).toBe('unknown');
    const ids = ['a', 'b', 'c'].map((id) => stage('ResponseStarted', 101, { auditID: id }));
    const parser = createK8sAuditParser(OPTIONS, { window: 2 });
    const out = ids.flatMap((l, i) => parser.push(l, i + 1));
    expect(out.map((r) => ('event' in r ? r.event.event?.id : r.error))).toEqual(['a']);
    expect(parser.end().map((r) => r.line)).toEqual([2, 3]);
  });

  it('reads a pretty-printed EventList (webhook body) and dedups inside it', () => {
    const list = {
      kind: 'EventList',
      apiVersion: 'audit.k8s.io/v1',
      items: [JSON.parse(stage('RequestReceived')), other, JSON.parse(stage('ResponseComplete', 101))],
    };
    const { events, errors } = parseText(JSON.stringify(list, null, 2));
    expect(errors).toEqual([]);
    expect(events.map((e) => e.event?.action).sort()).toEqual(['k8s.exec', 'k8s.secret.create']);
    expect(events.every((e) => e.event?.original?.startsWith('{"'))).toBe(true);
  });

  it('maps denials, panics and impersonation', () => {
    const denied = stage('ResponseComplete', 403, {
      auditID: 'd1',
      annotations: { 'authorization.k8s.io/decision': 'forbid', 'authorization.k8s.io/reason': '' },
      responseStatus: { code: 403, status: 'Failure', reason: 'Forbidden', message: 'pods "x" is forbidden' },
      impersonatedUser: {
        username: 'system:serviceaccount:default:builder',
        groups: ['system:serviceaccounts'],
      },
    });
    const panic = stage('Panic', undefined, {
      auditID: 'p1',
      responseStatus: { code: 500, message: 'panic' },
    });
    const { events } = parseText([denied, panic].join('\n'));
    expect(events[0]!.event).toMatchObject({
      outcome: 'failure',
      reason: 'pods "x" is forbidden',
      type: ['start', 'denied'],
    });
    expect(events[0]!.user?.effective?.name).toBe('system:serviceaccount:default:builder');
    expect(events[0]!.related?.user).toEqual(['minikube-user', 'system:serviceaccount:default:builder']);
    expect(events[1]!.event).toMatchObject({ outcome: 'failure', reason: 'panic' });
    expectWellFormed(events);
  });

  it('parses the Panther EKS samples, including 403 denials', () => {
    const logs = fixture('panther/aws_eks_rules.jsonl')
      .split('\n')
      .filter(Boolean)
      .map((l) => (JSON.parse(l) as { log: Record<string, unknown> }).log);
    const { events, errors, parser } = parseText(logs.map((l) => JSON.stringify(l)).join('\n'));
    // Two hand-written samples lack fields every audit.k8s.io Event has; they are rejected.
    expect(errors).toEqual([
      { line: 1, error: 'k8s audit event without verb' },
      { line: 3, error: 'k8s audit event without auditID' },
    ]);
    expect(logs).toHaveLength(8);
    // Six valid records; two test cases reuse one auditID, so they fold into one event.
    expect(events).toHaveLength(5);
    expect(new Set(events.map((e) => e.event?.id)).size).toBe(5);
    expect(parser.duplicates).toBe(1);
    const denied = events.filter(
      (e) => (e as { http?: { response?: { status_code?: number } } }).http?.response?.status_code === 403,
    );
    expect(denied.length).toBeGreaterThanOrEqual(2);
    for (const e of denied) expect(e.event).toMatchObject({ outcome: 'failure', reason: 'HTTP 403' });
    expectWellFormed(events);
  });

  it('rejects what is not an audit event, with the line, and keeps going', () => {
    const { events, errors } = parseText(
      ['{"kind":"Pod"}', 'not json', '{"kind":"Event","auditID":"x"}', stage('ResponseComplete', 200)].join(
        '\n',
      ),
    );
    expect(errors.map((e) => e.line)).toEqual([1, 2, 3]);
    expect(events).toHaveLength(1);
  });

  // An unauthenticated request is refused by the authenticator (401) before any authorizer runs,
  // so no authorization.k8s.io/decision annotation says it was denied; the status code does.
  it('types a 401 or 403 without an authorizer decision as denied', () => {
    const anonymous = stage('ResponseComplete', 401, {
      auditID: 'u1',
      user: { username: 'system:anonymous', groups: ['system:unauthenticated'] },
      annotations: undefined,
    });
    const forbidden = stage('ResponseComplete', 403, { auditID: 'u2', annotations: undefined });
    const { events } = parseText([anonymous, forbidden].join('\n'));
    expect(events.map((e) => [e.event?.outcome, e.event?.type])).toEqual([
      ['failure', ['start', 'denied']],
      ['failure', ['start', 'denied']],
    ]);
  });

  // Stage names are looked up in a table: inherited property names are not stages.
  it('rejects a stage named like an object property', () => {
    const { events, errors } = parseText(
      ['constructor', 'toString', '__proto__'].map((s, i) => stage(s, 200, { auditID: `s${i}` })).join('\n'),
    );
    expect(events).toEqual([]);
    expect(errors.map((e) => e.error)).toEqual([
      'unknown audit stage constructor',
      'unknown audit stage toString',
      'unknown audit stage __proto__',
    ]);
  });

  it('drops event.original on request', () => {
    const { events } = parseText(stage('ResponseComplete', 200), { ...OPTIONS, keepOriginal: false });
    expect(events[0]!.event?.original).toBeUndefined();
  });
});

describe('k8s action scheme', () => {
  it('names resources in the singular and keeps subresources', () => {
    expect(
      ['secrets', 'networkpolicies', 'ingresses', 'endpoints', 'pods', 'leases'].map(singularResource),
    ).toEqual(['secret', 'networkpolicy', 'ingress', 'endpoints', 'pod', 'lease']);
    expect(k8sAction('get', { resource: 'secrets', name: 'x' })).toBe('k8s.secret.get');
    expect(k8sAction('get', { resource: 'pods', subresource: 'exec' })).toBe('k8s.exec');
    expect(k8sAction('create', { resource: 'pods', subresource: 'portforward' })).toBe('k8s.portforward');
    expect(k8sAction('get', { resource: 'pods', subresource: 'log' })).toBe('k8s.pod.log.get');
    expect(k8sAction('get', undefined)).toBe('k8s.nonresource.get');
  });
});
