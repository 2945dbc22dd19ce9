// Translates node-postgres errors into the SteleError family: anything that means "the database
// cannot be reached or answered in time" becomes `unavailable` (HTTP 503 with Retry-After), the
// rest a StoreError.

import { SteleError, StoreError } from '../../core/errors.js';

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
]);

/** SQLSTATE classes and codes meaning the server is away, restarting, overloaded or too slow. */
function isUnavailableState(code: string): boolean {
  return (
    code.startsWith('08') || // connection exception
    code === '57P01' || // admin shutdown
    code === '57P02' || // crash shutdown
    code === '57P03' || // cannot connect now
    code === '53300' || // too many connections
    code === '57014' || // query canceled (statement_timeout)
    code === '55P03' || // lock not available (lock_timeout)
    code === '40001' || // serialization failure
    code === '40P01' // deadlock detected
  );
}

export function isUnavailable(err: unknown): boolean {
  if (err instanceof SteleError) return err.code === 'unavailable';
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && (NETWORK_CODES.has(code) || isUnavailableState(code))) return true;
  return /Connection terminated|timeout exceeded when trying to connect|Query read timeout|Client has encountered a connection error|connection.*(closed|ended)|Client was closed/i.test(
    err.message,
  );
}

export function translatePgError(err: unknown, context: string): SteleError {
  if (err instanceof SteleError) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (isUnavailable(err)) {
    return new SteleError('unavailable', `PostgreSQL unavailable (${context}): ${message}`, { cause: err });
  }
  return new StoreError(`${context}: ${message}`, { cause: err });
}
