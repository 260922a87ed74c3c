import { useEffect, useRef, useState } from 'react';

import type { Me, User } from '../api/client';
import { useAuth } from '../auth/AuthContext';
import { useDebouncedValue } from '../lib/useDebouncedValue';
import { DeleteUserDialog } from '../users/DeleteUserDialog';
import { EditUserDialog } from '../users/EditUserDialog';
import { InviteDialog } from '../users/InviteDialog';
import { UsersTable } from '../users/UsersTable';
import { PAGE_SIZE, useUserPages } from '../users/useUserPages';
import { Brand } from '../ui/Brand';
import { Spinner } from '../ui/Spinner';
import { useToasts } from '../ui/Toasts';

export const SEARCH_DEBOUNCE_MS = 300;

type OpenDialog =
  | { kind: 'invite'; opener: HTMLElement | null }
  | { kind: 'edit'; user: User; opener: HTMLElement | null }
  | { kind: 'delete'; user: User; opener: HTMLElement | null };

export function DashboardPage({ me }: { me: Me }) {
  const { replaceUser: replaceSignedInUser } = useAuth();
  const { notify } = useToasts();
  const [searchInput, setSearchInput] = useState('');
  const search = useDebouncedValue(searchInput.trim(), SEARCH_DEBOUNCE_MS);
  const pages = useUserPages(search);
  const [dialog, setDialog] = useState<OpenDialog | null>(null);
  const headingRef = useRef<HTMLHeadingElement>(null);
  const focusHeadingWhenLoaded = useRef(false);

  useEffect(() => {
    document.title = 'Users · User admin';
  }, []);

  useEffect(() => {
    if (pages.page.status === 'error' && pages.page.problem.status !== 401) {
      notify('error', `The users could not be loaded: ${pages.page.problem.detail}`);
    }
  }, [pages.page, notify]);

  // The deleted user's row, which held the focus, is gone once the list
  // reloads. The effect follows the page object rather than its status,
  // because a fast response can take the status from ready to ready.
  useEffect(() => {
    if (pages.page.status !== 'loading' && focusHeadingWhenLoaded.current) {
      focusHeadingWhenLoaded.current = false;
      headingRef.current?.focus();
    }
  }, [pages.page]);

  const closeDialog = () => setDialog(null);
  const shown = pages.page.status === 'ready' ? pages.page.users.length : 0;

  return (
    <div className="app-layout">
      <AppHeader email={me.user.email} />

      <main className="page" aria-labelledby="page-heading">
        <div className="page-header">
          <div>
            <h1 id="page-heading" className="page-title" ref={headingRef} tabIndex={-1}>
              Users
            </h1>
            <p className="page-lead">Invite people, correct their details and remove access.</p>
          </div>
          <button
            type="button"
            className="button button-primary"
            onClick={(event) => setDialog({ kind: 'invite', opener: event.currentTarget })}
          >
            <svg aria-hidden="true" viewBox="0 0 20 20" width="16" height="16">
              <path d="M10 4v12M4 10h12" stroke="currentColor" strokeWidth="2" strokeLinecap="round" />
            </svg>
            Invite user
          </button>
        </div>

        <section className="card" aria-label="User list">
          <div className="toolbar">
            <div className="search">
              <label htmlFor="user-search" className="visually-hidden">
                Search users
              </label>
              <svg className="search-icon" aria-hidden="true" viewBox="0 0 20 20" width="16" height="16">
                <circle cx="9" cy="9" r="5.5" stroke="currentColor" strokeWidth="1.8" fill="none" />
                <path d="M13.2 13.2L17 17" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" />
              </svg>
              <input
                id="user-search"
                className="input search-input"
                type="search"
                placeholder="Search by name or email"
                autoComplete="off"
                value={searchInput}
                onChange={(event) => setSearchInput(event.target.value)}
              />
            </div>
          </div>

          <UsersTable
            page={pages.page}
            search={search}
            currentUserId={me.user.id}
            onEdit={(user, opener) => setDialog({ kind: 'edit', user, opener })}
            onDelete={(user, opener) => setDialog({ kind: 'delete', user, opener })}
            onRetry={pages.reload}
          />

          <nav className="pager" aria-label="Pages">
            <p className="pager-status" aria-live="polite">
              {pagerStatus(pages.page.status === 'ready' ? shown : null, pages.pageNumber, pages.hasNext)}
            </p>
            <div className="pager-buttons">
              <button type="button" className="button button-secondary button-small" onClick={pages.previous} disabled={!pages.hasPrevious}>
                <span aria-hidden="true">←</span> Previous
              </button>
              <button type="button" className="button button-secondary button-small" onClick={pages.next} disabled={!pages.hasNext}>
                Next <span aria-hidden="true">→</span>
              </button>
            </div>
          </nav>
        </section>
      </main>

      {dialog?.kind === 'invite' ? (
        <InviteDialog
          opener={dialog.opener}
          onClose={closeDialog}
          onInvited={() => {
            closeDialog();
            pages.reload();
          }}
        />
      ) : null}
      {dialog?.kind === 'edit' ? (
        <EditUserDialog
          user={dialog.user}
          opener={dialog.opener}
          onClose={closeDialog}
          onSaved={(user) => {
            closeDialog();
            pages.replaceUser(user);
            replaceSignedInUser(user);
          }}
          onGone={() => {
            closeDialog();
            pages.reload();
          }}
        />
      ) : null}
      {dialog?.kind === 'delete' ? (
        <DeleteUserDialog
          user={dialog.user}
          opener={dialog.opener}
          fallbackFocus={() => headingRef.current}
          onClose={closeDialog}
          onDeleted={() => {
            closeDialog();
            focusHeadingWhenLoaded.current = true;
            pages.reload();
          }}
        />
      ) : null}
    </div>
  );
}

