// `stele alerts`: list stored alerts; `stele alerts ack|close ID` changes their status.

import type { Command } from 'commander';
import { systemClock } from '../../core/clock.js';
import { SteleError } from '../../core/errors.js';
import { alertJson } from '../../detect/alert-view.js';
import { openStore } from '../../store/open.js';
import { isAlertStore, type AlertRecord, type AlertStore, type Store } from '../../store/store.js';
import { table } from '../output.js';
import { addTargetOptions, resolveTarget, type TargetFlags } from '../target.js';

type AlertJson = ReturnType<typeof alertJson>;

interface ListFlags extends TargetFlags {
  status?: string;
  rule?: string;
  level?: string;
  since?: string;
  limit: string;
  json?: boolean;
}

export function registerAlerts(program: Command): void {
  const alerts = program.command('alerts').description('list alerts and change their status');
  addTargetOptions(
    alerts
      .command('list', { isDefault: true })
      .description('list alerts, newest first')
      .option('--status <status>', 'open, acknowledged or closed')
      .option('--rule <rule>', 'rule id or title')
      .option('--level <level>', 'informational, low, medium, high or critical')
      .option('--since <time>', 'updated since (RFC 3339 or now-24h)')
      .option('--limit <n>', 'most alerts to print', '100')
      .option('--json', 'print JSON'),
  ).action(async (flags: ListFlags) => {
    const params = new URLSearchParams({ limit: flags.limit });
    for (const key of ['status', 'rule', 'level', 'since'] as const) {
      const value = flags[key];
      if (value !== undefined) params.set(key, value);
    }
    const target = resolveTarget(flags);
    let list: AlertJson[];
    if (target.kind === 'server') {
      list = (await target.client.json<{ alerts: AlertJson[] }>('GET', `/v1/alerts?${params}`)).alerts;
    } else {
      list = await withAlertStore(target.config, async (store) => {
        const limit = Number(flags.limit);
        if (!Number.isInteger(limit) || limit < 1)
          throw new SteleError('validation', '--limit must be a positive integer');
        const since = flags.since === undefined ? undefined : Date.parse(flags.since);
        if (since !== undefined && Number.isNaN(since))
          throw new SteleError('validation', `--since: '${flags.since}' is not RFC 3339`);
        const records = await store.listAlerts({
          limit,
          ...(flags.status ? { status: flags.status } : {}),
          ...(flags.rule ? { rule: flags.rule } : {}),
          ...(flags.level ? { level: flags.level } : {}),
          ...(since !== undefined ? { since } : {}),
        });
        return records.map(alertJson);
      });
    }
    if (flags.json) {
      process.stdout.write(JSON.stringify(list) + '\n');
      return;
    }
    process.stdout.write(
      table(
        ['id', 'level', 'status', 'count', 'rule', 'group', 'last event'],
        list.map((a) => [a.id, a.rule.level, a.status, a.count, a.rule.title, a.group, a.last_time]),
      ),
    );
  });
  for (const [name, status] of [
    ['ack', 'acknowledged'],
    ['close', 'closed'],
    ['reopen', 'open'],
  ] as const) {
    addTargetOptions(
      alerts
        .command(name)
        .description(`mark an alert ${status}`)
        .argument('<id>', 'alert id')
        .option('--json', 'print the alert as JSON'),
    ).action(async (id: string, flags: TargetFlags & { json?: boolean }) => {
      if (!/^\d{1,15}$/.test(id)) throw new SteleError('validation', `'${id}' is not an alert id`);
      const target = resolveTarget(flags);
      const alert =
        target.kind === 'server'
          ? await target.client.json<AlertJson>('PATCH', `/v1/alerts/${id}`, JSON.stringify({ status }), {
              'content-type': 'application/json',
            })
          : await withAlertStore(target.config, async (store) => {
              const updated = await store.updateAlertStatus(
                Number(id),
                status as AlertRecord['status'],
                systemClock.now(),
              );
              if (!updated) throw new SteleError('not_found', `no alert with id ${id}`);
              return alertJson(updated);
            });
      process.stdout.write(
        flags.json ? JSON.stringify(alert) + '\n' : `alert ${alert.id} is ${alert.status}\n`,
      );
    });
  }
}

async function withAlertStore<T>(
  target: Parameters<typeof openStore>[0],
  fn: (store: AlertStore & Store) => Promise<T>,
): Promise<T> {
  const store = await openStore(target);
  try {
    if (!isAlertStore(store))
      throw new SteleError('unsupported', `alerts are not stored by the ${store.dialect} store`);
    return await fn(store);
  } finally {
    await store.close();
  }
}
