// The OpenAPI 3.1 description of /v1, served at /v1/openapi.json. The event schema is the same
// TypeBox definition the server validates with, so the document cannot drift from the code.

import { AuditEventSchema } from '../core/event.js';

const json = (schema: object) => ({ 'application/json': { schema } });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const error = { description: 'Error', content: json(ref('Error')) };
const errors = { '400': error, '401': error, '403': error };
const seqParam = { name: 'seq', in: 'path', required: true, schema: { type: 'integer', minimum: 0 } };
const searchParams = [
  { name: 'q', in: 'query', schema: { type: 'string' }, description: 'Query (see docs/query-language.md)' },
  { name: 'from', in: 'query', schema: { type: 'string' }, description: 'RFC 3339 or relative (now-24h)' },
  { name: 'to', in: 'query', schema: { type: 'string' }, description: 'RFC 3339 or relative' },
];

export function openApiDocument(): object {
  const { $id: _id, ...eventSchema } = AuditEventSchema;
  const itemRef = { type: 'object', properties: { index: { type: 'integer' }, seq: { type: 'integer' } } };
  return {
    openapi: '3.1.0',
    info: {
      title: 'Stele API',
      version: '1',
      description: 'Tamper-evident audit log for infrastructure access.',
    },
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'API key (stele keys create)' },
      },
      schemas: {
        AuditEvent: eventSchema,
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['code', 'message'],
              properties: {
                code: { type: 'string' },
                message: { type: 'string' },
                details: { type: 'array', items: { type: 'object' } },
              },
            },
          },
        },
        IngestReply: {
          type: 'object',
          properties: {
            accepted: { type: 'array', items: itemRef },
            duplicates: { type: 'array', items: itemRef },
            rejected: {
              type: 'array',
              items: {
                type: 'object',
                properties: {
                  index: { type: 'integer' },
                  field: { type: 'string' },
                  message: { type: 'string' },
                },
              },
            },
          },
        },
        Alert: {
          type: 'object',
          properties: {
            id: { type: 'integer' },
            rule: {
              type: 'object',
              properties: {
                id: { type: ['string', 'null'] },
                title: { type: 'string' },
                level: { type: ['string', 'null'] },
              },
            },
            group: { type: ['object', 'null'] },
            status: { type: 'string', enum: ['open', 'acknowledged', 'closed'] },
            count: { type: 'integer' },
            first_seq: { type: 'integer' },
            last_seq: { type: 'integer' },
            first_time: { type: 'string' },
            last_time: { type: 'string' },
            created: { type: 'string' },
            updated: { type: 'string' },
          },
        },
        InclusionProof: {
          type: 'object',
          properties: {
            index: { type: 'integer' },
            treeSize: { type: 'integer' },
            entry: { type: 'string', contentEncoding: 'base64' },
            leafHash: { type: 'string', contentEncoding: 'base64' },
            hashes: { type: 'array', items: { type: 'string', contentEncoding: 'base64' } },
            checkpoint: { type: 'string' },
          },
        },
      },
    },
    security: [{ bearer: [] }],
    paths: {
      '/v1/events': {
        post: {
          summary: 'Ingest events (scope ingest)',
          description:
            'A JSON array or NDJSON of events; gzip accepted. Replies once the accepted events are durable.',
          requestBody: {
            content: {
              'application/json': { schema: { type: 'array', items: ref('AuditEvent') } },
              'application/x-ndjson': { schema: { type: 'string' } },
            },
          },
          responses: {
            '200': { description: 'Some events accepted', content: json(ref('IngestReply')) },
            '413': error,
            '422': { description: 'No event accepted', content: json(ref('IngestReply')) },
            ...errors,
          },
        },
        get: {
          summary: 'Search events, newest first (scope read)',
          parameters: [
            ...searchParams,
            { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 10000 } },
            { name: 'cursor', in: 'query', schema: { type: 'string' } },
          ],
          responses: {
            '200': {
              description: 'A page of events',
              content: json({
                type: 'object',
                properties: {
                  events: { type: 'array', items: ref('AuditEvent') },
                  next_cursor: { type: ['string', 'null'] },
                },
              }),
            },
            ...errors,
          },
        },
      },
      '/v1/events/count': {
        get: {
          summary: 'Count matching events (scope read)',
          parameters: searchParams,
          responses: {
            '200': {
              description: 'Count',
              content: json({ type: 'object', properties: { count: { type: 'integer' } } }),
            },
            ...errors,
          },
        },
      },
      '/v1/events/{seq}': {
        get: {
          summary: 'One event by ledger index (scope read)',
          parameters: [seqParam],
          responses: {
            '200': { description: 'The event', content: json(ref('AuditEvent')) },
            '404': error,
            ...errors,
          },
        },
      },
      '/v1/events/{seq}/proof': {
        get: {
          summary: 'Inclusion proof in the latest checkpoint (scope read)',
          parameters: [seqParam],
          responses: {
            '200': { description: 'Proof', content: json(ref('InclusionProof')) },
            '404': error,
            ...errors,
          },
        },
      },
      '/v1/checkpoint': {
        get: {
          summary: 'Latest signed checkpoint, as C2SP signed-note text (scope read)',
          responses: {
            '200': { description: 'Note', content: { 'text/plain': { schema: { type: 'string' } } } },
            ...errors,
          },
        },
      },
      '/v1/consistency': {
        get: {
          summary: 'Consistency proof between two tree sizes (scope read)',
          parameters: [
            { name: 'from', in: 'query', required: true, schema: { type: 'integer' } },
            { name: 'to', in: 'query', required: true, schema: { type: 'integer' } },
          ],
          responses: {
            '200': {
              description: 'Proof',
              content: json({
                type: 'object',
                properties: {
                  oldSize: { type: 'integer' },
                  newSize: { type: 'integer' },
                  hashes: { type: 'array', items: { type: 'string' } },
                },
              }),
            },
            ...errors,
          },
        },
      },
      '/v1/ledger/key': {
        get: {
          summary: "The ledger's verifier key (C2SP signed-note form) and checkpoint origin (scope read)",
          responses: {
            '200': {
              description: 'Key',
              content: json({
                type: 'object',
                required: ['verifierKey', 'origin'],
                properties: {
                  verifierKey: { type: 'string', description: 'name+hexkeyid+base64key' },
                  origin: { type: 'string' },
                },
              }),
            },
            '503': error,
            ...errors,
          },
        },
      },
      '/v1/aggregate': {
        get: {
          summary:
            'Exact counts of matching events by fields: top N, distinct counts, failure ratio (scope read)',
          parameters: [
            ...searchParams,
            {
              name: 'by',
              in: 'query',
              schema: { type: 'string' },
              description: 'Up to 3 fields, comma-separated',
            },
            { name: 'top', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 10000 } },
            {
              name: 'distinct',
              in: 'query',
              schema: { type: 'string' },
              description: 'Count distinct values of this field per group',
            },
            { name: 'sort', in: 'query', schema: { enum: ['count', 'failures', 'distinct'] } },
          ],
          responses: {
            '200': {
              description: 'Groups, largest first',
              content: json({
                type: 'object',
                properties: {
                  by: { type: 'array', items: { type: 'string' } },
                  total: { type: 'integer' },
                  failures: { type: 'integer' },
                  groups: {
                    type: 'array',
                    items: {
                      type: 'object',
                      properties: {
                        keys: { type: 'object', additionalProperties: { type: ['string', 'null'] } },
                        count: { type: 'integer' },
                        failures: { type: 'integer' },
                        failure_ratio: { type: 'number' },
                        distinct: { type: 'integer' },
                        first: { type: 'string', format: 'date-time' },
                        last: { type: 'string', format: 'date-time' },
                      },
                    },
                  },
                },
              }),
            },
            ...errors,
          },
        },
      },
      '/v1/histogram': {
        get: {
          summary: 'Matching events per time bucket (scope read)',
          parameters: [
            ...searchParams,
            {
              name: 'interval',
              in: 'query',
              schema: { type: 'string' },
              description: 'auto (50-100 buckets), or 30s, 5m, 1h, 1d, 1w',
            },
            {
              name: 'failures',
              in: 'query',
              schema: { type: 'boolean' },
              description: 'Also count failures per bucket',
            },
          ],
          responses: {
            '200': {
              description: 'Every bucket of the range, empty ones included',
              content: json({
                type: 'object',
                properties: {
                  interval_ms: { type: 'integer' },
                  total: { type: 'integer' },
                  buckets: {
                    type: 'array',
                    items: {
                      type: 'object',
                      properties: {
                        start: { type: 'string', format: 'date-time' },
                        count: { type: 'integer' },
                        failures: { type: 'integer' },
                      },
                    },
                  },
                },
              }),
            },
            ...errors,
          },
        },
      },
      '/v1/export': {
        get: {
          summary: 'Every matching event, streamed newest first (scope read)',
          parameters: [...searchParams, { name: 'format', in: 'query', schema: { enum: ['ndjson', 'csv'] } }],
          responses: {
            '200': {
              description: 'NDJSON or CSV (formula-safe cells)',
              content: {
                'application/x-ndjson': { schema: { type: 'string' } },
                'text/csv': { schema: { type: 'string' } },
              },
            },
            ...errors,
          },
        },
      },
      '/v1/timeline': {
        get: {
          summary:
            'Events of a session, or of a user and/or host, oldest first, with first-seen annotations (scope read)',
          parameters: [
            { name: 'session', in: 'query', schema: { type: 'string' } },
            { name: 'user', in: 'query', schema: { type: 'string' } },
            { name: 'host', in: 'query', schema: { type: 'string' } },
            searchParams[1]!,
            searchParams[2]!,
            { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 10000 } },
          ],
          responses: {
            '200': {
              description: 'Events; annotations: first_login_to_host, first_ip_for_user',
              content: json({
                type: 'object',
                properties: { events: { type: 'array', items: ref('AuditEvent') } },
              }),
            },
            ...errors,
          },
        },
      },
      '/v1/pivot': {
        get: {
          summary: 'Users and hosts seen with an IP or CIDR block (source.ip, related.*) (scope read)',
          parameters: [
            { name: 'ip', in: 'query', required: true, schema: { type: 'string' } },
            searchParams[1]!,
            searchParams[2]!,
            { name: 'top', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1000 } },
          ],
          responses: {
            '200': { description: '{ip, events, users, hosts}', content: json({ type: 'object' }) },
            ...errors,
          },
        },
      },
      '/v1/first-seen': {
        get: {
          summary:
            "A user's first successful login (to a host) and when each source IP was first seen (scope read)",
          parameters: [
            { name: 'user', in: 'query', required: true, schema: { type: 'string' } },
            { name: 'host', in: 'query', schema: { type: 'string' } },
          ],
          responses: {
            '200': { description: '{user, host, first_login, ips}', content: json({ type: 'object' }) },
            ...errors,
          },
        },
      },
      '/v1/events/{seq}/around': {
        get: {
          summary: 'Events on the same host within ± N minutes of an event, oldest first (scope read)',
          parameters: [
            seqParam,
            { name: 'minutes', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1440 } },
            { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 10000 } },
          ],
          responses: {
            '200': {
              description: '{event, events}',
              content: json({
                type: 'object',
                properties: { event: ref('AuditEvent'), events: { type: 'array', items: ref('AuditEvent') } },
              }),
            },
            '404': error,
            ...errors,
          },
        },
      },
      '/v1/alerts': {
        get: {
          summary: 'Alerts, newest first (scope read)',
          parameters: [
            {
              name: 'status',
              in: 'query',
              schema: { type: 'string', enum: ['open', 'acknowledged', 'closed'] },
            },
            { name: 'rule', in: 'query', schema: { type: 'string' }, description: 'Rule id or title' },
            {
              name: 'level',
              in: 'query',
              schema: { type: 'string', enum: ['informational', 'low', 'medium', 'high', 'critical'] },
            },
            { name: 'since', in: 'query', schema: { type: 'string' }, description: 'RFC 3339 or now-24h' },
            { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1000 } },
            { name: 'cursor', in: 'query', schema: { type: 'string' } },
          ],
          responses: {
            '200': {
              description: 'A page of alerts',
              content: json({
                type: 'object',
                properties: {
                  alerts: { type: 'array', items: ref('Alert') },
                  next_cursor: { type: ['string', 'null'] },
                },
              }),
            },
            ...errors,
          },
        },
      },
      '/v1/alerts/{id}': {
        get: {
          summary: 'One alert with the seqs of its events (scope read)',
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'integer' } }],
          responses: {
            '200': { description: 'The alert', content: json(ref('Alert')) },
            '404': error,
            ...errors,
          },
        },
        patch: {
          summary: 'Change status or suppress (scope admin)',
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'integer' } }],
          requestBody: {
            content: json({
              type: 'object',
              properties: {
                status: { type: 'string', enum: ['open', 'acknowledged', 'closed'] },
                suppress_for: { type: 'string', description: 'A duration like 24h' },
                suppress_all_groups: { type: 'boolean' },
              },
            }),
          },
          responses: {
            '200': { description: 'The alert', content: json(ref('Alert')) },
            '404': error,
            ...errors,
          },
        },
      },
      '/v1/alerts/suppressions': {
        get: {
          summary: 'Active suppressions (scope read)',
          responses: { '200': { description: 'Suppressions' }, ...errors },
        },
        post: {
          summary: 'Suppress a rule, or a rule and group, for a time (scope admin)',
          responses: { '200': { description: 'Stored' }, ...errors },
        },
      },
      '/v1/status': {
        get: {
          summary:
            'Ledger size and latest checkpoint, the last scheduled verification, witness state (scope read)',
          responses: { '200': { description: 'Status', content: json({ type: 'object' }) }, ...errors },
        },
      },
      '/v1/erasure': {
        post: {
          summary: "Erase a person's personal data; proofs stay valid (scope admin)",
          requestBody: {
            content: json({
              type: 'object',
              required: ['user'],
              properties: { user: { type: 'string' }, ips: { type: 'array', items: { type: 'string' } } },
            }),
          },
          responses: {
            '200': {
              description: 'What was erased',
              content: json({
                type: 'object',
                properties: {
                  events: { type: 'integer' },
                  firstSeq: { type: ['integer', 'null'] },
                  lastSeq: { type: ['integer', 'null'] },
                  ips: { type: 'integer' },
                },
              }),
            },
            ...errors,
          },
        },
      },
      '/v1/retention/run': {
        post: {
          summary:
            'Expire the events past their retention period now; dry_run=true only counts (scope admin)',
          parameters: [{ name: 'dry_run', in: 'query', schema: { type: 'boolean' } }],
          responses: { '200': { description: 'The run: expired, held, ranges, rules, records' }, ...errors },
        },
      },
      '/v1/holds': {
        get: {
          summary: 'Legal holds (scope read)',
          responses: { '200': { description: '{"holds": [...]}' }, ...errors },
        },
        post: {
          summary: 'Place a legal hold on a query and/or time range; recorded in the ledger (scope admin)',
          requestBody: {
            content: json({
              type: 'object',
              required: ['reason'],
              properties: {
                query: { type: 'string' },
                from: { type: 'string' },
                to: { type: 'string' },
                reason: { type: 'string' },
              },
            }),
          },
          responses: { '201': { description: 'The hold' }, ...errors },
        },
      },
      '/v1/holds/{id}': {
        delete: {
          summary: 'Release a legal hold; recorded in the ledger (scope admin)',
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          responses: { '200': { description: 'The released hold' }, ...errors },
        },
      },
      '/v1/subject-access': {
        get: {
          summary:
            'Every event about one person (GDPR art. 15), JSON or CSV; recorded in the ledger (scope admin)',
          parameters: [
            { name: 'user', in: 'query', required: true, schema: { type: 'string' } },
            { name: 'format', in: 'query', schema: { type: 'string', enum: ['json', 'csv'] } },
          ],
          responses: { '200': { description: '{"summary", "events"}, or CSV' }, ...errors },
        },
      },
      '/v1/k8s/audit': {
        post: {
          summary: 'Kubernetes audit webhook backend: an audit.k8s.io/v1 EventList (scope ingest)',
          requestBody: {
            content: json({
              type: 'object',
              properties: { kind: { const: 'EventList' }, items: { type: 'array' } },
            }),
          },
          responses: { '200': { description: 'Stored', content: json(ref('IngestReply')) }, ...errors },
        },
      },
      '/healthz': { get: { summary: 'Liveness', security: [], responses: { '200': { description: 'OK' } } } },
      '/metrics': {
        get: {
          summary: 'Prometheus metrics',
          security: [],
          responses: { '200': { description: 'Metrics' } },
        },
      },
    },
  };
}
