import { type ReactNode } from 'react';
import { Link, match, useLocation } from './router';
import { ApplicationScreen } from './screens/Application';
import { Audit } from './screens/Audit';
import { Channels } from './screens/Channels';
import { Clusters } from './screens/Clusters';
import { Fleet } from './screens/Fleet';
import { Repositories } from './screens/Repositories';
import { SignIn } from './screens/SignIn';
import { TargetTree } from './screens/TargetTree';
import { useSession } from './session';

const NAV: Array<[string, string]> = [
  ['/', 'Fleet'],
  ['/clusters', 'Clusters'],
  ['/repositories', 'Repositories'],
  ['/channels', 'Channels'],
  ['/audit', 'Audit'],
];

function screenFor(path: string, query: URLSearchParams): { key: string; node: ReactNode } {
  let m: Record<string, string> | null;
  if (path === '/' || path === '') return { key: 'fleet', node: <Fleet query={query} /> };
  if ((m = match('/applications/:name/targets/:cluster/:namespace', path))) {
    return { key: `t/${m.name}/${m.cluster}/${m.namespace}`, node: <TargetTree application={m.name} cluster={m.cluster} namespace={m.namespace} /> };
  }
  if ((m = match('/applications/:name/history', path))) return { key: `a/${m.name}`, node: <ApplicationScreen name={m.name} tab="history" /> };
  if ((m = match('/applications/:name', path))) return { key: `a/${m.name}`, node: <ApplicationScreen name={m.name} tab="overview" /> };
  if (path === '/clusters') return { key: 'clusters', node: <Clusters highlight={query.get('name')} /> };
  if (path === '/repositories') return { key: 'repositories', node: <Repositories highlight={query.get('name')} /> };
  if (path === '/channels') return { key: 'channels', node: <Channels selected={null} /> };
  if ((m = match('/channels/:name', path))) return { key: 'channels', node: <Channels selected={m.name} /> };
  if (path === '/audit') return { key: 'audit', node: <Audit /> };
  return {
    key: 'missing',
    node: (
      <p>
        Nothing here. <Link to="/">Back to the fleet</Link>
      </p>
    ),
  };
}

export function App() {
  const session = useSession();
  const { path, query } = useLocation();
  if (session.checking) return <p className="muted pad">Signing in…</p>;
  if (!session.me) return <SignIn />;
  const screen = screenFor(path, query);
  const section = path === '/' || path.startsWith('/applications') ? '/' : `/${path.split('/')[1]}`;
  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <Link to="/" className="brand">
          Flotilla
        </Link>
        <nav aria-label="main">
          {NAV.map(([to, label]) => (
            <Link key={to} to={to} aria-current={section === to ? 'page' : undefined}>
              {label}
            </Link>
          ))}
        </nav>
        <span className="spacer" />
        <span className="who" data-testid="who">
          {session.me.name} <span className="badge role">{session.me.role}</span>
        </span>
        <button type="button" onClick={() => session.signOut()}>
          Sign out
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        <div key={screen.key}>{screen.node}</div>
      </main>
    </>
  );
}
