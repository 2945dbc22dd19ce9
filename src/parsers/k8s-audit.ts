// Kubernetes audit parser: audit.k8s.io Event objects (log backend, one per line) and EventList
// documents (webhook backend). The stages of one request are folded into one event.

import type { ActionInfo, ParseResult, ParserOptions, RecordParser } from './parser.js';
import {
  RelatedCollector,
  createJsonValueSplitter,
  finishEvent,
  isIpAddress,
  isRecord,
  isoFromMillis,
  parseUtcTimestamp,
  stringAt,
  type JsonValueResult,
} from './json-records.js';

/**
 * Action scheme, `k8s.<resource>[.<subresource>].<verb>` with the resource in the singular
 * (`k8s.secret.get`, `k8s.pod.log.get`, `k8s.deployment.scale.update`); exec, attach and
 * portforward on pods are `k8s.exec`, `k8s.attach`, `k8s.portforward` whatever the verb (SPDY
 * sends `create`, WebSocket clients send `get`); requests for non-resource URLs (/healthz,
 * /version) are `k8s.nonresource.<verb>`.
 */
export const K8S_AUDIT_ACTIONS: ActionInfo[] = [
  {
    action: 'k8s.exec',
    description: 'Command run in a container (pods/exec)',
    category: 'process',
    type: 'start',
  },
  {
    action: 'k8s.attach',
    description: 'Attach to a running container (pods/attach)',
    category: 'process',
    type: 'start',
  },
  {
    action: 'k8s.portforward',
    description: 'Port forwarded to a pod (pods/portforward)',
    category: 'network',
    type: 'connection',
  },
  ...['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'].map((verb) => ({
    action: `k8s.secret.${verb}`,
    description: `Secret ${verb}`,
    category: 'api',
    type: verbType(verb),
  })),
  {
    action: 'k8s.<resource>.<verb>',
    description: 'Any other request on a resource, resource name in the singular',
    category: 'api',
    type: 'access|creation|change|deletion',
  },
  {
    action: 'k8s.<resource>.<subresource>.<verb>',
    description: 'A request on a subresource (pods/log, deployments/scale, ...)',
    category: 'api',
    type: 'access|creation|change|deletion',
  },
  {
    action: 'k8s.nonresource.<verb>',
    description: 'A request for a non-resource URL',
    category: 'api',
    type: 'access',
  },
];

const STAGE_RANK: Record<string, number> = {
  RequestReceived: 0,
  ResponseStarted: 1,
  ResponseComplete: 2,
  Panic: 2,
};
const TERMINAL_RANK = 2;
const SESSION_SUBRESOURCES = new Set(['exec', 'attach', 'portforward']);
const IAM_RESOURCES = new Set([
  'roles',
  'rolebindings',
  'clusterroles',
  'clusterrolebindings',
  'serviceaccounts',
  'certificatesigningrequests',
  'tokenreviews',
  'subjectaccessreviews',
  'selfsubjectaccessreviews',
  'localsubjectaccessreviews',
]);
const SINGULAR: Record<string, string> = { endpoints: 'endpoints', ingresses: 'ingress', statuses: 'status' };

export interface K8sAuditParserOptions {
  /** Requests held waiting for a later stage before the oldest is emitted as it is. */
  window?: number;
  /** Audit ids remembered after emission, so their late stages are dropped. */
  remember?: number;
}

export interface K8sAuditParser extends RecordParser {
  /** Stage records folded into an event already emitted or pending. */
  readonly duplicates: number;
}

interface Pending {
  record: Record<string, unknown>;
  text: string;
  line: number;
  rank: number;
}

/**
 * One event per auditID. A ResponseComplete or Panic record is final and emitted at once (it
 * carries the response status). An earlier stage is held, replaced by any later stage of the same
 * request, and emitted as it is when `window` other requests are pending after it or at end().
 * Ids emitted are remembered (bounded), so a late or repeated stage is dropped and counted.
 */
