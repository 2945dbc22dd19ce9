// API keys: a token is shown once at creation and stored only as a slow scrypt hash. A token is
// `stele_<id>_<secret>`: the id finds the record, the secret is checked against the hash. Verified
// tokens are cached for a minute (by SHA-256 of the token) so the KDF runs about once per key per
// minute, not on every request, and in the background while the key is in use.

import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import type { Clock } from '../core/clock.js';
import { SteleError, ValidationError } from '../core/errors.js';
import type { ApiKeyRecord, Store } from '../store/store.js';

export const SCOPES = ['ingest', 'read', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

const scryptAsync = promisify(scrypt) as (
  password: Buffer,
  salt: Buffer,
  keylen: number,
  options: { N: number; r: number; p: number; maxmem: number },
) => Promise<Buffer>;

/** scrypt cost: N=2^15, r=8, p=1 (about 50-100 ms here; OWASP's minimum is 2^17 with p=1 for passwords,
 * but tokens carry 256 random bits, so the KDF only has to defeat offline guessing of a leaked hash). */
const KDF = { N: 1 << 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };
/** How long a verified token is trusted without the KDF: a revoked key stops working within this
 * time. */
const CACHE_MS = 60 * 1000;
/** How long before its entry runs out a key in use is checked again, in the background. */
const REFRESH_MS = 15 * 1000;
const TOKEN = /^stele_([a-z0-9]{12})_([A-Za-z0-9_-]{43})$/;

export interface Principal {
  keyId: string;
  name: string;
  scopes: Scope[];
}

export function parseScopes(text: string): Scope[] {
  const scopes = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (scopes.length === 0) throw new ValidationError('at least one scope is required (ingest, read, admin)');
  for (const s of scopes) {
    if (!(SCOPES as readonly string[]).includes(s)) {
      throw new ValidationError(`unknown scope '${s}' (expected ingest, read or admin)`);
    }
  }
  return [...new Set(scopes)] as Scope[];
}

async function hashSecret(secret: string, salt: Buffer): Promise<Buffer> {
  return scryptAsync(Buffer.from(secret), salt, 32, KDF);
}

export async function createApiKey(
  store: Store,
  options: { name: string; scopes: Scope[]; clock: Clock },
): Promise<{ token: string; record: ApiKeyRecord }> {
  const id = randomBytes(9)
    .toString('base64url')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '0')
    .slice(0, 12);
  const secret = randomBytes(32).toString('base64url');
  const salt = randomBytes(16);
  const hash = await hashSecret(secret, salt);
  const record: ApiKeyRecord = {
    id,
    name: options.name,
    scopes: options.scopes,
    hash: `scrypt$${KDF.N}$${KDF.r}$${KDF.p}$${salt.toString('base64')}$${hash.toString('base64')}`,
    created: options.clock.now(),
    revoked: null,
  };
  await store.putApiKey(record);
  return { token: `stele_${id}_${secret}`, record };
}

export class ApiKeyVerifier {
  private readonly cache = new Map<string, { principal: Principal | null; until: number }>();
  /** Verifications under way, so concurrent requests with one token share a single KDF run. */
  private readonly inflight = new Map<string, Promise<Principal | null>>();

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  /** The principal a token belongs to, or null when the token is unknown, wrong or revoked. */
  async verify(token: string): Promise<Principal | null> {
    const digest = createHash('sha256').update(token).digest('base64');
    const now = this.clock.now();
    const hit = this.cache.get(digest);
    if (hit && hit.until > now) {
      // A key in use is checked again before its entry runs out, so its requests never all wait
      // for the KDF at once (50-100 ms) when it does.
      if (hit.principal && hit.until - now < REFRESH_MS)
        this.recheck(token, digest, now).catch(() => undefined);
      return hit.principal;
    }
    return this.recheck(token, digest, now);
  }

  /**
   * Checks the token against the stored keys and caches the answer until `now` (taken before the
   * store is read) plus the cache time: a revoked key is refused within CACHE_MS. One check runs
   * per token at a time.
   */
  private recheck(token: string, digest: string, now: number): Promise<Principal | null> {
    let pending = this.inflight.get(digest);
    if (!pending) {
      pending = this.check(token)
        .then((principal) => {
          if (this.cache.size > 10_000) this.cache.clear();
          this.cache.set(digest, { principal, until: now + (principal ? CACHE_MS : 10_000) });
          return principal;
        })
        .finally(() => this.inflight.delete(digest));
      this.inflight.set(digest, pending);
    }
    return pending;
  }

  private async check(token: string): Promise<Principal | null> {
    const m = TOKEN.exec(token);
    if (!m) return null;
    const record = await this.store.getApiKey(m[1]!);
    if (!record || record.revoked !== null) return null;
    const parts = record.hash.split('$');
    if (parts.length !== 6 || parts[0] !== 'scrypt')
      throw new SteleError('internal', `key ${record.id} has an unknown hash format`);
    const [, n, r, p, salt, expected] = parts as [string, string, string, string, string, string];
    const got = await scryptAsync(Buffer.from(m[2]!), Buffer.from(salt, 'base64'), 32, {
      N: Number(n),
      r: Number(r),
      p: Number(p),
      maxmem: KDF.maxmem,
    });
    const want = Buffer.from(expected, 'base64');
    if (got.length !== want.length || !timingSafeEqual(got, want)) return null;
    return { keyId: record.id, name: record.name, scopes: record.scopes as Scope[] };
  }
}

/** Marks a key revoked; a running server refuses it once its cached check runs out (CACHE_MS). */
export async function revokeApiKey(store: Store, id: string, clock: Clock): Promise<ApiKeyRecord> {
  const record = await store.getApiKey(id);
  if (!record) throw new SteleError('not_found', `no API key with id ${id}`);
  if (record.revoked === null) {
    record.revoked = clock.now();
    await store.putApiKey(record);
  }
  return record;
}

/** `admin` implies every scope. */
export function hasScope(principal: Principal, scope: Scope): boolean {
  return principal.scopes.includes(scope) || principal.scopes.includes('admin');
}
