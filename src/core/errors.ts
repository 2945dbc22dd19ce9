// The one error family of Stele. Every thrown error is a SteleError (or a subclass), so callers can
// map it to an HTTP status or an exit code in one place by its `code`.

export type ErrorCode =
  | 'validation'
  | 'integrity'
  | 'store'
  | 'config'
  | 'auth'
  | 'forbidden'
  | 'not_found'
  | 'too_large'
  | 'unsupported'
  | 'unavailable'
  | 'conflict'
  | 'internal';

export interface ErrorDetail {
  /** Index of the offending item in its batch, when the error is about one item. */
  index?: number;
  /** Dotted field name (`user.name`, `@timestamp`), when the error is about one field. */
  field?: string;
  message: string;
}

export class SteleError extends Error {
  readonly code: ErrorCode;
  readonly details: ErrorDetail[];

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; details?: ErrorDetail[] } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.details = options.details ?? [];
  }
}

export class ValidationError extends SteleError {
  constructor(message: string, options: { cause?: unknown; details?: ErrorDetail[] } = {}) {
    super('validation', message, options);
  }
}

export class IntegrityError extends SteleError {
  /** The first ledger index found bad, when the failure is about one entry. */
  readonly index: number | undefined;

  constructor(message: string, index?: number, options: { cause?: unknown } = {}) {
    super('integrity', message, options);
    this.index = index;
  }
}

export class StoreError extends SteleError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('store', message, options);
  }
}

export class ConfigError extends SteleError {
  constructor(message: string, options: { cause?: unknown; details?: ErrorDetail[] } = {}) {
    super('config', message, options);
  }
}

/** Wraps anything thrown into a SteleError, keeping the original as `cause`. */
export function toSteleError(err: unknown): SteleError {
  if (err instanceof SteleError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new SteleError('internal', message, { cause: err });
}
