// Field names offered by the query bar's completion and the column chooser: the event schema of
// DESIGN.md, the query language's aliases, and whatever fields the loaded events carry.

import { flatten } from './format';

export const SCHEMA_FIELDS = [
  '@timestamp',
  'event.action',
  'event.outcome',
  'event.category',
  'event.type',
  'event.reason',
  'event.dataset',
  'event.original',
  'message',
  'user.name',
  'user.id',
  'user.domain',
  'user.effective.name',
  'user.target.name',
  'source.ip',
  'source.port',
  'source.address',
  'host.name',
  'host.ip',
  'process.name',
  'process.pid',
  'process.command_line',
  'service.type',
  'service.name',
  'cloud.provider',
  'cloud.account.id',
  'cloud.region',
  'orchestrator.namespace',
  'orchestrator.resource.type',
  'orchestrator.resource.name',
  'session.id',
  'related.user',
  'related.ip',
  'related.hosts',
  'stele.seq',
  'stele.received',
  'stele.source',
];

/** Short names of docs/query-language.md. */
export const ALIASES = ['user', 'ip', 'action', 'outcome', 'host', 'dataset', 'seq', 'session', '_exists_'];

export const DEFAULT_COLUMNS = [
  '@timestamp',
  'event.action',
  'event.outcome',
  'user.name',
  'host.name',
  'source.ip',
  'message',
];

export function fieldsOf(events: readonly unknown[]): string[] {
  const seen = new Set<string>(SCHEMA_FIELDS);
  for (const e of events.slice(0, 200)) for (const [name] of flatten(e)) seen.add(name);
  return [...seen].sort();
}
