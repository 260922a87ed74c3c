import { useRef, useState, type FormEvent } from 'react';

import { useApi } from '../api/ApiContext';
import type { User } from '../api/client';
import { request, type Problem } from '../api/problem';
import { fieldMessage } from '../lib/format';
import { Alert } from '../ui/Alert';
import { Dialog } from '../ui/Dialog';
import { Spinner } from '../ui/Spinner';
import { TextField } from '../ui/TextField';
import { useToasts } from '../ui/Toasts';

export interface InviteDialogProps {
  opener: HTMLElement | null;
  onClose(): void;
  onInvited(user: User): void;
}

export function InviteDialog({ opener, onClose, onInvited }: InviteDialogProps) {
  const api = useApi();
  const { notify } = useToasts();
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [pending, setPending] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);
  const nameRef = useRef<HTMLInputElement>(null);
  const emailRef = useRef<HTMLInputElement>(null);

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setPending(true);
    setProblem(null);

    const trimmedName = name.trim();
    const body = { email: email.trim(), ...(trimmedName ? { name: trimmedName } : {}) };
    const result = await request(api.client.POST('/invite', { body }));
    setPending(false);

    if (result.ok) {
      const user = result.data;
      notify(
        'success',
        result.status === 201
          ? `Invitation sent to ${user.email}.`
          : `${user.email} already has an account, so we sent their link again.`,
      );
      onInvited(user);
      return;
    }

    if (result.problem.status === 401) {
      return;
    }
    setProblem(result.problem);
    const hasFieldErrors = Object.keys(result.problem.fieldErrors).length > 0;
    notify('error', hasFieldErrors ? 'The invitation was not sent. Check the marked fields.' : `The invitation was not sent: ${result.problem.detail}`);
    if (result.problem.fieldErrors.name) {
      nameRef.current?.focus();
    } else if (result.problem.fieldErrors.email) {
      emailRef.current?.focus();
    }
  };

  const nameError = fieldMessage('Name', problem?.fieldErrors.name);
  const emailError = fieldMessage('Email', problem?.fieldErrors.email);

  return (
    <Dialog title="Invite a user" description="We will email them a link to sign in." opener={opener} onClose={onClose}>
      <form className="dialog-form" onSubmit={submit} noValidate>
        {problem && !nameError && !emailError ? <Alert tone="error">{problem.detail}</Alert> : null}
        <TextField
          ref={nameRef}
          label="Name"
          name="name"
          autoComplete="off"
          optional
          autoFocusOnOpen
          value={name}
          onChange={(event) => setName(event.target.value)}
          error={nameError}
          hint="Leave empty to use the part of the email before the @."
        />
        <TextField
          ref={emailRef}
          label="Email"
          name="email"
          type="email"
          autoComplete="off"
          required
          value={email}
          onChange={(event) => setEmail(event.target.value)}
          error={emailError}
        />
        <div className="dialog-actions">
          <button type="button" className="button button-secondary" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button button-primary" disabled={pending}>
            {pending ? <Spinner /> : null}
            Send invitation
          </button>
        </div>
      </form>
    </Dialog>
  );
}
