// The normalized audit event: the ECS subset of DESIGN.md, defined once. The TypeBox schema is at
// the same time the runtime validator, the TypeScript type (`AuditEvent`) and the OpenAPI schema.

import { Type, type Static, type TSchema } from '@sinclair/typebox';

/** Longest value of an ordinary string field, in characters. */
export const MAX_FIELD_CHARS = 8 * 1024;
/** Longest value of a free-text field (`message`, `event.original`, `process.command_line`). */
export const MAX_TEXT_CHARS = 64 * 1024;
/** The free-text fields, allowed MAX_TEXT_CHARS. */
export const FREE_TEXT_FIELDS: ReadonlySet<string> = new Set([
  'message',
  'event.original',
  'process.command_line',
]);
/** Deepest nesting of objects and arrays accepted inside one event. */
export const MAX_EVENT_DEPTH = 16;

const str = (description: string) => Type.String({ maxLength: MAX_FIELD_CHARS, description });
const text = (description: string) => Type.String({ maxLength: MAX_TEXT_CHARS, description });
const list = (description: string) =>
  Type.Array(Type.String({ maxLength: MAX_FIELD_CHARS }), { maxItems: 256, description });
const opt = <T extends TSchema>(schema: T) => Type.Optional(schema);
const port = (description: string) => Type.Integer({ minimum: 0, maximum: 65535, description });

export const OUTCOMES = ['success', 'failure', 'unknown'] as const;
export const CATEGORIES = [
  'authentication',
  'session',
  'iam',
  'process',
  'database',
  'configuration',
  'file',
  'network',
  'host',
  'web',
  'api',
] as const;
export const TYPES = [
  'start',
  'end',
  'creation',
  'deletion',
  'change',
  'access',
  'admin',
  'allowed',
  'denied',
  'info',
  'user',
  'group',
  'connection',
  'protocol',
  'error',
] as const;

const literals = <T extends readonly string[]>(values: T) => Type.Union(values.map((v) => Type.Literal(v)));
const oneOrMany = <T extends readonly string[]>(values: T, description: string) =>
  Type.Union([literals(values), Type.Array(literals(values), { maxItems: 16 })], { description });

const Identity = (who: string) =>
  Type.Object({
    name: opt(str(`${who}: user name`)),
    id: opt(str(`${who}: user id (uid, ARN, UID)`)),
    domain: opt(str(`${who}: domain, realm or account the identity belongs to`)),
    email: opt(str(`${who}: e-mail address`)),
  });

export const AuditEventSchema = Type.Object(
  {
    '@timestamp': Type.String({
      maxLength: 64,
      description: 'When it happened: RFC 3339; stored as UTC with milliseconds',
    }),
    message: opt(text('Human-readable summary')),
    event: opt(
      Type.Object({
        action: opt(str('What was done, in Stele vocabulary (ssh.login, sudo.exec, ...)')),
        outcome: opt(literals(OUTCOMES)),
        category: opt(oneOrMany(CATEGORIES, 'ECS event.category')),
        type: opt(oneOrMany(TYPES, 'ECS event.type')),
        reason: opt(str('Why it failed or was denied')),
        dataset: opt(str('Source format: linux.auth, auditd, k8s.audit, aws.cloudtrail, ...')),
        original: opt(text('The raw record')),
        kind: opt(str('ECS event.kind')),
        module: opt(str('ECS event.module')),
        severity: opt(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
        id: opt(str('Identifier the source gave the event')),
      }),
    ),
    user: opt(
      Type.Composite([
        Identity('actor'),
        Type.Object({
          effective: opt(Identity('identity acted as')),
          target: opt(Identity('identity acted upon')),
          roles: opt(list('Roles or groups of the actor')),
        }),
      ]),
    ),
    group: opt(Type.Object({ name: opt(str('Group name')), id: opt(str('Group id')) })),
    source: opt(
      Type.Object({
        ip: opt(str('Address the actor came from')),
        port: opt(port('Source port')),
        address: opt(str('Source address as given (IP or host name)')),
      }),
    ),
    destination: opt(
      Type.Object({
        ip: opt(str('Destination address')),
        port: opt(port('Destination port')),
        address: opt(str('Destination address as given')),
      }),
    ),
    host: opt(
      Type.Object({
        name: opt(str('Server the action happened on')),
        ip: opt(Type.Union([str('Server address'), list('Server addresses')])),
        hostname: opt(str('Host name as reported by the host')),
      }),
    ),
    process: opt(
      Type.Object({
        name: opt(str('Program name')),
        pid: opt(Type.Integer({ minimum: 0 })),
        command_line: opt(text('Full command line')),
        executable: opt(str('Path of the executable')),
        args: opt(list('Arguments')),
        working_directory: opt(str('Working directory')),
      }),
    ),
    service: opt(
      Type.Object({
        type: opt(str('Kind of service targeted (postgresql, kubernetes, aws)')),
        name: opt(str('Name of the service targeted')),
      }),
    ),
    cloud: opt(
      Type.Object({
        provider: opt(str('aws, gcp, azure, ...')),
        account: opt(Type.Object({ id: opt(str('Cloud account id')), name: opt(str('Account name')) })),
        region: opt(str('Cloud region')),
      }),
    ),
    orchestrator: opt(
      Type.Object({
        type: opt(str('kubernetes, ...')),
        cluster: opt(Type.Object({ name: opt(str('Cluster name')) })),
        namespace: opt(str('Namespace')),
        resource: opt(
          Type.Object({
            type: opt(str('Resource type (pods, secrets, ...)')),
            name: opt(str('Resource name')),
            subresource: opt(str('Subresource (exec, attach, ...)')),
          }),
        ),
      }),
    ),
    session: opt(Type.Object({ id: opt(str('Groups the events of one login session or connection')) })),
    related: opt(
      Type.Object({
        user: opt(list('Every user the event mentions')),
        ip: opt(list('Every IP the event mentions')),
        hosts: opt(list('Every host the event mentions')),
      }),
    ),
    tags: opt(list('Free-form tags')),
    labels: opt(Type.Record(Type.String({ maxLength: 256 }), Type.String({ maxLength: MAX_FIELD_CHARS }))),
    stele: opt(
      Type.Object({
        seq: opt(Type.Integer({ minimum: 0, description: 'Ledger index (set by Stele)' })),
        received: opt(Type.String({ description: 'Arrival time (set by Stele)' })),
        source: opt(str('Which source or API key sent it (set by Stele)')),
        producer: opt(
          Type.Object({
            id: str('The sender’s own id'),
            seq: Type.Integer({ minimum: 0, description: 'The sender’s sequence number' }),
          }),
        ),
      }),
    ),
  },
  {
    $id: 'AuditEvent',
    description: 'A normalized audit event (Elastic Common Schema names). Unknown fields are kept.',
  },
);

export type AuditEvent = Static<typeof AuditEventSchema>;
export type Outcome = (typeof OUTCOMES)[number];

/** An event after admission: Stele's own fields are set. */
export type StoredEvent = AuditEvent & {
  stele: NonNullable<AuditEvent['stele']> & { seq: number; received: string; source: string };
};
