import { useCallback, useEffect, useState } from 'react';

import { useApi } from '../api/ApiContext';
import type { User } from '../api/client';
import { isAbort, request, type Problem } from '../api/problem';

export const PAGE_SIZE = 20;

export type PageState =
  | { status: 'loading' }
  | { status: 'ready'; users: User[]; nextCursor: string | null }
  | { status: 'error'; problem: Problem };

export interface UserPages {
  page: PageState;
  /** 1 for the first page. */
  pageNumber: number;
  hasPrevious: boolean;
  hasNext: boolean;
  next(): void;
  previous(): void;
  reload(): void;
  /** Replaces one user on the current page without asking the API again. */
  replaceUser(user: User): void;
}

/**
 * Pages through `GET /users` with its keyset cursors. The API returns only
 * the cursor of the next page, so the cursors of the pages already seen are
 * kept for going back. A new search starts again from the first page.
 */
export function useUserPages(search: string, pageSize: number = PAGE_SIZE): UserPages {
  const api = useApi();
  const [paging, setPaging] = useState<{ search: string; cursors: (string | undefined)[] }>({
    search,
    cursors: [undefined],
  });
  const [page, setPage] = useState<PageState>({ status: 'loading' });
  const [reloads, setReloads] = useState(0);

  const cursors = paging.search === search ? paging.cursors : [undefined];
  const cursor = cursors[cursors.length - 1];

  useEffect(() => {
    const controller = new AbortController();
    setPage({ status: 'loading' });

    const query = { limit: pageSize, ...(cursor ? { cursor } : {}), ...(search ? { q: search } : {}) };
    request(api.client.GET('/users', { params: { query }, signal: controller.signal }))
      .then((result) => {
        if (controller.signal.aborted) {
          return;
        }
        if (!result.ok) {
          setPage({ status: 'error', problem: result.problem });
          return;
        }

        // A page can empty out when its last users were deleted: show the one before.
        if (result.data.users.length === 0 && cursor) {
          setPaging((current) => ({ search, cursors: current.cursors.slice(0, -1) }));
          return;
        }
        setPage({ status: 'ready', users: result.data.users, nextCursor: result.data.next_cursor ?? null });
      })
      .catch((error: unknown) => {
        if (!isAbort(error)) {
          throw error;
        }
      });

    return () => controller.abort();
  }, [api, cursor, search, pageSize, reloads]);

  const nextCursor = page.status === 'ready' ? page.nextCursor : null;

  const next = useCallback(() => {
    if (nextCursor) {
      setPaging({ search, cursors: [...cursors, nextCursor] });
    }
  }, [nextCursor, search, cursors]);

  const previous = useCallback(() => {
    if (cursors.length > 1) {
      setPaging({ search, cursors: cursors.slice(0, -1) });
    }
  }, [search, cursors]);

  const reload = useCallback(() => setReloads((count) => count + 1), []);

  const replaceUser = useCallback((user: User) => {
    setPage((current) =>
      current.status === 'ready'
        ? { ...current, users: current.users.map((existing) => (existing.id === user.id ? user : existing)) }
        : current,
    );
  }, []);

  return {
    page,
    pageNumber: cursors.length,
    hasPrevious: cursors.length > 1,
    hasNext: nextCursor !== null,
    next,
    previous,
    reload,
    replaceUser,
  };
}
