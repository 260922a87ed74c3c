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

export interface EditUserDialogProps {
  user: User;
  opener: HTMLElement | null;
  onClose(): void;
  onSaved(user: User): void;
  /** Called when the user no longer exists, so that the list can be reloaded. */
  onGone(): void;
}

export function EditUserDialog({ user, opener, onClose, onSaved, onGone }: EditUserDialogProps) {
  const api = useApi();
  const { notify } = useToasts();
  const [name, setName] = useState(user.name);
  const [email, setEmail] = useState(user.email);
  const [pending, setPending] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);
  const nameRef = useRef<HTMLInputElement>(null);
  const emailRef = useRef<HTMLInputElement>(null);

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();

    // Only changed fields are sent: absent fields stay as they are.
    const changes: { name?: string; email?: string } = {};
    if (name.trim() !== user.name) {
      changes.name = name.trim();
    }
    if (email.trim() !== user.email) {
      changes.email = email.trim();
    }
    if (Object.keys(changes).length === 0) {
      onClose();
      return;
    }

    setPending(true);
    setProblem(null);
    const result = await request(
      api.client.PATCH('/users/{id}', { params: { path: { id: user.id } }, body: changes }),
    );
    setPending(false);

    if (result.ok) {
      notify('success', `Saved the changes to ${result.data.name}.`);
      onSaved(result.data);
      return;
    }

    if (result.problem.status === 401) {
      return;
    }
    if (result.problem.status === 404) {
      notify('error', `${user.name} no longer exists; another administrator may have deleted them.`);
      onGone();
      return;
    }
    setProblem(result.problem);
    const hasFieldErrors = Object.keys(result.problem.fieldErrors).length > 0;
    notify('error', hasFieldErrors ? 'The changes were not saved. Check the marked fields.' : `The changes were not saved: ${result.problem.detail}`);
    if (result.problem.fieldErrors.name) {
      nameRef.current?.focus();
    } else if (result.problem.fieldErrors.email) {
      emailRef.current?.focus();
    }
  };

  const nameError = fieldMessage('Name', problem?.fieldErrors.name);
  const emailError = fieldMessage('Email', problem?.fieldErrors.email);

  return (
    <Dialog title={`Edit ${user.name}`} opener={opener} onClose={onClose}>
      <form className="dialog-form" onSubmit={submit} noValidate>
        {problem && !nameError && !emailError ? <Alert tone="error">{problem.detail}</Alert> : null}
        <TextField
          ref={nameRef}
          label="Name"
          name="name"
          autoComplete="off"
          required
          autoFocusOnOpen
          value={name}
          onChange={(event) => setName(event.target.value)}
          error={nameError}
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
            Save changes
          </button>
        </div>
      </form>
    </Dialog>
  );
}
