// Configuration: one YAML file, every key overridable by a STELE_* environment variable, then by
// command-line flags. Validated once at start-up; a bad or unknown key is named in the error.

import fs from 'node:fs';
import { Type, type Static } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from '../core/errors.js';

const HostPort = Type.String({ pattern: '^(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9.-]+):[0-9]{1,5}$' });

const SourceSchema = Type.Union([
  Type.Object(
    {
      type: Type.Literal('syslog'),
      protocol: Type.Union([Type.Literal('tcp'), Type.Literal('udp'), Type.Literal('tls')]),
      listen: HostPort,
      format: Type.Optional(Type.String()),
      tls: Type.Optional(
        Type.Object({ cert: Type.String(), key: Type.String(), ca: Type.Optional(Type.String()) }),
      ),
      max_connections: Type.Optional(Type.Integer({ minimum: 1 })),
      max_frame_size: Type.Optional(Type.Integer({ minimum: 256 })),
      idle_timeout_ms: Type.Optional(Type.Integer({ minimum: 100 })),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      type: Type.Literal('file'),
      path: Type.String({ minLength: 1 }),
      format: Type.Optional(Type.String()),
      max_line_bytes: Type.Optional(Type.Integer({ minimum: 256 })),
      poll_interval_ms: Type.Optional(Type.Integer({ minimum: 10 })),
    },
    { additionalProperties: false },
  ),
  Type.Object({ type: Type.Literal('k8s-audit') }, { additionalProperties: false }),
]);

const SinkSchema = Type.Object(
  {
    type: Type.String({ minLength: 1 }),
    url: Type.Optional(Type.String()),
    secret_env: Type.Optional(Type.String()),
  },
  { additionalProperties: true },
);

