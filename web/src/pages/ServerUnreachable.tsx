import { useState } from 'react';

import { useAuth } from '../auth/AuthContext';
import { Brand } from '../ui/Brand';
import { Spinner } from '../ui/Spinner';

export function ServerUnreachable() {
  const { session, refresh } = useAuth();
  const [pending, setPending] = useState(false);
  const detail = session.status === 'unreachable' ? session.problem.detail : '';

  const retry = async () => {
    setPending(true);
    await refresh();
    setPending(false);
  };

  return (
    <div className="auth-layout">
      <main className="auth-card" aria-labelledby="unreachable-heading">
        <Brand />
        <h1 id="unreachable-heading" className="auth-title">
          The dashboard is unavailable
        </h1>
        <p className="auth-lead" role="alert">
          {detail}
        </p>
        <button type="button" className="button button-primary button-block" onClick={retry} disabled={pending}>
          {pending ? <Spinner /> : null}
          Try again
        </button>
      </main>
    </div>
  );
}
