import type { ReactNode } from 'react';
import { Navigate } from 'react-router';

import type { Me } from '../api/client';
import { DashboardSkeleton } from '../pages/DashboardPage';
import { ServerUnreachable } from '../pages/ServerUnreachable';
import { useAuth } from './AuthContext';

/** Renders `children` with the signed-in user, or sends the visitor to Sign in. */
export function RequireSession({ children }: { children(me: Me): ReactNode }) {
  const { session } = useAuth();

  switch (session.status) {
    case 'checking':
      return <DashboardSkeleton />;
    case 'unreachable':
      return <ServerUnreachable />;
    case 'signed-out':
      return <Navigate to="/sign-in" replace />;
    case 'signed-in':
      return <>{children(session.me)}</>;
  }
}
