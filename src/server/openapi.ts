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
