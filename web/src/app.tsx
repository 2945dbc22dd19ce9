// The console's frame: login gate, navigation, the "/" shortcut to the search box, and the page of
// the current route.

import { useEffect, useState } from 'react';
import { getToken, setToken } from './lib/api';
import { useRoute } from './lib/router';
import { LoginPage } from './pages/login';
import { SearchPage } from './pages/search';
import { EventPage } from './pages/event';
import { TimelinePage } from './pages/timeline';
import { DashboardPage } from './pages/dashboard';
import { AlertsPage } from './pages/alerts';
import { LedgerPage } from './pages/ledger';

const NAV = [
  ['search', 'Search'],
  ['dashboard', 'Dashboards'],
  ['timeline', 'Timelines'],
  ['alerts', 'Alerts'],
  ['ledger', 'Ledger & sources'],
] as const;

export function App() {
  const route = useRoute();
  const [token, setTokenState] = useState(getToken);
  useEffect(() => {
    const onUnauthorized = () => {
      setToken(null);
      setTokenState(null);
    };
    window.addEventListener('stele:unauthorized', onUnauthorized);
    return () => window.removeEventListener('stele:unauthorized', onUnauthorized);
  }, []);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const target = e.target as HTMLElement;
      if (e.key !== '/' || e.ctrlKey || e.metaKey || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName)) return;
      const box = document.getElementById('query');
      if (!box) {
        location.hash = '#/search';
        return;
      }
      e.preventDefault();
      box.focus();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  if (!token) return <LoginPage onLogin={(t) => (setToken(t), setTokenState(t))} />;
  const logout = () => {
    setToken(null);
    setTokenState(null);
  };
  return (
    <div className="frame">
      <a
        className="skip"
        href="#main"
        onClick={(e) => (e.preventDefault(), document.getElementById('main')?.focus())}
      >
        Skip to content
      </a>
      <header className="top">
        <span className="brand">Stele</span>
        <nav aria-label="Pages">
          {NAV.map(([page, label]) => (
            <a key={page} href={`#/${page}`} aria-current={route.page === page ? 'page' : undefined}>
              {label}
            </a>
          ))}
        </nav>
        <button type="button" className="link" onClick={logout}>
          Log out
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        <Page page={route.page} arg={route.arg} params={route.params} />
      </main>
    </div>
  );
}

function Page({ page, arg, params }: { page: string; arg: string; params: URLSearchParams }) {
  switch (page) {
    case 'event':
      return <EventPage seq={arg} />;
    case 'timeline':
      return <TimelinePage params={params} />;
    case 'dashboard':
      return <DashboardPage params={params} />;
    case 'alerts':
      return <AlertsPage params={params} />;
    case 'ledger':
      return <LedgerPage />;
    default:
      return <SearchPage params={params} />;
  }
}
