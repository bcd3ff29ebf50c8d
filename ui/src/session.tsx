// Sign-in with an API token, kept in sessionStorage: it lives as long as the tab, never in
// localStorage or a cookie. The role comes from GET /api/v1/whoami and decides which actions show.
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

export function SessionProvider({ children }: { children: ReactNode }) {
  const [me, setMe] = useState<Me | null>(null);
  const [checking, setChecking] = useState(() => !!sessionStorage.getItem(KEY));
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
    const stored = sessionStorage.getItem(KEY);
    if (!stored) return;
    void signIn(stored).then((problem) => {
      if (problem) signOut(problem);
      setChecking(false);
    });
  }, [signIn, signOut]);

  const value = useMemo<Session>(() => ({ me, checking, signIn, signOut, ended, may: (role) => may(me, role) }), [me, checking, signIn, signOut, ended]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside SessionProvider');
  return s;
}
