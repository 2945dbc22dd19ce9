// A tiny hash router: `#/page/arg?query`. Links stay shareable and reloadable with no server help;
// a plain path like /alerts (served as index.html) is turned into its hash form on start.

import { useEffect, useState } from 'react';

export interface Route {
  page: string;
  arg: string;
  params: URLSearchParams;
}

export function parseRoute(hash: string): Route {
  const body = hash.replace(/^#\/?/, '');
  const q = body.indexOf('?');
  const path = q < 0 ? body : body.slice(0, q);
  const [page = '', ...rest] = path.split('/');
  return {
    page: page || 'search',
    arg: decodeURIComponent(rest.join('/')),
    params: new URLSearchParams(q < 0 ? '' : body.slice(q + 1)),
  };
}

/** `#/page/arg?k=v`, leaving out empty parameters. */
export function href(page: string, params: Record<string, string | undefined> = {}, arg?: string): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) q.set(k, v);
  const s = q.toString();
  return `#/${page}${arg === undefined ? '' : `/${encodeURIComponent(arg)}`}${s ? `?${s}` : ''}`;
}

export function navigate(to: string, replace = false): void {
  if (replace) history.replaceState(null, '', to);
  else location.hash = to;
  if (replace) window.dispatchEvent(new HashChangeEvent('hashchange'));
}

/** On start: /alerts?x -> /#/alerts?x, so server-side page paths land on the same route. */
export function adoptPathRoute(): void {
  const page = location.pathname.replace(/^\/+|\/+$/g, '');
  if (page && page !== 'index.html' && !location.hash) {
    history.replaceState(null, '', `/#/${page}${location.search}`);
  }
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}
