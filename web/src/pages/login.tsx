// Login: an API key (stele keys create --scope read), checked against the server before it is kept
// in sessionStorage for this tab.

import { useState, type FormEvent } from 'react';
import { getJson, setToken } from '../lib/api';
import type { LedgerKey } from '../lib/types';

export function LoginPage({ onLogin }: { onLogin: (token: string) => void }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    setToken(key.trim());
    try {
      await getJson<LedgerKey>('/v1/ledger/key');
      onLogin(key.trim());
    } catch (err) {
      setToken(null);
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main className="login-page">
      <form onSubmit={submit} aria-labelledby="login-title">
        <h1 id="login-title">Stele console</h1>
        <p>
          Sign in with an API key that has the <code>read</code> scope (
          <code>stele keys create --scope read</code>). Changing alert status needs <code>admin</code>.
        </p>
        <label htmlFor="api-key">API key</label>
        <input
          id="api-key"
          type="password"
          autoComplete="off"
          autoFocus
          value={key}
          onChange={(e) => setKey(e.target.value)}
          required
        />
        <button type="submit" disabled={busy || key.trim() === ''}>
          {busy ? 'Checking…' : 'Sign in'}
        </button>
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        <p className="muted">The key is kept in this tab only (sessionStorage) and sent as a bearer token.</p>
      </form>
    </main>
  );
}
