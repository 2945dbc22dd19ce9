// A small client for a running Stele server, used by the CLI's --server mode.

import { SteleError, type ErrorCode } from '../core/errors.js';

export class ServerClient {
  private readonly base: string;

  constructor(
    base: string,
    private readonly token: string,
  ) {
    try {
      this.base = new URL(base).toString().replace(/\/$/, '');
    } catch {
      throw new SteleError('validation', `--server: '${base}' is not a URL`);
    }
  }

  async request(
    method: string,
    path: string,
    body?: string,
    headers: Record<string, string> = {},
  ): Promise<Response> {
    let res: Response;
    try {
      res = await fetch(this.base + path, {
        method,
        body,
        headers: { authorization: `Bearer ${this.token}`, ...headers },
      });
    } catch (err) {
      throw new SteleError(
        'unavailable',
        `cannot reach ${this.base}: ${(err as Error).cause ?? (err as Error).message}`,
      );
    }
    if (res.status >= 400 && res.status !== 422) {
      let message = `${res.status} ${res.statusText}`;
      let code: ErrorCode =
        res.status === 404
          ? 'not_found'
          : res.status === 401
            ? 'auth'
            : res.status === 403
              ? 'forbidden'
              : 'unavailable';
      try {
        const parsed = (await res.json()) as { error?: { message?: string; code?: ErrorCode } };
        if (parsed.error?.message) message = `server: ${parsed.error.message}`;
        if (parsed.error?.code && res.status < 500) code = parsed.error.code;
      } catch {
        // not a JSON error body
      }
      throw new SteleError(code, message);
    }
    return res;
  }

  async json<T>(method: string, path: string, body?: string, headers?: Record<string, string>): Promise<T> {
    return (await (await this.request(method, path, body, headers)).json()) as T;
  }
}
