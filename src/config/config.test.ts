import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../core/errors.js';
import { DEFAULT_CONFIG, envOverrides, loadConfig } from './config.js';

function file(text: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stele-config-'));
  const f = path.join(dir, 'stele.yaml');
  fs.writeFileSync(f, text);
  return f;
}

describe('loadConfig', () => {
  it('gives the documented defaults', () => {
    const c = loadConfig();
    expect(c.listen).toBe('127.0.0.1:8080');
    expect(c.data).toBe('./stele-data');
    expect(c).toEqual(DEFAULT_CONFIG);
  });

  it('layers file, then STELE_* environment, then flags', () => {
    const f = file('listen: 0.0.0.0:9000\ndata: /srv/stele\nledger:\n  checkpoint_interval_ms: 2000\n');
    const c = loadConfig({
      file: f,
      env: { STELE_DATA: '/env/data', STELE_LEDGER__CHECKPOINT_INTERVAL_MS: '500', HOME: '/root' },
      overrides: { listen: '127.0.0.1:1234' },
    });
    expect(c.listen).toBe('127.0.0.1:1234');
    expect(c.data).toBe('/env/data');
    expect(c.ledger.checkpoint_interval_ms).toBe(500);
  });

  it('reads sources from the file', () => {
    const f = file(
      'sources:\n  - { type: syslog, protocol: tcp, listen: 127.0.0.1:5514 }\n  - { type: file, path: /var/log/auth.log, format: linux-auth }\n',
    );
    expect(loadConfig({ file: f }).sources).toHaveLength(2);
  });

  it('names an unknown key', () => {
    const f = file('listen: 127.0.0.1:8080\nlsiten: oops\n');
    expect(() => loadConfig({ file: f })).toThrow(/lsiten: unknown key/);
    expect(() => loadConfig({ file: file('ledger:\n  kye_file: x\n') })).toThrow(
      /ledger\.kye_file: unknown key/,
    );
  });

  it('names a bad value', () => {
    expect(() => loadConfig({ file: file('listen: nowhere\n') })).toThrow(/listen/);
    expect(() => loadConfig({ env: { STELE_LEDGER__CHECKPOINT_INTERVAL_MS: 'soon' } })).toThrow(
      /ledger\.checkpoint_interval_ms/,
    );
    expect(() => loadConfig({ file: file('sources:\n  - { type: carrier-pigeon }\n') })).toThrow(ConfigError);
  });

  it('reads placeholder values for |expand, a string or a non-empty list each', () => {
    const c = loadConfig({
      file: file('detection:\n  placeholders:\n    admin_ips: [10.0.0.9, 10.0.0.10]\n    domain: corp\n'),
    });
    expect(c.detection?.placeholders).toEqual({ admin_ips: ['10.0.0.9', '10.0.0.10'], domain: 'corp' });
    expect(() => loadConfig({ file: file('detection:\n  placeholders:\n    admin_ips: []\n') })).toThrow(
      /detection\.placeholders\.admin_ips/,
    );
  });

  it('reports unreadable and non-YAML files', () => {
    expect(() => loadConfig({ file: '/nonexistent/stele.yaml' })).toThrow(/cannot read config file/);
    expect(() => loadConfig({ file: file('listen: [unclosed\n') })).toThrow(/invalid YAML/);
    expect(() => loadConfig({ file: file('- a list\n') })).toThrow(/mapping/);
  });

  it('ignores STELE_ variables that are not configuration', () => {
    expect(
      envOverrides({ STELE_TEST_PG_URL: 'postgres://x', STELE_REQUIRE_PG: '1', STELE_TOKEN: 't' }),
    ).toEqual({});
  });
});
