// Sign-in with an API token, kept in sessionStorage: it lives as long as the tab, never in
// localStorage or a cookie. The role comes from GET /api/v1/whoami and decides which actions show.
// A sign-in link (`npm run demo` prints one) carries the token in the URL's fragment, `#token=…`:
// browsers never send a fragment to the server, nor in a Referer. It is taken out of the address
// bar before anything renders and then used as the sign-in form would use it.
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import { configureAuth, type Me, may, type Role, whoami } from './api/client';

const KEY = 'flotilla.token';

interface Session {
  me: Me | null;
  /** still checking a stored token */
  checking: boolean;
  signIn(token: string): Promise<string | null>;
  signOut(reason?: string): void;
  may(role: Role): boolean;
  /** why the last session ended, when it did not end by itself */
  ended: string | null;
}

const SessionContext = createContext<Session | null>(null);

/**
 * The token of a sign-in link (`#token=…`), or null. It is removed from the fragment at once with
 * replaceState, so it is neither left in the tab's history nor copied along with the address;
 * other fragment parameters stay. Call once, before the first render.
 */
export function takeSignInLinkToken(): string | null {
  const fragment = new URLSearchParams(window.location.hash.slice(1));
  const token = fragment.get('token');
  if (token === null) return null;
  fragment.delete('token');
  const rest = fragment.toString();
  window.history.replaceState(window.history.state, '', `${window.location.pathname}${window.location.search}${rest ? `#${rest}` : ''}`);
  return token;
}

/** `linkToken`: a sign-in link's token (takeSignInLinkToken), tried before a stored one */
export function SessionProvider({ children, linkToken = null }: { children: ReactNode; linkToken?: string | null }) {
  const [me, setMe] = useState<Me | null>(null);
  const [checking, setChecking] = useState(() => linkToken !== null || !!sessionStorage.getItem(KEY));
  const [ended, setEnded] = useState<string | null>(null);

  const signOut = useCallback((reason?: string) => {
    sessionStorage.removeItem(KEY);
    configureAuth(null, () => undefined);
    setMe(null);
    setEnded(reason ?? null);
  }, []);

  const signIn = useCallback(
    async (token: string): Promise<string | null> => {
      const t = token.trim();
      if (!t) return 'enter an API token';
      try {
        const who = await whoami(t);
        if (!who) return 'the service does not accept this token (invalid or revoked)';
        sessionStorage.setItem(KEY, t);
        configureAuth(t, () => signOut('the service no longer accepts this token: sign in again'));
        setEnded(null);
        setMe(who);
        return null;
      } catch (e) {
        return e instanceof Error ? e.message : String(e);
      }
    },
    [signOut],
  );

  useEffect(() => {
    // a link's token replaces whatever this tab was signed in with; one it cannot use signs out
    const candidate = linkToken ?? sessionStorage.getItem(KEY);
    if (candidate === null) return;
    void signIn(candidate).then((problem) => {
      if (problem) signOut(linkToken !== null ? `The sign-in link did not work: ${problem}` : problem);
      setChecking(false);
    });
  }, [linkToken, signIn, signOut]);

  const value = useMemo<Session>(() => ({ me, checking, signIn, signOut, ended, may: (role) => may(me, role) }), [me, checking, signIn, signOut, ended]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside SessionProvider');
  return s;
}