function AppHeader({ email }: { email: string }) {
  const { signOut } = useAuth();
  const { notify } = useToasts();
  const [pending, setPending] = useState(false);

  const onSignOut = async () => {
    setPending(true);
    const problem = await signOut();
    setPending(false);
    if (problem && problem.status !== 401) {
      notify('error', `You are still signed in: ${problem.detail}`);
    }
  };

  return (
    <header className="app-header">
      <div className="app-header-inner">
        <Brand compact />
        <div className="account">
          <span className="account-email" title={email}>
            <span className="visually-hidden">Signed in as </span>
            {email}
          </span>
          <button type="button" className="button button-secondary button-small" onClick={onSignOut} disabled={pending}>
            {pending ? <Spinner /> : null}
            Sign out
          </button>
        </div>
      </div>
    </header>
  );
}

/** Describes the page shown: "3 users" when everything fits on one page, else "Page 2 · users 21–40". */
export function pagerStatus(shown: number | null, pageNumber: number, hasNext: boolean): string {
  if (shown === null || shown === 0) {
    return `Page ${pageNumber}`;
  }
  if (pageNumber === 1 && !hasNext) {
    return shown === 1 ? '1 user' : `${shown} users`;
  }
  const first = (pageNumber - 1) * PAGE_SIZE + 1;
  return `Page ${pageNumber} · users ${first}–${first + shown - 1}`;
}

/** Renders the dashboard's frame with placeholder rows while the session is checked. */
export function DashboardSkeleton() {
  return (
    <div className="app-layout" aria-busy="true">
      <header className="app-header">
        <div className="app-header-inner">
          <Brand compact />
          <span className="skeleton skeleton-text" style={{ width: '10rem' }} />
        </div>
      </header>
      <main className="page">
        <p className="visually-hidden" role="status">
          Loading…
        </p>
        <div className="page-header">
          <div>
            <span className="skeleton skeleton-heading" />
          </div>
        </div>
        <section className="card">
          <UsersTable page={{ status: 'loading' }} search="" currentUserId={0} onEdit={noop} onDelete={noop} onRetry={noop} />
        </section>
      </main>
    </div>
  );
}

function noop() {}
