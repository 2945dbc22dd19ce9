// Alert sinks from configuration (`sinks:` in the config file), validated at start-up: a bad value
// is named as `sinks[i].field`.

import os from 'node:os';
import { ConfigError } from '../core/errors.js';
import type { AlertSink } from './sink.js';
import { createSmtpSink } from './smtp-sink.js';
import { createStdoutSink } from './stdout-sink.js';
import { createSyslogSink } from './syslog-sink.js';
import { createWebhookSink } from './webhook-sink.js';

export { alertMessage, alertSummary, type AlertMessage, type AlertSink } from './sink.js';
export { createDispatcher, type Dispatcher, type DispatcherOptions } from './dispatcher.js';

export const SINK_TYPES = ['webhook', 'slack', 'syslog', 'email', 'stdout'] as const;

export type SinkConfig = { type: string; name?: string; max_attempts?: number } & Record<string, unknown>;

export interface ConfiguredSink {
  sink: AlertSink;
  maxAttempts: number;
}

function field(i: number, name: string, message: string): ConfigError {
  return new ConfigError(`invalid configuration: sinks[${i}].${name}: ${message}`);
}

function str(c: SinkConfig, i: number, name: string, required: true): string;
function str(c: SinkConfig, i: number, name: string, required?: false): string | undefined;
function str(c: SinkConfig, i: number, name: string, required = false): string | undefined {
  const v = c[name];
  if (v === undefined && !required) return undefined;
  if (typeof v !== 'string' || v === '')
    throw field(i, name, required && v === undefined ? 'required' : 'must be a non-empty string');
  return v;
}

function httpUrl(c: SinkConfig, i: number): string {
  const url = str(c, i, 'url', true);
  if (!/^https?:\/\//.test(url)) throw field(i, 'url', `'${url}' is not an http(s) URL`);
  return url;
}

function secretFrom(c: SinkConfig, i: number, key: string, env: NodeJS.ProcessEnv): string | undefined {
  const name = str(c, i, key);
  if (name === undefined) return undefined;
  const value = env[name];
  if (value === undefined || value === '') throw field(i, key, `environment variable ${name} is not set`);
  return value;
}

function hostPort(c: SinkConfig, i: number, defaultPort: number): { host: string; port: number } {
  const host = str(c, i, 'host', true);
  const port = c.port ?? defaultPort;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535)
    throw field(i, 'port', 'must be a port number (1-65535)');
  return { host, port };
}

const EMAIL = /^[^\s<>@]+@[^\s<>@]+$/;

/** Builds the configured sinks; names default to `<type>-<index>` and must be unique. */
export function createSinks(
  configs: readonly SinkConfig[],
  env: NodeJS.ProcessEnv = process.env,
): ConfiguredSink[] {
  const names = new Set<string>();
  return configs.map((c, i) => {
    const name = c.name ?? `${c.type}-${i}`;
    if (typeof name !== 'string' || names.has(name))
      throw field(i, 'name', `'${String(name)}' is used twice`);
    names.add(name);
    const maxAttempts = c.max_attempts ?? 8;
    if (!Number.isInteger(maxAttempts) || maxAttempts < 1)
      throw field(i, 'max_attempts', 'must be a positive integer');
    return { sink: build(c, i, name, env), maxAttempts };
  });
}

function build(c: SinkConfig, i: number, name: string, env: NodeJS.ProcessEnv): AlertSink {
  switch (c.type) {
    case 'webhook': {
      const secret = secretFrom(c, i, 'secret_env', env);
      return createWebhookSink({ name, url: httpUrl(c, i), ...(secret === undefined ? {} : { secret }) });
    }
    case 'slack':
      return createWebhookSink({ name, url: httpUrl(c, i), format: 'slack' });
    case 'syslog': {
      const protocol = c.protocol ?? 'udp';
      if (protocol !== 'udp' && protocol !== 'tcp') throw field(i, 'protocol', "must be 'udp' or 'tcp'");
      return createSyslogSink({ name, protocol, ...hostPort(c, i, 514), hostname: os.hostname() });
    }
    case 'email': {
      const from = str(c, i, 'from', true);
      if (!EMAIL.test(from)) throw field(i, 'from', `'${from}' is not an e-mail address`);
      const to = c.to;
      if (!Array.isArray(to) || to.length === 0 || !to.every((t) => typeof t === 'string' && EMAIL.test(t)))
        throw field(i, 'to', 'must be a list of e-mail addresses');
      const username = str(c, i, 'username');
      const password = secretFrom(c, i, 'password_env', env);
      return createSmtpSink({
        name,
        ...hostPort(c, i, 25),
        from,
        to: to as string[],
        starttls: c.starttls !== false,
        rejectUnauthorized: c.tls_verify !== false,
        ...(username === undefined ? {} : { username }),
        ...(password === undefined ? {} : { password }),
      });
    }
    case 'stdout':
      return createStdoutSink(name);
    default:
      throw field(i, 'type', `unknown sink type '${String(c.type)}' (expected ${SINK_TYPES.join(', ')})`);
  }
}