export function createK8sAuditParser(
  options: ParserOptions,
  tuning: K8sAuditParserOptions = {},
): K8sAuditParser {
  const window = tuning.window ?? 256;
  const remember = tuning.remember ?? 16384;
  const splitter = createJsonValueSplitter();
  const pending = new Map<string, Pending>();
  const emitted = new Set<string>();
  let duplicates = 0;

  function markEmitted(id: string): void {
    emitted.add(id);
    if (emitted.size > remember) emitted.delete(emitted.values().next().value!);
  }

  function emit(id: string, p: Pending): ParseResult {
    markEmitted(id);
    return buildEvent(p.record, p.text, p.line, options);
  }

  function accept(record: unknown, text: string, line: number, out: ParseResult[]): void {
    const problem = recognize(record);
    if (problem) {
      out.push({ line, error: problem });
      return;
    }
    const ev = record as Record<string, unknown>;
    const id = ev.auditID as string;
    const rank = STAGE_RANK[ev.stage as string] ?? 0;
    if (emitted.has(id)) {
      duplicates++;
      return;
    }
    const before = pending.get(id);
    if (before) duplicates++;
    const candidate: Pending = { record: ev, text, line, rank };
    const best = before && before.rank >= rank ? before : candidate;
    if (best.rank >= TERMINAL_RANK) {
      pending.delete(id);
      out.push(emit(id, best));
      return;
    }
    pending.set(id, best);
    if (pending.size > window) {
      const [oldId, oldest] = pending.entries().next().value!;
      pending.delete(oldId);
      out.push(emit(oldId, oldest));
    }
  }

  function handle(values: JsonValueResult[]): ParseResult[] {
    const out: ParseResult[] = [];
    for (const v of values) {
      if ('error' in v) out.push({ line: v.line, error: v.error });
      else if (isRecord(v.value) && v.value.kind === 'EventList') {
        const items = v.value.items;
        if (!Array.isArray(items)) out.push({ line: v.line, error: 'EventList without an items array' });
        else for (const item of items) accept(item, JSON.stringify(item), v.line, out);
      } else accept(v.value, v.text, v.line, out);
    }
    return out;
  }

  return {
    format: 'k8s-audit',
    push(line, lineNumber) {
      return handle(splitter.push(line, lineNumber));
    },
    end() {
      const out = handle(splitter.end());
      for (const [id, p] of pending) out.push(emit(id, p));
      pending.clear();
      return out;
    },
    get duplicates() {
      return duplicates;
    },
  };
}

/** Why a JSON value is not an audit Event, or undefined when it is one. */
function recognize(value: unknown): string | undefined {
  if (!isRecord(value) || (value.kind !== undefined && value.kind !== 'Event')) {
    return 'data not recognized as a k8s audit event';
  }
  if (typeof value.auditID !== 'string' || value.auditID === '') return 'k8s audit event without auditID';
  if (typeof value.verb !== 'string') return 'k8s audit event without verb';
  if (
    value.stage !== undefined &&
    !(typeof value.stage === 'string' && Object.hasOwn(STAGE_RANK, value.stage))
  )
    return `unknown audit stage ${String(value.stage)}`;
  return undefined;
}

function verbType(verb: string): string {
  if (verb === 'create') return 'creation';
  if (verb === 'update' || verb === 'patch') return 'change';
  if (verb === 'delete' || verb === 'deletecollection') return 'deletion';
  return 'access';
}

/** `secrets` -> `secret`, `networkpolicies` -> `networkpolicy`, `ingresses` -> `ingress`. */
export function singularResource(resource: string): string {
  const known = SINGULAR[resource];
  if (known) return known;
  if (resource.endsWith('ies')) return `${resource.slice(0, -3)}y`;
  if (/(ss|sh|ch|x)es$/.test(resource)) return resource.slice(0, -2);
  if (resource.endsWith('s') && !resource.endsWith('ss')) return resource.slice(0, -1);
  return resource;
}

function token(value: string | undefined): string | undefined {
  const t = value?.toLowerCase().replace(/[^a-z0-9_-]/g, '');
  return t ? t : undefined;
}

/** The Stele action of a request (see K8S_AUDIT_ACTIONS). */
export function k8sAction(verb: string, objectRef: Record<string, unknown> | undefined): string {
  const v = token(verb) ?? 'unknown';
  const resource = token(stringAt(objectRef, 'resource'));
  const sub = token(stringAt(objectRef, 'subresource'));
  if (!resource) return `k8s.nonresource.${v}`;
  if (resource === 'pods' && sub && SESSION_SUBRESOURCES.has(sub)) return `k8s.${sub}`;
  return sub ? `k8s.${singularResource(resource)}.${sub}.${v}` : `k8s.${singularResource(resource)}.${v}`;
}

function classify(
  action: string,
  verb: string,
  resource: string | undefined,
): { category: string[]; type: string[] } {
  if (action === 'k8s.exec' || action === 'k8s.attach')
    return { category: ['api', 'process'], type: ['start'] };
  if (action === 'k8s.portforward') return { category: ['api', 'network'], type: ['connection', 'start'] };
  const category = resource && IAM_RESOURCES.has(resource) ? ['api', 'iam'] : ['api'];
  return { category, type: [verbType(verb)] };
}

