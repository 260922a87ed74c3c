import { useState } from 'react';

import { useApi } from '../api/ApiContext';
import type { User } from '../api/client';
import { request } from '../api/problem';
import { Dialog } from '../ui/Dialog';
import { Spinner } from '../ui/Spinner';
import { useToasts } from '../ui/Toasts';

export interface DeleteUserDialogProps {
  user: User;
  opener: HTMLElement | null;
  fallbackFocus(): HTMLElement | null;
  onClose(): void;
  /** Called once the user is gone, also when another administrator deleted them first. */
  onDeleted(): void;
}

export function DeleteUserDialog({ user, opener, fallbackFocus, onClose, onDeleted }: DeleteUserDialogProps) {
  const api = useApi();
  const { notify } = useToasts();
  const [pending, setPending] = useState(false);

  const confirm = async () => {
    setPending(true);
    const result = await request(api.client.DELETE('/users/{id}', { params: { path: { id: user.id } } }));
    setPending(false);

    if (result.ok) {
      notify('success', `Deleted ${user.name}.`);
      onDeleted();
      return;
    }

    if (result.problem.status === 401) {
      return;
    }
    if (result.problem.status === 404) {
      notify('success', `${user.name} was already deleted.`);
      onDeleted();
      return;
    }
    notify('error', `${user.name} was not deleted: ${result.problem.detail}`);
    onClose();
  };

  return (
    <Dialog
      role="alertdialog"
      title={`Delete ${user.name}?`}
      description={
        <p>
          This removes <strong>{user.email}</strong> and signs them out everywhere. It cannot be undone.
        </p>
      }
      opener={opener}
      fallbackFocus={fallbackFocus}
      onClose={onClose}
    >
      <div className="dialog-actions">
        <button type="button" className="button button-secondary" onClick={onClose} data-autofocus>
          Cancel
        </button>
        <button type="button" className="button button-danger" onClick={confirm} disabled={pending}>
          {pending ? <Spinner /> : null}
          Delete user
        </button>
      </div>
    </Dialog>
  );
}
