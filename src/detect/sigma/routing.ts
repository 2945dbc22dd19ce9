// Which events a rule sees. A rule's logsource (product/service/category, sigma-rules-specification.md
// "LogSource") is mapped to Stele datasets (`event.dataset`, DESIGN.md), and field names the rule
// uses from Sigma's taxonomy or a source's own schema are given fall-back paths.
//
// Policy:
// - an event whose dataset is in the table is checked only by the rules routed to that dataset;
// - an event whose dataset is not in the table is checked only by rules routed to no dataset;
// - an event without `event.dataset` cannot be placed, so every rule checks it (the logsource is
//   then the caller's responsibility, as in `stele detect` over hand-made NDJSON).

import type { LogSource } from './types.js';

export interface Route {
  product?: string;
  service?: string;
  category?: string;
  datasets: readonly string[];
}

export const DATASETS = [
  'linux.auth',
  'auditd',
  'k8s.audit',
  'aws.cloudtrail',
  'postgresql',
  'pgaudit',
  'mysql.audit',
  'syslog',
] as const;

/** A rule fits a route when product, service and category are each equal (absent = absent). */
export const DEFAULT_ROUTES: readonly Route[] = [
  { product: 'linux', service: 'auditd', datasets: ['auditd'] },
  // Sysmon-style linux categories: Stele observes process, file and socket activity through auditd.
  { product: 'linux', category: 'process_creation', datasets: ['auditd'] },
  { product: 'linux', category: 'file_event', datasets: ['auditd'] },
  { product: 'linux', category: 'network_connection', datasets: ['auditd'] },
  { product: 'linux', service: 'sshd', datasets: ['linux.auth'] },
  { product: 'linux', service: 'auth', datasets: ['linux.auth'] },
  { product: 'linux', service: 'sudo', datasets: ['linux.auth'] },
  { product: 'linux', service: 'su', datasets: ['linux.auth'] },
  { product: 'linux', service: 'login', datasets: ['linux.auth'] },
  { product: 'linux', service: 'pam', datasets: ['linux.auth'] },
  { product: 'linux', service: 'syslog', datasets: ['syslog', 'linux.auth'] },
  { product: 'linux', service: 'cron', datasets: ['syslog'] },
  { product: 'linux', service: 'vsftpd', datasets: ['syslog'] },
  { product: 'linux', service: 'clamav', datasets: ['syslog'] },
  { product: 'linux', service: 'guacamole', datasets: ['syslog'] },
  // Bare `product: linux` rules are keyword searches over log lines.
  { product: 'linux', datasets: ['linux.auth', 'syslog'] },
  { category: 'authentication', datasets: ['linux.auth'] },
  { product: 'aws', service: 'cloudtrail', datasets: ['aws.cloudtrail'] },
  { product: 'kubernetes', service: 'audit', datasets: ['k8s.audit'] },
  { product: 'kubernetes', service: 'audit', category: 'application', datasets: ['k8s.audit'] },
  { product: 'kubernetes', category: 'application', datasets: ['k8s.audit'] },
  { product: 'postgresql', datasets: ['postgresql', 'pgaudit'] },
  { product: 'postgresql', service: 'pgaudit', datasets: ['pgaudit'] },
  { product: 'mysql', datasets: ['mysql.audit'] },
  { product: 'mysql', service: 'audit', datasets: ['mysql.audit'] },
  { category: 'database', datasets: ['postgresql', 'pgaudit', 'mysql.audit'] },
];

export function routeLogsource(ls: LogSource, routes: readonly Route[] = DEFAULT_ROUTES): string[] {
  const out = new Set<string>();
  for (const r of routes) {
    if (r.product === ls.product && r.service === ls.service && r.category === ls.category) {
      for (const d of r.datasets) out.add(d);
    }
  }
  return [...out];
}

/** How `event.original` is read to expose a source's own field names. */
export type NativeFormat = 'json' | 'auditd' | 'kv';

export const NATIVE_FORMATS: Readonly<Record<string, NativeFormat>> = {
  'k8s.audit': 'json',
  'aws.cloudtrail': 'json',
  'mysql.audit': 'json',
  auditd: 'auditd',
  'linux.auth': 'kv',
  syslog: 'kv',
};

export interface FieldAliases {
  product?: string;
  service?: string;
  category?: string;
  /** Rule field -> paths tried, in order, when the event has no such field. */
  fields: Readonly<Record<string, readonly string[]>>;
}

const PROCESS_FIELDS: Record<string, readonly string[]> = {
  Image: ['process.executable', 'exe'],
  CommandLine: ['process.command_line', 'proctitle'],
  ParentImage: ['process.parent.executable'],
  ParentCommandLine: ['process.parent.command_line'],
  User: ['user.name'],
  CurrentDirectory: ['process.working_directory', 'cwd'],
  ProcessId: ['process.pid', 'pid'],
  ParentProcessId: ['process.parent.pid', 'ppid'],
  LogonId: ['session.id', 'ses'],
};

/**
 * Sigma taxonomy names -> ECS (and auditd) names for the linux categories, and the flattened
 * Kubernetes names some SigmaHQ rules use (`apiGroup`, `hostPath`, `capabilities`).
 */
export const DEFAULT_ALIASES: readonly FieldAliases[] = [
  { product: 'linux', category: 'process_creation', fields: PROCESS_FIELDS },
  {
    product: 'linux',
    category: 'file_event',
    fields: {
      TargetFilename: ['file.path', 'name'],
      Image: PROCESS_FIELDS.Image as string[],
      User: ['user.name'],
    },
  },
  {
    product: 'linux',
    category: 'network_connection',
    fields: {
      DestinationIp: ['destination.ip'],
      DestinationPort: ['destination.port'],
      DestinationHostname: ['destination.domain'],
      SourceIp: ['source.ip'],
      SourcePort: ['source.port'],
      Image: PROCESS_FIELDS.Image as string[],
      User: ['user.name'],
    },
  },
  {
    product: 'kubernetes',
    fields: {
      apiGroup: ['objectRef.apiGroup'],
      hostPath: ['requestObject.spec.volumes.hostPath', 'requestObject.spec.template.spec.volumes.hostPath'],
      capabilities: [
        'requestObject.spec.containers.securityContext.capabilities',
        'requestObject.spec.initContainers.securityContext.capabilities',
        'requestObject.spec.template.spec.containers.securityContext.capabilities',
      ],
      userAgent: ['user_agent.original'],
    },
  },
  { product: 'aws', service: 'cloudtrail', fields: { userAgent: ['user_agent.original'] } },
];

/** The alias table that applies to a rule: entries whose set keys all equal the rule's. */
export function aliasesFor(
  ls: LogSource,
  table: readonly FieldAliases[] = DEFAULT_ALIASES,
): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const a of table) {
    if (a.product !== undefined && a.product !== ls.product) continue;
    if (a.service !== undefined && a.service !== ls.service) continue;
    if (a.category !== undefined && a.category !== ls.category) continue;
    for (const [field, paths] of Object.entries(a.fields)) (out[field] ??= []).push(...paths);
  }
  return out;
}
