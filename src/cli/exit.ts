// Exit codes, decided in one place: 0 success, 1 a failure the command reports, 2 bad usage or
// configuration, 3 an integrity failure (verification found tampering), 4 not found.

import { toSteleError, type ErrorCode } from '../core/errors.js';

export const EXIT = { ok: 0, failure: 1, usage: 2, integrity: 3, notFound: 4 } as const;

const BY_CODE: Partial<Record<ErrorCode, number>> = {
  validation: EXIT.usage,
  config: EXIT.usage,
  integrity: EXIT.integrity,
  not_found: EXIT.notFound,
};

/** Prints the one-line reason and returns the exit code for an error. */
export function reportError(err: unknown): number {
  const e = toSteleError(err);
  const detail = e.details[0];
  const suffix =
    detail && !e.message.includes(detail.message)
      ? ` (${detail.field ? `${detail.field}: ` : ''}${detail.message})`
      : '';
  process.stderr.write(`stele: ${e.message}${suffix}\n`);
  if (e.code === 'internal' && process.env.STELE_DEBUG) console.error(err);
  return BY_CODE[e.code] ?? EXIT.failure;
}
