import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';

import { useApi } from '../api/ApiContext';
import type { Me, User } from '../api/client';
import { request, type Problem } from '../api/problem';
import { useToasts } from '../ui/Toasts';

/** The reason the app signed the user out, shown on the Sign in page. */
export type SignOutReason = 'session-ended' | 'signed-out';

export type SessionState =
  | { status: 'checking' }
  | { status: 'signed-in'; me: Me }
  | { status: 'signed-out'; reason?: SignOutReason }
  | { status: 'unreachable'; problem: Problem };

interface AuthContextValue {
  session: SessionState;
  /** Asks the API for the session again, for example after it was unreachable. */
  refresh(): Promise<void>;
  /** Ends the session with `POST /logout`; returns the problem when that failed. */
  signOut(): Promise<Problem | null>;
  /** Replaces the signed-in user after they edited themselves. */
  replaceUser(user: User): void;
  /** Forgets why the user was signed out, once the message was shown. */
  clearReason(): void;
}

const AuthContext = createContext<AuthContextValue | null>(null);

// Marks across reloads that this browser had a session, so that a 401 on
// the next visit shows that the session ended rather than a bare form. The
// mark contains no credentials, because the session cookie is HttpOnly.
const HAD_SESSION_KEY = 'dashboard.had-session';

// setTimeout fires at once for delays above 2^31 - 1 ms (about 24.8 days).
const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

function readHadSession(): boolean {
  try {
    return window.localStorage.getItem(HAD_SESSION_KEY) === '1';
  } catch {
    return false;
  }
}

function writeHadSession(hadSession: boolean) {
  try {
    if (hadSession) {
      window.localStorage.setItem(HAD_SESSION_KEY, '1');
    } else {
      window.localStorage.removeItem(HAD_SESSION_KEY);
    }
  } catch {
    // Storage can be blocked; only the wording of one message depends on it.
  }
}

export function AuthProvider({ children }: { children: ReactNode }) {
  const api = useApi();
  const [session, setSession] = useState<SessionState>({ status: 'checking' });
  const sessionRef = useRef(session);
  sessionRef.current = session;
  const { clear: clearToasts } = useToasts();

  // Notices name users and what was done to them, so none outlive the session.
  useEffect(() => {
    if (session.status === 'signed-out') {
      clearToasts();
    }
  }, [session.status, clearToasts]);

  useEffect(
    () =>
      api.onUnauthorized(() => {
        setSession((previous) => {
          if (previous.status === 'signed-out') {
            return previous;
          }
          const reason = previous.status === 'signed-in' || readHadSession() ? 'session-ended' : undefined;
          return { status: 'signed-out', reason };
        });
        writeHadSession(false);
      }),
    [api],
  );

  const refresh = useCallback(async () => {
    const result = await request(api.client.GET('/me'));

    if (result.ok) {
      writeHadSession(true);
      setSession({ status: 'signed-in', me: result.data });
    } else if (result.problem.status !== 401) {
      // A 401 was already handled by the onUnauthorized listener.
      setSession((previous) => (previous.status === 'signed-in' ? previous : { status: 'unreachable', problem: result.problem }));
    }
  }, [api]);

  useEffect(() => {
    void refresh();
  }, [refresh]);

  // A session can end elsewhere (sign-out in another tab, deletion by another
  // administrator), so check again whenever the user comes back to the page.
  useEffect(() => {
    const checkOnReturn = () => {
      if (document.visibilityState === 'visible' && sessionRef.current.status === 'signed-in') {
        void refresh();
      }
    };
    window.addEventListener('focus', checkOnReturn);
    document.addEventListener('visibilitychange', checkOnReturn);
    return () => {
      window.removeEventListener('focus', checkOnReturn);
      document.removeEventListener('visibilitychange', checkOnReturn);
    };
  }, [refresh]);

  // Checks again when the session expires, so an idle page does not keep
  // showing user data after it.
  const expiresAt = session.status === 'signed-in' ? session.me.expires_at : null;
  useEffect(() => {
    if (!expiresAt) {
      return;
    }
    const delay = Math.min(Math.max(new Date(expiresAt).getTime() - Date.now() + 1000, 0), MAX_TIMER_DELAY_MS);
    const timer = window.setTimeout(() => void refresh(), delay);
    return () => window.clearTimeout(timer);
  }, [expiresAt, refresh]);

  const signOut = useCallback(async () => {
    const result = await request(api.client.POST('/logout'));
    if (!result.ok) {
      return result.problem;
    }

    writeHadSession(false);
    setSession({ status: 'signed-out', reason: 'signed-out' });
    return null;
  }, [api]);

  const replaceUser = useCallback((user: User) => {
    setSession((previous) =>
      previous.status === 'signed-in' && previous.me.user.id === user.id
        ? { status: 'signed-in', me: { ...previous.me, user } }
        : previous,
    );
  }, []);

  const clearReason = useCallback(() => {
    setSession((previous) => (previous.status === 'signed-out' && previous.reason ? { status: 'signed-out' } : previous));
  }, []);

  const value = useMemo(
    () => ({ session, refresh, signOut, replaceUser, clearReason }),
    [session, refresh, signOut, replaceUser, clearReason],
  );
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthContextValue {
  const auth = useContext(AuthContext);
  if (!auth) {
    throw new Error('useAuth must be used inside <AuthProvider>');
  }
  return auth;
}
