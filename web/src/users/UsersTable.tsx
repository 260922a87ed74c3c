import { useRef } from 'react';

import type { User } from '../api/client';
import { formatDateTime, formatRelative } from '../lib/format';
import type { PageState } from './useUserPages';

const MIN_SKELETON_ROWS = 5;

export interface UsersTableProps {
  page: PageState;
  search: string;
  currentUserId: number;
  onEdit(user: User, opener: HTMLButtonElement): void;
  onDelete(user: User, opener: HTMLButtonElement): void;
  onRetry(): void;
}

export function UsersTable({ page, search, currentUserId, onEdit, onDelete, onRetry }: UsersTableProps) {
  // Skeletons as tall as the last page keep the layout from jumping while the next one loads.
  const lastRowCount = useRef(MIN_SKELETON_ROWS);
  if (page.status === 'ready') {
    lastRowCount.current = Math.max(page.users.length, MIN_SKELETON_ROWS);
  }

  return (
    <div className="table-wrap">
      <table className="users-table" aria-busy={page.status === 'loading'} aria-describedby="users-table-status">
        <caption className="visually-hidden">Users</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Email</th>
            <th scope="col">Status</th>
            <th scope="col">Last sign-in</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {page.status === 'loading'
            ? Array.from({ length: lastRowCount.current }, (_, index) => <SkeletonRow key={index} />)
            : null}
          {page.status === 'error' ? (
            <tr className="table-message-row">
              <td colSpan={5}>
                <div className="table-message">
                  <p className="table-message-title">The users could not be loaded</p>
                  <p>{page.problem.detail}</p>
                  <button type="button" className="button button-secondary" onClick={onRetry}>
                    Try again
                  </button>
                </div>
              </td>
            </tr>
          ) : null}
          {page.status === 'ready' && page.users.length === 0 ? (
            <tr className="table-message-row">
              <td colSpan={5}>
                <div className="table-message">
                  <p className="table-message-title">{search ? 'No users match your search' : 'No users yet'}</p>
                  <p>{search ? `Nobody's name or email contains “${search}”.` : 'Invite someone to get started.'}</p>
                </div>
              </td>
            </tr>
          ) : null}
          {page.status === 'ready'
            ? page.users.map((user) => (
                <UserRow key={user.id} user={user} isCurrentUser={user.id === currentUserId} onEdit={onEdit} onDelete={onDelete} />
              ))
            : null}
        </tbody>
      </table>
      <p id="users-table-status" className="visually-hidden" aria-live="polite">
        {page.status === 'loading' ? 'Loading users…' : ''}
      </p>
    </div>
  );
}

function UserRow({
  user,
  isCurrentUser,
  onEdit,
  onDelete,
}: {
  user: User;
  isCurrentUser: boolean;
  onEdit(user: User, opener: HTMLButtonElement): void;
  onDelete(user: User, opener: HTMLButtonElement): void;
}) {
  return (
    <tr>
      <td className="cell-name">
        <span className="avatar" aria-hidden="true">
          {initials(user.name)}
        </span>
        <span className="user-name">{user.name}</span>
        {isCurrentUser ? <span className="badge badge-neutral">You</span> : null}
      </td>
      <td className="cell-email">{user.email}</td>
      <td className="cell-status">
        <span className={`badge badge-${user.status}`}>{user.status === 'active' ? 'Active' : 'Invited'}</span>
      </td>
      <td className="cell-last-sign-in">
        <span className="cell-label" aria-hidden="true">
          Last sign-in:{' '}
        </span>
        {user.last_login_at ? (
          <time dateTime={user.last_login_at} title={formatDateTime(user.last_login_at)}>
            {formatRelative(user.last_login_at)}
          </time>
        ) : (
          <span className="muted">Never</span>
        )}
      </td>
      <td className="cell-actions">
        <button
          type="button"
          className="button button-ghost button-small"
          aria-label={`Edit ${user.name}`}
          onClick={(event) => onEdit(user, event.currentTarget)}
        >
          Edit
        </button>
        {isCurrentUser ? null : (
          <button
            type="button"
            className="button button-ghost-danger button-small"
            aria-label={`Delete ${user.name}`}
            onClick={(event) => onDelete(user, event.currentTarget)}
          >
            Delete
          </button>
        )}
      </td>
    </tr>
  );
}

function SkeletonRow() {
  return (
    <tr className="skeleton-row" aria-hidden="true">
      <td className="cell-name">
        <span className="avatar skeleton" />
        <span className="skeleton skeleton-text" style={{ width: '9rem' }} />
      </td>
      <td className="cell-email">
        <span className="skeleton skeleton-text" style={{ width: '12rem' }} />
      </td>
      <td className="cell-status">
        <span className="skeleton skeleton-badge" />
      </td>
      <td className="cell-last-sign-in">
        <span className="skeleton skeleton-text" style={{ width: '6rem' }} />
      </td>
      <td className="cell-actions">
        <span className="skeleton skeleton-text" style={{ width: '5.5rem' }} />
      </td>
    </tr>
  );
}

function initials(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  const letters = words.length > 1 ? [words[0], words[words.length - 1]] : words;
  return letters
    .map((word) => word?.[0] ?? '')
    .join('')
    .toUpperCase();
}
