import { useEffect, useRef, useState, type FormEvent } from 'react';
import { Link, Navigate, useSearchParams } from 'react-router';

import { useApi } from '../api/ApiContext';
import { request, type Problem } from '../api/problem';
import { useAuth, type SessionState } from '../auth/AuthContext';
import { fieldMessage } from '../lib/format';
import { Alert } from '../ui/Alert';
import { Brand } from '../ui/Brand';
import { Spinner } from '../ui/Spinner';
import { TextField } from '../ui/TextField';
import { useToasts } from '../ui/Toasts';

/** The reasons the API gives in `/sign-in?error=` when a magic link fails. */
export type LinkError = 'used' | 'expired' | 'invalid' | 'unavailable';

export const linkErrorMessages: Record<LinkError, { title: string; detail: string }> = {
  used: {
    title: 'This sign-in link was already used',
    detail: 'Each link works only once. Enter your email below and we will send you a new one.',
  },
  expired: {
    title: 'This sign-in link has expired',
    detail: 'Links stop working after a short time. Enter your email below and we will send you a new one.',
  },
  invalid: {
    title: 'This sign-in link is not valid',
    detail: 'It may be incomplete or mistyped. Copy the whole link from the email, or ask for a new one below.',
  },
  unavailable: {
    title: 'Sign-in is unavailable right now',
    detail: 'We could not check your link. Wait a minute, then ask for a new link below.',
  },
};

export function parseLinkError(value: string | null): LinkError | null {
  if (value === null) {
    return null;
  }
  return value in linkErrorMessages ? (value as LinkError) : 'invalid';
}

type Stage = { name: 'enter-email' } | { name: 'check-email'; email: string };

export function SignInPage() {
  const { session, clearReason } = useAuth();
  const [searchParams, setSearchParams] = useSearchParams();
  const linkError = parseLinkError(searchParams.get('error'));
  const [stage, setStage] = useState<Stage>({ name: 'enter-email' });

  useEffect(() => {
    document.title = stage.name === 'check-email' ? 'Check your email · User admin' : 'Sign in · User admin';
  }, [stage]);

  if (session.status === 'signed-in' && !linkError) {
    return <Navigate to="/" replace />;
  }

  const onSent = (email: string) => {
    clearReason();
    if (linkError) {
      setSearchParams({}, { replace: true });
    }
    setStage({ name: 'check-email', email });
  };

  return (
    <div className="auth-layout">
      <main className="auth-card" aria-labelledby="auth-heading">
        <Brand />
        {stage.name === 'check-email' ? (
          <CheckEmail email={stage.email} onChangeEmail={() => setStage({ name: 'enter-email' })} />
        ) : (
          <EnterEmail session={session} linkError={linkError} onSent={onSent} />
        )}
      </main>
    </div>
  );
}

function SessionNotice({ session }: { session: SessionState }) {
  if (session.status === 'signed-out' && session.reason === 'session-ended') {
    return (
      <Alert tone="info" title="Your session has ended">
        You were signed out because your session expired or was ended elsewhere. Sign in again to continue.
      </Alert>
    );
  }
  if (session.status === 'signed-out' && session.reason === 'signed-out') {
    return <Alert tone="success">You have signed out.</Alert>;
  }
  if (session.status === 'unreachable') {
    return (
      <Alert tone="error" title="The server could not be reached">
        {session.problem.detail}
      </Alert>
    );
  }
  return null;
}

function EnterEmail({
  session,
  linkError,
  onSent,
}: {
  session: SessionState;
  linkError: LinkError | null;
  onSent(email: string): void;
}) {
  const api = useApi();
  const [email, setEmail] = useState('');
  const [pending, setPending] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);
  const emailRef = useRef<HTMLInputElement>(null);

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setPending(true);
    setProblem(null);

    const result = await request(api.client.POST('/login', { body: { email: email.trim() } }));
    setPending(false);

    if (result.ok) {
      onSent(email.trim());
      return;
    }
    setProblem(result.problem);
    emailRef.current?.focus();
  };

  const emailError = fieldMessage('Email', problem?.fieldErrors.email);
  const linkMessage = linkError ? linkErrorMessages[linkError] : null;

  return (
    <>
      <h1 id="auth-heading" className="auth-title">
        Sign in
      </h1>
      <p className="auth-lead">We will email you a link that signs you in. There is no password to remember.</p>

      <div className="auth-alerts">
        {linkMessage ? (
          <Alert tone="error" title={linkMessage.title}>
            {linkMessage.detail}
          </Alert>
        ) : (
          <SessionNotice session={session} />
        )}
        {linkMessage && session.status === 'signed-in' ? (
          <Alert tone="info">
            You are still signed in as {session.me.user.email}. <Link to="/">Go to the dashboard</Link>
          </Alert>
        ) : null}
        {problem && !emailError ? <Alert tone="error">{problem.detail}</Alert> : null}
      </div>

      <form className="auth-form" onSubmit={submit} noValidate>
        <TextField
          ref={emailRef}
          label="Email address"
          type="email"
          name="email"
          autoComplete="email"
          inputMode="email"
          required
          value={email}
          onChange={(event) => setEmail(event.target.value)}
          error={emailError}
          placeholder="you@example.com"
        />
        <button type="submit" className="button button-primary button-block" disabled={pending}>
          {pending ? <Spinner /> : null}
          {linkError ? 'Send me a new link' : 'Email me a sign-in link'}
        </button>
      </form>
    </>
  );
}

function CheckEmail({ email, onChangeEmail }: { email: string; onChangeEmail(): void }) {
  const api = useApi();
  const { notify } = useToasts();
  const [pending, setPending] = useState(false);
  const headingRef = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    headingRef.current?.focus();
  }, []);

  const resend = async () => {
    setPending(true);
    const result = await request(api.client.POST('/login', { body: { email } }));
    setPending(false);

    if (result.ok) {
      notify('success', `A new sign-in link is on its way to ${email}.`);
    } else {
      notify('error', `The link could not be sent: ${result.problem.detail}`);
    }
  };

  return (
    <>
      <div className="auth-icon" aria-hidden="true">
        <svg viewBox="0 0 24 24" width="28" height="28" fill="none" stroke="currentColor" strokeWidth="1.7" strokeLinecap="round" strokeLinejoin="round">
          <rect x="3" y="5" width="18" height="14" rx="2.5" />
          <path d="M3.5 7l8.5 6 8.5-6" />
        </svg>
      </div>
      <h1 id="auth-heading" className="auth-title" ref={headingRef} tabIndex={-1}>
        Check your email
      </h1>
      <p className="auth-lead">
        If <strong className="auth-email">{email}</strong> belongs to a user, a sign-in link is on its way. Open it on
        this device. It works once and expires after a short time.
      </p>
      <div className="auth-actions">
        <button type="button" className="button button-secondary button-block" onClick={resend} disabled={pending}>
          {pending ? <Spinner /> : null}
          Send a new link
        </button>
        <button type="button" className="button button-ghost button-block" onClick={onChangeEmail}>
          Use a different email
        </button>
      </div>
    </>
  );
}