export const ConfigSchema = Type.Object(
  {
    listen: HostPort,
    data: Type.String({ minLength: 1 }),
    db: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })),
    /** PostgreSQL schema for Stele's tables (else ?schema= in db, else public). */
    db_schema: Type.Optional(Type.String({ pattern: '^[a-z_][a-z0-9_]{0,62}$' })),
    sources: Type.Array(SourceSchema),
    rules: Type.Array(Type.String()),
    sinks: Type.Array(SinkSchema),
    detection: Type.Optional(
      Type.Object(
        {
          working_hours: Type.Optional(
            Type.Object(
              {
                days: Type.Array(Type.Integer({ minimum: 1, maximum: 7 })),
                start: Type.String({ pattern: '^\\d{2}:\\d{2}$' }),
                end: Type.String({ pattern: '^\\d{2}:\\d{2}$' }),
              },
              { additionalProperties: false },
            ),
          ),
          // Values of `%name%` placeholders in the rules' `|expand` values (Sigma "Placeholders").
          placeholders: Type.Optional(
            Type.Record(
              Type.String({ minLength: 1 }),
              Type.Union([Type.String(), Type.Array(Type.String(), { minItems: 1 })]),
            ),
          ),
          dedup_window_ms: Type.Optional(Type.Integer({ minimum: 0 })),
          warmup_events: Type.Optional(Type.Integer({ minimum: 0 })),
          suppress: Type.Optional(
            Type.Array(
              Type.Object(
                {
                  rule: Type.String({ minLength: 1 }),
                  group: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
                  until: Type.Optional(Type.String({ minLength: 1 })),
                },
                { additionalProperties: false },
              ),
            ),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    timezone: Type.String({ minLength: 1 }),
    ledger: Type.Object(
      {
        origin: Type.Optional(Type.String({ minLength: 1, pattern: '^[^\\s+]+$' })),
        key_file: Type.Optional(Type.String({ minLength: 1 })),
        checkpoint_interval_ms: Type.Integer({ minimum: 50, maximum: 60_000 }),
        personal_fields: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
        // How often `stele serve` verifies the whole ledger and records the result: a duration
        // like 24h or 30m, or 0 to turn it off.
        verify_every: Type.Optional(Type.String({ pattern: '^(0|[1-9][0-9]*(s|m|h|d))$' })),
        witnesses: Type.Optional(
          Type.Array(
            Type.Union([
              Type.Object(
                { type: Type.Literal('file'), path: Type.String({ minLength: 1 }) },
                { additionalProperties: false },
              ),
              Type.Object(
                {
                  type: Type.Literal('url'),
                  url: Type.String({ pattern: '^https?://' }),
                  token_env: Type.Optional(Type.String()),
                },
                { additionalProperties: false },
              ),
            ]),
          ),
        ),
      },
      { additionalProperties: false },
    ),
    /** Retention per dataset or category (docs/compliance.md); an entry with neither is the default. */
    retention: Type.Optional(
      Type.Array(
        Type.Object(
          {
            dataset: Type.Optional(Type.String({ minLength: 1 })),
            category: Type.Optional(Type.String({ minLength: 1 })),
            keep: Type.String({ pattern: '^\\d{1,5}(h|d|mo|y)$' }),
            online: Type.Optional(Type.String({ pattern: '^\\d{1,5}(h|d|mo|y)$' })),
          },
          { additionalProperties: false },
        ),
      ),
    ),
    /** Keyed pseudonymization of fields at ingest (docs/compliance.md). */
    pseudonymize: Type.Optional(
      Type.Object(
        {
          fields: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }),
          key_file: Type.String({ minLength: 1 }),
        },
        { additionalProperties: false },
      ),
    ),
    /** Compliance reports written on a schedule by stele serve (docs/compliance.md). */
    reports: Type.Optional(
      Type.Array(
        Type.Object(
          {
            type: Type.Union(
              ['access-review', 'failed-access', 'privileged', 'accounts', 'integrity', 'alerts', 'all'].map(
                (t) => Type.Literal(t),
              ),
            ),
            every: Type.String({ pattern: '^\\d{1,5}(h|d)$' }),
            format: Type.Union([Type.Literal('html'), Type.Literal('pdf'), Type.Literal('csv')]),
            out_dir: Type.String({ minLength: 1 }),
          },
          { additionalProperties: false },
        ),
      ),
    ),
    /** Search and export (docs/search.md). */
    search: Type.Optional(
      Type.Object(
        {
          /** Worker threads writing the pages of long exports; default: the cores, at most 4. */
          export_readers: Type.Optional(Type.Integer({ minimum: 0, maximum: 64 })),
        },
        { additionalProperties: false },
      ),
    ),
    limits: Type.Object(
      {
        max_body_bytes: Type.Integer({ minimum: 1024 }),
        max_events_per_request: Type.Integer({ minimum: 1 }),
        max_batch_events: Type.Integer({ minimum: 1 }),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

export type Config = Static<typeof ConfigSchema>;

export const DEFAULT_CONFIG: Config = {
  listen: '127.0.0.1:8080',
  data: './stele-data',
  sources: [],
  rules: [],
  sinks: [],
  timezone: 'UTC',
  ledger: { checkpoint_interval_ms: 1000 },
  limits: { max_body_bytes: 16 * 1024 * 1024, max_events_per_request: 100_000, max_batch_events: 10_000 },
};

const checker = TypeCompiler.Compile(ConfigSchema);

type Tree = Record<string, unknown>;

function isTree(v: unknown): v is Tree {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function merge(base: Tree, over: Tree): Tree {
  const out: Tree = { ...base };
  for (const [k, v] of Object.entries(over)) {
    out[k] = isTree(v) && isTree(out[k]) ? merge(out[k] as Tree, v) : v;
  }
  return out;
}

/** STELE_ variables that are not configuration keys: the CLI's token, debugging, the test suite. */
const NOT_CONFIG = new Set(['STELE_TOKEN', 'STELE_DEBUG', 'STELE_REQUIRE_PG']);

/**
 * STELE_LISTEN=..., STELE_LEDGER__KEY_FILE=... : a double underscore descends one level, a single
 * one stays part of the key. Values are read as YAML, so lists and numbers can be given.
 */
export function envOverrides(env: NodeJS.ProcessEnv): Tree {
  const out: Tree = {};
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith('STELE_') || raw === undefined) continue;
    if (name.startsWith('STELE_TEST_') || NOT_CONFIG.has(name)) continue;
    const path = name.slice(6).toLowerCase().split('__');
    let node = out;
    for (const key of path.slice(0, -1)) node = (node[key] = isTree(node[key]) ? node[key] : {}) as Tree;
    node[path.at(-1)!] = parseEnvValue(raw);
  }
  return out;
}

function parseEnvValue(raw: string): unknown {
  try {
    const v: unknown = parseYaml(raw);
    return v === null ? raw : v;
  } catch {
    return raw;
  }
}

export interface LoadConfigOptions {
  file?: string;
  env?: NodeJS.ProcessEnv;
  /** Flags given on the command line, highest precedence. */
  overrides?: Tree;
}

export function loadConfig(options: LoadConfigOptions = {}): Config {
  let fromFile: Tree = {};
  if (options.file) {
    let text: string;
    try {
      text = fs.readFileSync(options.file, 'utf8');
    } catch (err) {
      throw new ConfigError(`cannot read config file ${options.file}: ${(err as Error).message}`);
    }
    try {
      const parsed: unknown = parseYaml(text);
      if (parsed !== null && parsed !== undefined && !isTree(parsed)) {
        throw new ConfigError(`${options.file}: the top level must be a mapping of keys`);
      }
      fromFile = (parsed as Tree | null) ?? {};
    } catch (err) {
      if (err instanceof ConfigError) throw err;
      throw new ConfigError(`${options.file}: invalid YAML: ${(err as Error).message}`);
    }
  }
  const merged = [fromFile, envOverrides(options.env ?? {}), options.overrides ?? {}].reduce(
    (acc, layer) => merge(acc, layer),
    DEFAULT_CONFIG as unknown as Tree,
  );
  return validateConfig(merged);
}

export function validateConfig(value: unknown): Config {
  if (checker.Check(value)) return value;
  const details = [...checker.Errors(value)].slice(0, 10).map((e) => ({
    field: e.path.split('/').slice(1).join('.') || '(top level)',
    message: e.message,
  }));
  const unknown = unknownKeys(value as Tree);
  const first = unknown[0] ? { field: unknown[0], message: 'unknown key' } : details[0]!;
  throw new ConfigError(`invalid configuration: ${first.field}: ${first.message}`, { details });
}

/** Paths of keys the schema does not know, so a typo is named as such rather than as a type error. */
function unknownKeys(value: Tree): string[] {
  const known = ConfigSchema.properties as Record<string, { properties?: Record<string, unknown> }>;
  const out: string[] = [];
  for (const [k, v] of Object.entries(value)) {
    const schema = known[k];
    if (!schema) out.push(k);
    else if (schema.properties && isTree(v)) {
      for (const sub of Object.keys(v)) if (!(sub in schema.properties)) out.push(`${k}.${sub}`);
    }
  }
  return out;
}
