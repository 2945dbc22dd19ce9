// A small HTTP layer on node:http: routing by method and path pattern, bearer-token authentication
// with scopes, and the one place where errors become status codes and `{"error": ...}` bodies.

import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { ApiKeyVerifier, Principal, Scope } from '../auth/api-keys.js';
import { hasScope } from '../auth/api-keys.js';
import { SteleError, toSteleError, type ErrorCode } from '../core/errors.js';

export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  params: Record<string, string>;
  principal: Principal | null;
}

export type Handler = (ctx: RequestContext) => Promise<void>;

interface Route {
  method: string;
  pattern: RegExp;
  keys: string[];
  scope: Scope | null;
  handler: Handler;
}

const STATUS: Record<ErrorCode, number> = {
  validation: 400,
  auth: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  too_large: 413,
  unsupported: 415,
  unavailable: 503,
  integrity: 500,
  store: 503,
  config: 500,
  internal: 500,
};

export class Router {
  private readonly routes: Route[] = [];

  /** Registers a route; `scope` null means no key is needed (health, metrics). */
  on(method: string, path: string, scope: Scope | null, handler: Handler): this {
    const keys: string[] = [];
    const source = path.replace(/\{(\w+)\}/g, (_, key: string) => {
      keys.push(key);
      return '([^/]+)';
    });
    this.routes.push({ method, pattern: new RegExp(`^${source}$`), keys, scope, handler });
    return this;
  }

  match(
    method: string,
    pathname: string,
  ): { route: Route; params: Record<string, string> } | 'method' | undefined {
    let pathMatched = false;
    for (const route of this.routes) {
      const m = route.pattern.exec(pathname);
      if (!m) continue;
      pathMatched = true;
      if (route.method !== method) continue;
      const params: Record<string, string> = {};
      route.keys.forEach((k, i) => (params[k] = decodeURIComponent(m[i + 1]!)));
      return { route, params };
    }
    return pathMatched ? 'method' : undefined;
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

export function sendText(
  res: ServerResponse,
  status: number,
  text: string,
  type = 'text/plain; charset=utf-8',
): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export function sendError(res: ServerResponse, err: unknown): void {
  const e = toSteleError(err);
  const status = STATUS[e.code];
  if (status >= 500 && e.code !== 'unavailable') console.error(`stele: ${e.name}: ${e.message}`);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const headers: Record<string, string> = {};
  if (e.code === 'unavailable' || e.code === 'store') headers['retry-after'] = '1';
  if (e.code === 'auth') headers['www-authenticate'] = 'Bearer realm="stele"';
  // A request refused before its body was read: close the connection rather than drain the body.
  if (e.code === 'too_large') headers.connection = 'close';
  const message = status >= 500 && e.code === 'internal' ? 'internal error' : e.message;
  const text = JSON.stringify({ error: { code: e.code, message, details: e.details } });
  res.writeHead(status, { ...headers, 'content-type': 'application/json; charset=utf-8' });
  res.end(text);
}

export interface HttpServerOptions {
  router: Router;
  verifier: ApiKeyVerifier;
  /** Called for every finished request (metrics). */
  onRequest?: (method: string, route: string, status: number) => void;
  /** True once shutdown began: replies then close their connection, so keep-alive ends. */
  closing?: () => boolean;
}

export function createHttpServer(options: HttpServerOptions): http.Server {
  const server = http.createServer((req, res) => {
    void handle(options, req, res);
  });
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 30_000;
  server.requestTimeout = 120_000;
  return server;
}

async function handle(options: HttpServerOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  let url: URL;
  try {
    url = new URL(req.url ?? '/', 'http://localhost');
  } catch {
    sendError(res, new SteleError('validation', 'malformed request URL'));
    return;
  }
  if (options.closing?.()) res.setHeader('connection', 'close');
  const found = options.router.match(req.method ?? 'GET', url.pathname);
  try {
    if (found === undefined) throw new SteleError('not_found', `no route for ${url.pathname}`);
    if (found === 'method')
      throw new SteleError('not_found', `${req.method} is not supported on ${url.pathname}`);
    const { route, params } = found;
    let principal: Principal | null = null;
    if (route.scope !== null) {
      principal = await authenticate(options.verifier, req);
      if (!hasScope(principal, route.scope)) {
        throw new SteleError('forbidden', `this key lacks the '${route.scope}' scope`);
      }
    }
    await route.handler({ req, res, url, params, principal });
  } catch (err) {
    if (err instanceof SteleError && err.code === 'too_large') req.resume();
    sendError(res, err);
  } finally {
    options.onRequest?.(
      req.method ?? '',
      found && found !== 'method' ? found.route.pattern.source : 'unmatched',
      res.statusCode,
    );
  }
}

async function authenticate(verifier: ApiKeyVerifier, req: IncomingMessage): Promise<Principal> {
  const header = req.headers.authorization;
  if (!header) throw new SteleError('auth', 'missing API key: send Authorization: Bearer <token>');
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!m) throw new SteleError('auth', 'malformed Authorization header: expected Bearer <token>');
  const principal = await verifier.verify(m[1]!);
  if (!principal) throw new SteleError('auth', 'invalid or revoked API key');
  return principal;
}
