// What each compliance report section counts, and which controls it serves. Each section's events
// are selected by a query in Stele's own language, printed in the report, so an auditor can run the
// same query (stele query --count) and get the same numbers.

import { ValidationError } from '../core/errors.js';

export const REPORT_TYPES = [
  'access-review',
  'failed-access',
  'privileged',
  'accounts',
  'integrity',
  'alerts',
] as const;
export type ReportType = (typeof REPORT_TYPES)[number];

export interface SectionSpec {
  type: ReportType;
  title: string;
  purpose: string;
  controls: string[];
  /** The events the section is about; undefined for sections not computed from events. */
  query?: string;
  /** Group counts shown as tables: fields to group by. */
  groupings?: Array<{ title: string; by: string[] }>;
}

const ACCESS_ACTIONS = [
  'ssh.login',
  'su.switch',
  'console.login',
  'ftp.login',
  'user.login',
  'db.connect',
  'cloud.console_login',
  'cloud.root_login',
  'cloud.assume_role',
  'k8s.exec',
  'k8s.attach',
  'k8s.portforward',
];

export const SECTIONS: Record<ReportType, SectionSpec> = {
  'access-review': {
    type: 'access-review',
    title: 'Access review',
    purpose:
      'Who reached which systems: every successful login, session or remote command by identity and system.',
    controls: [
      'SOC 2 CC6.1',
      'SOC 2 CC6.2',
      'SOC 2 CC6.3',
      'PCI DSS 10.2.1',
      'PCI DSS 10.2.1.1',
      'PCI DSS 10.2.2',
      'HIPAA 164.312(b)',
      'ISO 27001 A.8.15',
    ],
    query: `outcome:success AND action:(${ACCESS_ACTIONS.join(' OR ')})`,
    groupings: [
      { title: 'Access by identity and system', by: ['user.name', 'host.name', 'event.dataset'] },
      { title: 'Access by method', by: ['event.action'] },
    ],
  },
  'failed-access': {
    type: 'failed-access',
    title: 'Failed access',
    purpose: 'Invalid logical access attempts: refused logins, unknown accounts, failed authentications.',
    controls: [
      'SOC 2 CC6.1',
      'SOC 2 CC7.2',
      'PCI DSS 10.2.1.4',
      'PCI DSS 10.2.2',
      'HIPAA 164.312(b)',
      'ISO 27001 A.8.15',
      'ISO 27001 A.8.16',
    ],
    query: 'outcome:failure AND event.category:authentication',
    groupings: [
      { title: 'Failures by account', by: ['user.name'] },
      { title: 'Failures by source address', by: ['source.ip'] },
      { title: 'Failures by system and kind', by: ['host.name', 'event.action'] },
    ],
  },
  privileged: {
    type: 'privileged',
    title: 'Privileged actions',
    purpose:
      'Actions with administrative privilege: sudo and su, root activity, database and IAM role changes, Kubernetes cluster-admin and RBAC, cloud root sign-ins.',
    controls: [
      'SOC 2 CC6.1',
      'SOC 2 CC6.3',
      'PCI DSS 10.2.1.2',
      'PCI DSS 10.2.2',
      'HIPAA 164.312(b)',
      'ISO 27001 A.8.15',
    ],
    query:
      'action:(sudo.exec OR su.switch OR cloud.root_login OR db.privilege_change OR db.role_change OR user.role_change) OR ' +
      'user.name:root OR user.effective.name:root OR action:k8s.clusterrole.* OR action:k8s.clusterrolebinding.* OR "cluster-admin"',
    groupings: [
      { title: 'Privileged actions by identity', by: ['user.name', 'user.effective.name'] },
      { title: 'Privileged actions by kind and outcome', by: ['event.action', 'event.outcome'] },
    ],
  },
  accounts: {
    type: 'accounts',
    title: 'Account and group changes',
    purpose:
      'Creation, change and removal of accounts, groups, roles and credentials (identity and access management).',
    controls: [
      'SOC 2 CC6.2',
      'SOC 2 CC6.3',
      'PCI DSS 10.2.1.5',
      'PCI DSS 10.2.2',
      'HIPAA 164.312(b)',
      'ISO 27001 A.8.15',
    ],
    query: 'event.category:iam',
    groupings: [
      { title: 'Changes by kind', by: ['event.action', 'event.outcome'] },
      { title: 'Changes by who made them and to whom', by: ['user.name', 'user.target.name'] },
    ],
  },
  integrity: {
    type: 'integrity',
    title: 'Audit-log integrity',
    purpose:
      'That the audit trail itself is complete and unaltered: signed checkpoints, the verification of the whole ledger, witnesses, retention and legal holds, and Stele’s own records.',
    controls: [
      'SOC 2 CC7.2',
      'PCI DSS 10.3',
      'PCI DSS 10.5',
      'PCI DSS 10.7',
      'HIPAA 164.312(b)',
      'ISO 27001 A.8.15',
    ],
    query: 'event.dataset:stele',
    groupings: [{ title: 'Stele’s own records', by: ['event.action', 'event.outcome'] }],
  },
  alerts: {
    type: 'alerts',
    title: 'Alert handling',
    purpose:
      'Alerts raised on suspicious access and how they were handled: open, acknowledged, closed, time to respond.',
    controls: ['SOC 2 CC7.2', 'PCI DSS 10.4', 'PCI DSS 10.7', 'ISO 27001 A.8.16'],
  },
};

export function parseReportTypes(type: string): ReportType[] {
  if (type === 'all') return [...REPORT_TYPES];
  if ((REPORT_TYPES as readonly string[]).includes(type)) return [type as ReportType];
  throw new ValidationError(`unknown report type '${type}' (${[...REPORT_TYPES, 'all'].join(', ')})`);
}