function outcomeOf(
  code: number | undefined,
  decision: string | undefined,
): 'success' | 'failure' | 'unknown' {
  if (code !== undefined) return code >= 400 ? 'failure' : 'success';
  if (decision === 'forbid') return 'failure';
  return 'unknown';
}

function buildEvent(
  ev: Record<string, unknown>,
  text: string,
  line: number,
  options: ParserOptions,
): ParseResult {
  const meta = isRecord(ev.metadata) ? ev.metadata : undefined;
  const time =
    parseUtcTimestamp(ev.requestReceivedTimestamp) ??
    parseUtcTimestamp(ev.timestamp) ??
    parseUtcTimestamp(meta?.creationTimestamp) ??
    parseUtcTimestamp(ev.stageTimestamp);
  if (time === undefined) return { line, error: 'k8s audit event without a valid requestReceivedTimestamp' };
  const verb = ev.verb as string;
  const objectRef = isRecord(ev.objectRef) ? ev.objectRef : undefined;
  const status = isRecord(ev.responseStatus) ? ev.responseStatus : undefined;
  const code = typeof status?.code === 'number' && Number.isInteger(status.code) ? status.code : undefined;
  const annotations = isRecord(ev.annotations) ? ev.annotations : undefined;
  const decision = stringAt(annotations, 'authorization.k8s.io/decision');
  const authzReason = stringAt(annotations, 'authorization.k8s.io/reason');
  const action = k8sAction(verb, objectRef);
  const resource = stringAt(objectRef, 'resource');
  const { category, type } = classify(action, verb, resource);
  const outcome = outcomeOf(code, decision);
  const actor = isRecord(ev.user) ? ev.user : undefined;
  const impersonated = isRecord(ev.impersonatedUser) ? ev.impersonatedUser : undefined;
  const sourceIps = Array.isArray(ev.sourceIPs)
    ? ev.sourceIPs.filter((ip): ip is string => typeof ip === 'string')
    : [];
  const firstIp = sourceIps[0];
  const userName = stringAt(actor, 'username');
  const effectiveName = stringAt(impersonated, 'username');
  const related = new RelatedCollector()
    .user(userName, effectiveName)
    .ip(...sourceIps)
    .host(options.hostname);
  const groups = Array.isArray(actor?.groups)
    ? actor.groups.filter((g): g is string => typeof g === 'string')
    : [];
  const reason =
    outcome === 'failure'
      ? (stringAt(status, 'message') ??
        stringAt(status, 'reason') ??
        (decision === 'forbid' ? authzReason || 'forbidden by the authorizer' : undefined) ??
        (code ? `HTTP ${code}` : undefined))
      : undefined;
  // 401 (not authenticated) and 403 (not authorized) are denials even when no authorizer annotated
  // the request: the authenticator rejected it, or a log backend dropped the annotations.
  if (decision === 'forbid' || (decision === undefined && (code === 401 || code === 403)))
    type.push('denied');
  else if (decision === 'allow') type.push('allowed');

  const draft = {
    '@timestamp': isoFromMillis(time) ?? '',
    event: {
      action,
      outcome,
      category,
      type,
      reason,
      dataset: 'k8s.audit',
      module: 'kubernetes',
      kind: 'event',
      id: ev.auditID,
    },
    user: {
      name: userName,
      id: stringAt(actor, 'uid'),
      roles: groups,
      effective: impersonated ? { name: effectiveName, id: stringAt(impersonated, 'uid') } : undefined,
    },
    source: firstIp ? { ip: isIpAddress(firstIp) ? firstIp : undefined, address: firstIp } : undefined,
    host: { name: options.hostname },
    service: { type: 'kubernetes' },
    orchestrator: {
      type: 'kubernetes',
      namespace: stringAt(objectRef, 'namespace'),
      resource: {
        type: resource,
        name: stringAt(objectRef, 'name'),
        subresource: stringAt(objectRef, 'subresource'),
      },
    },
    user_agent: { original: stringAt(ev, 'userAgent') },
    url: { original: stringAt(ev, 'requestURI') },
    http: code !== undefined ? { response: { status_code: code } } : undefined,
    related: related.toJSON(),
    labels: {
      verb,
      stage: stringAt(ev, 'stage'),
      level: stringAt(ev, 'level'),
      api_group: stringAt(objectRef, 'apiGroup'),
      api_version: stringAt(objectRef, 'apiVersion'),
      decision,
      authorization_reason: authzReason,
    },
  };
  return finishEvent(draft, text, line, options);
}
