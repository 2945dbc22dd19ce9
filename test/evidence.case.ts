// Proofs, witnesses and evidence bundles end to end, against a real server and data directory: the
// JSON shapes of `stele proof` and `stele consistency` (DESIGN.md), a file witness receiving
// checkpoints, a witness checking consistency, and an evidence bundle that verifies offline and
// fails when any of its files is changed. Run on every database (evidence.test.ts).

import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCheckpoint, parseCheckpoint, signCheckpoint } from '../src/ledger/checkpoint.js';
import { verifyBundle } from '../src/ledger/evidence.js';
import { hashLeaf, verifyConsistency, verifyInclusion } from '../src/ledger/merkle.js';
import { createSignerKey, parseSignerKey, parseVerifierKey } from '../src/ledger/note.js';
import { verifierKeyOfSignerFile } from '../src/ledger/verify-key.js';
import type { BackendKind, TestBackend } from './helpers/backends.js';
import { sampleEvent, startTestServer, tempDir, type TestServer } from './helpers/server.js';

const BIN = path.resolve(import.meta.dirname, '..', 'bin', 'stele');

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI without blocking this process (the server under test lives in it). */
function stele(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ status: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr });
    });
  });
}

export function runEvidenceSuite(kind: BackendKind): void {
  let backend: TestBackend;
  let srv: TestServer;
  let witnessFile: string;
  let firstCheckpoint: string;
  let vkey: string;
  const ALICE = 12;

  async function latestCheckpoint(minSize: number): Promise<string> {
    for (let i = 0; i < 100; i++) {
      const res = await srv.get('/v1/checkpoint');
      const note = await res.text();
      if (
        res.status === 200 &&
        parseCheckpoint(note.slice(0, note.lastIndexOf('\n\n') + 1)).size >= minSize
      ) {
        return note;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`no checkpoint of size ${minSize}`);
  }

  async function post(events: Array<Record<string, unknown>>): Promise<void> {
    const res = await srv.post(JSON.stringify(events));
    expect(res.status).toBe(200);
  }

  beforeAll(async () => {
    witnessFile = path.join(tempDir('stele-witness-'), 'latest-checkpoint');
    backend = await kind.create();
    srv = await startTestServer({
      ...backend.target,
      ledger: { checkpoint_interval_ms: 100, witnesses: [{ type: 'file', path: witnessFile }] },
    });
    vkey = verifierKeyOfSignerFile(path.join(srv.dataDir, 'ledger.key')).text;
    await post(Array.from({ length: 5 }, () => sampleEvent()));
    firstCheckpoint = await latestCheckpoint(5);
    await post([
      ...Array.from({ length: ALICE - 5 }, () => sampleEvent()),
      ...Array.from({ length: 8 }, (_, i) =>
        sampleEvent({ user: { name: 'bob' }, source: { ip: `198.51.100.${i + 1}` }, host: { name: 'db-1' } }),
      ),
      sampleEvent({
        user: { name: 'zoe' },
        source: { ip: '192.0.2.99' },
        message: 'Accepted password for zoe',
      }),
    ]);
    const erased = await fetch(`${srv.url}/v1/erasure`, {
      method: 'POST',
      body: JSON.stringify({ user: 'zoe' }),
      headers: { authorization: `Bearer ${srv.token}`, 'content-type': 'application/json' },
    });
    expect(erased.status).toBe(200);
    await latestCheckpoint(ALICE + 8 + 1 + 1);
  });

  afterAll(async () => {
    await srv.close();
    await backend.dispose();
  });

  describe('stele proof and stele consistency (DESIGN.md JSON shapes)', () => {
    it('prints {"index","treeSize","entry","leafHash","hashes","checkpoint"}, the same locally and through a server', async () => {
      const viaServer = await stele('proof', '7', '--json', '--server', srv.url, '--token', srv.token);
      expect(viaServer.status).toBe(0);
      const proof = JSON.parse(viaServer.stdout) as Record<string, unknown>;
      expect(Object.keys(proof)).toEqual(['index', 'treeSize', 'entry', 'leafHash', 'hashes', 'checkpoint']);
      expect(proof.index).toBe(7);
      const entry = Buffer.from(proof.entry as string, 'base64');
      // The entry commits personal values: the name and address are not in it.
      expect(entry.toString()).toMatch(/"name":"hmac-sha256:[A-Za-z0-9+/]{43}="/);
      expect(entry.toString()).not.toContain('203.0.113.7');
      expect(hashLeaf(entry).toString('base64')).toBe(proof.leafHash);
      const checkpoint = parseCheckpoint((proof.checkpoint as string).split('\n\n')[0] + '\n');
      expect(checkpoint.size).toBe(proof.treeSize);
      const hashes = (proof.hashes as string[]).map((h) => Buffer.from(h, 'base64'));
      expect(verifyInclusion(hashLeaf(entry), 7, checkpoint.size, hashes, checkpoint.rootHash)).toEqual({
        ok: true,
      });

      const local = await stele('proof', '7', '--json', ...backend.flags, '--key', vkey);
      expect(local.status).toBe(0);
      // The same entry; the tree may have grown meanwhile (the server records events of its own).
      const localProof = JSON.parse(local.stdout) as Record<string, unknown>;
      expect([localProof.index, localProof.entry, localProof.leafHash]).toEqual([
        7,
        proof.entry,
        proof.leafHash,
      ]);
      expect(localProof.treeSize).toBeGreaterThanOrEqual(proof.treeSize as number);
    });

    it('prints {"oldSize","newSize","hashes"}, a proof that checks against two signed roots', async () => {
      const newest = await latestCheckpoint(1);
      const [older, newer] = [firstCheckpoint, newest].map((n) => parseCheckpoint(n.split('\n\n')[0] + '\n'));
      const run = await stele(
        'consistency',
        String(older!.size),
        String(newer!.size),
        '--json',
        '--server',
        srv.url,
        '--token',
        srv.token,
      );
      expect(run.status).toBe(0);
      const proof = JSON.parse(run.stdout) as { oldSize: number; newSize: number; hashes: string[] };
      expect(Object.keys(proof)).toEqual(['oldSize', 'newSize', 'hashes']);
      expect([proof.oldSize, proof.newSize]).toEqual([older!.size, newer!.size]);
      const hashes = proof.hashes.map((h) => Buffer.from(h, 'base64'));
      expect(verifyConsistency(older!.size, newer!.size, hashes, older!.rootHash, newer!.rootHash)).toEqual({
        ok: true,
      });
    });

    it('fails with exit 2 on a size beyond the latest checkpoint, 4 for a missing entry', async () => {
      const big = await stele('consistency', '1', '99999', '--server', srv.url, '--token', srv.token);
      expect(big.status).toBe(2);
      expect(big.stderr).toMatch(/^stele: server: need 0 <= old <= new <= \d+/);
      const missing = await stele('proof', '99999', ...backend.flags);
      expect(missing.status).toBe(4);
    });
  });

  describe('checkpoints and witnesses', () => {
    it('stele checkpoint prints the note text exactly, and checks it with --key', async () => {
      const note = await (await srv.get('/v1/checkpoint')).text();
      const run = await stele('checkpoint', '--server', srv.url, '--token', srv.token, '--key', vkey);
      expect(run.status).toBe(0);
      expect(run.stdout).toBe(note);
      const other = await stele(
        'checkpoint',
        ...backend.flags,
        '--key',
        createSignerKey('stele/x').verifierKey,
      );
      expect(other.status).toBe(3);
      expect(other.stderr).toMatch(
        /^stele: the checkpoint's signature does not verify with the key stele\/x\+[0-9a-f]{8}\n$/,
      );
    });

    it('a file witness keeps the latest checkpoint', async () => {
      let kept = '';
      let latest = '-';
      for (let i = 0; i < 50 && kept !== latest; i++) {
        await new Promise((r) => setTimeout(r, 100));
        latest = await (await srv.get('/v1/checkpoint')).text();
        kept = fs.readFileSync(witnessFile, 'utf8');
      }
      expect(kept).toBe(latest);
      expect(openCheckpoint(kept, [parseVerifierKey(vkey)]).checkpoint.size).toBeGreaterThanOrEqual(
        ALICE + 8 + 2,
      );
    });

    it('a witness holding an older checkpoint proves the log extends it, and catches one that does not', async () => {
      const dir = tempDir('stele-witness-');
      const kept = path.join(dir, 'kept');
      const fresh = path.join(dir, 'fresh');
      fs.writeFileSync(kept, firstCheckpoint);
      fs.writeFileSync(fresh, await latestCheckpoint(1));
      const server = ['--server', srv.url, '--token', srv.token, '--key', vkey];
      const ok = await stele('consistency', '--old-checkpoint', kept, '--new-checkpoint', fresh, ...server);
      expect(ok.status).toBe(0);
      expect(ok.stdout).toMatch(/^checked: the checkpoint of size \d+ extends the one of size 5/);

      // The server hands out a checkpoint of a rewritten log, signed with the ledger's own key.
      const signer = parseSignerKey(fs.readFileSync(path.join(srv.dataDir, 'ledger.key'), 'utf8').trim());
      const older = parseCheckpoint(firstCheckpoint.split('\n\n')[0] + '\n');
      fs.writeFileSync(
        fresh,
        signCheckpoint({ ...older, size: older.size + 1, rootHash: Buffer.alloc(32, 7) }, signer),
      );
      const forked = await stele(
        'consistency',
        '--old-checkpoint',
        kept,
        '--new-checkpoint',
        fresh,
        ...server,
      );
      expect(forked.status).toBe(3);
      expect(forked.stderr).toBe(
        `stele: the log of size ${older.size + 1} does not extend the one of size ${older.size}: proof does not reproduce the new root\n`,
      );
    });
  });

  describe('evidence bundles', () => {
    let bundle: string;

    beforeAll(async () => {
      await srv.stop();
      bundle = path.join(tempDir('stele-bundle-'), 'evidence');
      const run = await stele(
        'export',
        '--evidence',
        bundle,
        '--query',
        'user.name:alice',
        ...backend.flags,
        '--json',
      );
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      expect(JSON.parse(run.stdout)).toMatchObject({ events: ALICE });
    });

    it('holds the matching events, proofs, checkpoint, key and README, and never a seed', async () => {
      expect(fs.readdirSync(bundle).sort()).toEqual([
        'README.md',
        'checkpoint',
        'entries.ndjson',
        'events.ndjson',
        'manifest.json',
        'proofs.json',
        'verifier-key',
      ]);
      const events = fs.readFileSync(path.join(bundle, 'events.ndjson'), 'utf8').trim().split('\n');
      expect(events).toHaveLength(ALICE);
      expect(events.every((l) => (JSON.parse(l) as { user: { name: string } }).user.name === 'alice')).toBe(
        true,
      );
      expect(fs.readFileSync(path.join(bundle, 'verifier-key'), 'utf8')).toBe(vkey + '\n');
      const readme = fs.readFileSync(path.join(bundle, 'README.md'), 'utf8');
      expect(readme).toMatch(/stele verify-bundle/);
      const line = JSON.parse(
        fs.readFileSync(path.join(bundle, 'entries.ndjson'), 'utf8').split('\n')[0]!,
      ) as {
        salts: Record<string, string>;
      };
      // The first event of alice has these personal fields; each gets its own salt.
      expect(Object.keys(line.salts).sort()).toEqual(['message', 'source.ip', 'user.name']);
      const files = fs
        .readdirSync(bundle)
        .map((f) => fs.readFileSync(path.join(bundle, f), 'utf8'))
        .join('');
      const seeds = (await backend.exec('SELECT seed FROM events WHERE seed IS NOT NULL')) as Array<{
        seed: Buffer;
      }>;
      expect(seeds.length).toBeGreaterThan(ALICE);
      for (const { seed } of seeds) {
        expect(files).not.toContain(seed.toString('base64'));
        expect(files).not.toContain(seed.toString('hex'));
      }
    });

    it('refuses a directory that is not empty, and a checkpoint not signed by the given key', async () => {
      const taken = await stele('export', '--evidence', bundle, '--query', '', ...backend.flags);
      expect(taken.status).toBe(2);
      expect(taken.stderr).toMatch(/is not empty; give a new directory\n$/);
      const other = createSignerKey('stele/x').verifierKey;
      const dir = path.join(tempDir('stele-bundle-'), 'wrong-key');
      const wrong = await stele('export', '--evidence', dir, '--query', '', ...backend.flags, '--key', other);
      expect(wrong.status).toBe(3);
      expect(wrong.stderr).toMatch(
        /^stele: the checkpoint's signature does not verify with the key stele\/x\+/,
      );
      expect(fs.existsSync(dir)).toBe(false);
    });

    it('verifies offline with stele verify-bundle, with and without --key', async () => {
      const plain = await stele('verify-bundle', bundle);
      expect(plain.status).toBe(0);
      expect(plain.stdout).toMatch(new RegExp(`^bundle verified: ${ALICE} events`));
      const keyed = await stele('verify-bundle', bundle, '--key', vkey, '--json');
      expect(keyed.status).toBe(0);
      expect(JSON.parse(keyed.stdout)).toMatchObject({ ok: true, events: ALICE });
    });

    it('carries erased values with their commitments, and still verifies', async () => {
      const all = path.join(tempDir('stele-bundle-'), 'all');
      const run = await stele('export', '--evidence', all, '--query', '', ...backend.flags);
      expect(run.status).toBe(0);
      const events = fs.readFileSync(path.join(all, 'events.ndjson'), 'utf8');
      expect(events).toContain('"[erased]"');
      expect(events).not.toContain('zoe');
      expect(fs.readFileSync(path.join(all, 'entries.ndjson'), 'utf8')).toContain('"erased":{');
      expect(await verifyBundle(all, { key: parseVerifierKey(vkey) })).toMatchObject({ ok: true });
      const verify = await stele('verify', ...backend.flags);
      expect(verify.status).toBe(0);
    });

    const tampers: Array<[string, (dir: string) => void, RegExp]> = [
      [
        'a personal value in events.ndjson',
        (d) => edit(d, 'events.ndjson', (t) => t.replace('"ip":"203.0.113.7"', '"ip":"203.0.113.8"')),
        /^event \d+: source\.ip does not match its commitment/,
      ],
      [
        'another field in events.ndjson',
        (d) => edit(d, 'events.ndjson', (t) => t.replace('"pid":4242', '"pid":4243')),
        /^event \d+: the event does not match its ledger entry/,
      ],
      [
        'a line removed from events.ndjson',
        (d) => edit(d, 'events.ndjson', (t) => t.slice(t.indexOf('\n') + 1)),
        /^the bundle's files disagree on the number of events/,
      ],
      [
        'a salt in entries.ndjson',
        (d) => edit(d, 'entries.ndjson', (t) => t.replace(/"user\.name":"[^"]{5}/, '"user.name":"AAAAA')),
        /^event \d+: user\.name does not match its commitment/,
      ],
      [
        'entry bytes in entries.ndjson',
        (d) => edit(d, 'entries.ndjson', (t) => t.replace(/"entry":"ey/, '"entry":"ez')),
        /^event \d+: its entry bytes do not hash to the leaf hash of its proof/,
      ],
      [
        'a proof hash in proofs.json',
        (d) =>
          edit(d, 'proofs.json', (t) => {
            const proofs = JSON.parse(t) as { proofs: Array<{ hashes: string[] }> };
            proofs.proofs[0]!.hashes[0] = flipFirst(proofs.proofs[0]!.hashes[0]!);
            return JSON.stringify(proofs, null, 1) + '\n';
          }),
        /^event \d+: its inclusion proof does not reach the checkpoint's root/,
      ],
      [
        'a proof hash in proofs.json, to unpadded base64 of the same bytes',
        (d) =>
          edit(d, 'proofs.json', (t) => {
            const proofs = JSON.parse(t) as { proofs: Array<{ hashes: string[] }> };
            proofs.proofs[0]!.hashes[0] = proofs.proofs[0]!.hashes[0]!.replace(/=+$/, '');
            return JSON.stringify(proofs, null, 1) + '\n';
          }),
        /^event \d+: its proof hash 0 is not standard base64$/,
      ],
      [
        'the root in the checkpoint',
        (d) =>
          edit(d, 'checkpoint', (t) => {
            const lines = t.split('\n');
            lines[2] = flipFirst(lines[2]!);
            return lines.join('\n');
          }),
        /^checkpoint: its signature does not verify with the key stele\/[0-9a-f]{16}\+[0-9a-f]{8} /,
      ],
      [
        'the verifier key',
        (d) => fs.writeFileSync(path.join(d, 'verifier-key'), createSignerKey('stele/x').verifierKey + '\n'),
        /^checkpoint: its signature does not verify with the key stele\/x\+[0-9a-f]{8} \(the checkpoint or the key was changed\)$/,
      ],
      [
        'the checkpoint (removed)',
        (d) => fs.rmSync(path.join(d, 'checkpoint')),
        /^checkpoint: cannot be read \(ENOENT\)$/,
      ],
      [
        'the verifier key (removed)',
        (d) => fs.rmSync(path.join(d, 'verifier-key')),
        /^verifier-key: cannot be read \(ENOENT\)$/,
      ],
      [
        'README.md',
        (d) => edit(d, 'README.md', (t) => t.replace('Trust the key', 'Trust the bundle')),
        /^README\.md: it does not match its SHA-256 in manifest\.json/,
      ],
      [
        'manifest.json',
        (d) => edit(d, 'manifest.json', (t) => t.replace(/"treeSize": \d+/, '"treeSize": 1')),
        /^manifest\.json: its origin or tree size differs from the signed checkpoint/,
      ],
    ];

    for (const [what, change, reason] of tampers) {
      it(`fails when ${what} is changed`, async () => {
        const copy = tempDir('stele-bundle-tampered-');
        fs.cpSync(bundle, copy, { recursive: true });
        const before = snapshot(copy);
        change(copy);
        expect(snapshot(copy)).not.toEqual(before);
        const report = await verifyBundle(copy);
        expect(report.ok).toBe(false);
        expect(report.reason).toMatch(reason);
      });
    }

    it('exits 3 on a tampered bundle; only --key catches a bundle re-signed with another key', async () => {
      const tampered = tempDir('stele-bundle-tampered-');
      fs.cpSync(bundle, tampered, { recursive: true });
      edit(tampered, 'events.ndjson', (t) => t.replace('"pid":4242', '"pid":4243'));
      const run = await stele('verify-bundle', tampered);
      expect(run.status).toBe(3);
      expect(run.stderr).toMatch(/^stele: event \d+: the event does not match its ledger entry .*\n$/);

      // A forger re-signs the checkpoint with a key of the same name, bundles that key, fixes the sums.
      const copy = tempDir('stele-bundle-forged-');
      fs.cpSync(bundle, copy, { recursive: true });
      const forger = createSignerKey(parseVerifierKey(vkey).name);
      const note = fs.readFileSync(path.join(copy, 'checkpoint'), 'utf8');
      fs.writeFileSync(
        path.join(copy, 'checkpoint'),
        signCheckpoint(parseCheckpoint(note.split('\n\n')[0] + '\n'), forger),
      );
      fs.writeFileSync(path.join(copy, 'verifier-key'), forger.verifierKey + '\n');
      edit(copy, 'manifest.json', (t) => {
        const manifest = JSON.parse(t) as { sha256: Record<string, string> };
        for (const f of ['checkpoint', 'verifier-key']) {
          manifest.sha256[f] = createHash('sha256')
            .update(fs.readFileSync(path.join(copy, f)))
            .digest('hex');
        }
        return JSON.stringify(manifest, null, 2) + '\n';
      });
      expect((await stele('verify-bundle', copy)).status).toBe(0);
      const trusted = await stele('verify-bundle', copy, '--key', vkey);
      expect(trusted.status).toBe(3);
      expect(trusted.stderr).toMatch(
        /^stele: verifier-key: the bundle's key \(.*\) is not the key you trust\n$/,
      );
    });
  });
}

function edit(dir: string, file: string, change: (text: string) => string): void {
  const p = path.join(dir, file);
  fs.writeFileSync(p, change(fs.readFileSync(p, 'utf8')));
}

function snapshot(dir: string): string[] {
  return fs
    .readdirSync(dir)
    .sort()
    .map((f) => fs.readFileSync(path.join(dir, f), 'utf8'));
}

/** The text with its first character changed (to another base64 or decimal character). */
function flipFirst(text: string): string {
  return (text[0] === 'A' ? 'B' : 'A') + text.slice(1);
}
