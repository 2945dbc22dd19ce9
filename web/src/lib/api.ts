// The console's only way to the server: fetch with the API key from sessionStorage as a bearer
// token, JSON decoding, and the server's `{"error": {...}}` bodies turned into thrown ApiErrors.

const TOKEN_KEY = 'stele.token';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export function getToken(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function setToken(token: string | null): void {
  if (token === null) sessionStorage.removeItem(TOKEN_KEY);
  else sessionStorage.setItem(TOKEN_KEY, token);
}

type Params = Record<string, string | number | boolean | undefined | null>;

/** `/v1/x?a=1`, leaving out empty parameters. */
export function apiPath(path: string, params: Params = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params))
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

async function request(path: string, init: RequestInit = {}, replyMark?: string): Promise<Response> {
  const headers = new Headers(init.headers);
  const token = getToken();
  if (token) headers.set('authorization', `Bearer ${token}`);
  const res = await fetch(path, { ...init, headers });
  // The moment the reply arrived (headers in): what "results on screen after the API replies" counts from.
  if (replyMark) performance.mark(replyMark);
  if (res.status === 401) window.dispatchEvent(new Event('stele:unauthorized'));
  if (!res.ok) throw new ApiError(res.status, await errorMessage(res));
  return res;
}

async function errorMessage(res: Response): Promise<string> {
  try {
    const body = (await res.json()) as { error?: { message?: string } };
    return body.error?.message ?? `HTTP ${res.status}`;
  } catch {
    return `HTTP ${res.status}`;
  }
}

export async function getJson<T>(
  path: string,
  params?: Params,
  signal?: AbortSignal,
  replyMark?: string,
): Promise<T> {
  const res = await request(apiPath(path, params), signal ? { signal } : {}, replyMark);
  return (await res.json()) as T;
}

export async function getText(path: string, params?: Params): Promise<string> {
  return (await request(apiPath(path, params))).text();
}

export async function patchJson<T>(path: string, body: unknown): Promise<T> {
  const res = await request(path, {
    method: 'PATCH',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return (await res.json()) as T;
}

/** Fetches with the key and saves the body as a file (an <a href> could not send the bearer token). */
export async function download(path: string, params: Params, filename: string): Promise<void> {
  const blob = await (await request(apiPath(path, params))).blob();
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
