import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import { FakeApi, problem } from '../test/fakeApi';
import { renderApp } from '../test/render';
import { pagerStatus } from './DashboardPage';

/** Waits for the users table to load and returns its rows without the header row. */
async function dataRows(): Promise<HTMLElement[]> {
  // The table is queried afresh each time: the one shown while the session is checked is replaced.
  const table = await waitFor(() => {
    const current = screen.getByRole('table');
    expect(current).toHaveAttribute('aria-busy', 'false');
    return current;
  });
  return within(table).getAllByRole('row').slice(1);
}

describe('Dashboard', () => {
  it('lists users with status and last sign-in', async () => {
    const api = new FakeApi(3);
    renderApp(api);

    const rows = await dataRows();
    expect(rows).toHaveLength(3);
    expect(rows[0]).toHaveTextContent('Admin');
    expect(rows[0]).toHaveTextContent('You');
    expect(rows[0]).toHaveTextContent('Active');
    expect(rows[0]).toHaveTextContent('5 minutes ago');
    expect(rows[1]).toHaveTextContent('user1@example.com');
    expect(rows[1]).toHaveTextContent('Invited');
    expect(rows[1]).toHaveTextContent('Never');
    expect(screen.getByRole('banner')).toHaveTextContent('admin@example.com');
  });

  it('shows skeleton rows while a page loads', async () => {
    const api = new FakeApi(2);
    let release: () => void = () => {};
    const answer = api.fetch;
    api.fetch = async (request) => {
      if (new URL(request.url).pathname === '/users') {
        await new Promise<void>((resolve) => {
          release = resolve;
        });
      }
      return answer(request);
    };
    const { container } = renderApp(api);

    await screen.findByRole('heading', { name: 'Users', level: 1 });
    expect(screen.getByRole('table')).toHaveAttribute('aria-busy', 'true');
    expect(container.querySelectorAll('.skeleton-row').length).toBeGreaterThanOrEqual(5);

    await act(async () => release());
    await dataRows();
    expect(container.querySelectorAll('.skeleton-row')).toHaveLength(0);
  });

  it('pages forward and back with next_cursor', async () => {
    const api = new FakeApi(45);
    renderApp(api);
    expect(await dataRows()).toHaveLength(20);
    const next = screen.getByRole('button', { name: 'Next' });
    const previous = screen.getByRole('button', { name: 'Previous' });
    expect(previous).toBeDisabled();

    await userEvent.click(next);
    let rows = await dataRows();
    expect(rows[0]).toHaveTextContent('User 20');
    expect(screen.getByText('Page 2 · users 21–40')).toBeInTheDocument();

    await userEvent.click(next);
    rows = await dataRows();
    expect(rows).toHaveLength(5);
    expect(next).toBeDisabled();

    await userEvent.click(previous);
    rows = await dataRows();
    expect(rows[0]).toHaveTextContent('User 20');

    const cursors = api.requestsTo('GET', '/users').map((request) => request.query.get('cursor'));
    expect(cursors).toEqual([null, '20', '40', '20']);
    expect(api.requestsTo('GET', '/users').every((request) => request.query.get('limit') === '20')).toBe(true);
  });

  it('debounces the search and starts from the first page', async () => {
    const api = new FakeApi(45);
    renderApp(api);
    await dataRows();
    await userEvent.click(screen.getByRole('button', { name: 'Next' }));
    await dataRows();

    await userEvent.type(screen.getByLabelText('Search users'), 'user 4');

    await waitFor(() => expect(screen.getByText('5 users')).toBeInTheDocument());
    const searches = api.requestsTo('GET', '/users').filter((request) => request.query.has('q'));
    expect(searches.map((request) => request.query.get('q'))).toEqual(['user 4']);
    expect(searches[0]?.query.has('cursor')).toBe(false);
  });

  it('says when nothing matches the search', async () => {
    renderApp(new FakeApi(3));
    await dataRows();

    await userEvent.type(screen.getByLabelText('Search users'), 'zebra');

    expect(await screen.findByText('No users match your search')).toBeInTheDocument();
  });

  it('offers to try again when the list fails', async () => {
    const api = new FakeApi(2);
    api.answerOnce('GET', '/users', problem(503, 'Service unavailable', 'The database is unavailable. Try again in a minute.'));
    renderApp(api);

    expect(await screen.findByText('The database is unavailable. Try again in a minute.')).toBeInTheDocument();
    expect(await screen.findByRole('alert')).toHaveTextContent('The users could not be loaded: The database is unavailable.');
    await userEvent.click(screen.getByRole('button', { name: 'Try again' }));

    expect(await dataRows()).toHaveLength(2);
  });

  it('invites a user and shows field errors beside the fields', async () => {
    const api = new FakeApi(1);
    renderApp(api);
    await dataRows();
    const inviteButton = screen.getByRole('button', { name: 'Invite user' });

    await userEvent.click(inviteButton);
    const dialog = screen.getByRole('dialog', { name: 'Invite a user' });
    expect(within(dialog).getByLabelText('Name (optional)')).toHaveFocus();
    await userEvent.type(within(dialog).getByLabelText('Email'), 'grace@');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Send invitation' }));

    const email = within(dialog).getByLabelText('Email');
    await waitFor(() => expect(email).toHaveAccessibleDescription('Email has an invalid domain after the @.'));
    expect(email).toHaveAttribute('aria-invalid', 'true');
    expect(email).toHaveFocus();
    expect(await screen.findByText('The invitation was not sent. Check the marked fields.')).toBeInTheDocument();

    await userEvent.type(within(dialog).getByLabelText('Name (optional)'), 'Grace Hopper');
    await userEvent.clear(email);
    await userEvent.type(email, 'grace@example.com');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Send invitation' }));

    expect(await screen.findByText('Invitation sent to grace@example.com.')).toBeInTheDocument();
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
    expect(inviteButton).toHaveFocus();
    expect(api.requestsTo('POST', '/invite').at(-1)?.body).toEqual({ email: 'grace@example.com', name: 'Grace Hopper' });
    await waitFor(async () => expect((await dataRows()).at(-1)).toHaveTextContent('Grace Hopper'));
  });

  it('says when an invited email already has an account', async () => {
    renderApp(new FakeApi(2));
    await dataRows();

    await userEvent.click(screen.getByRole('button', { name: 'Invite user' }));
    await userEvent.type(screen.getByLabelText('Email'), 'user1@example.com');
    await userEvent.click(screen.getByRole('button', { name: 'Send invitation' }));

    expect(await screen.findByText('user1@example.com already has an account, so we sent their link again.')).toBeInTheDocument();
  });

  it('edits a name and sends only what changed', async () => {
    const api = new FakeApi(2);
    renderApp(api);
    await dataRows();

    await userEvent.click(screen.getByRole('button', { name: 'Edit User 01' }));
    const dialog = screen.getByRole('dialog', { name: 'Edit User 01' });
    const name = within(dialog).getByLabelText('Name');
    await userEvent.clear(name);
    await userEvent.click(within(dialog).getByRole('button', { name: 'Save changes' }));
    await waitFor(() => expect(name).toHaveAccessibleDescription('Name must not be empty.'));

    await userEvent.type(name, 'Barbara Liskov');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Save changes' }));

    expect(await screen.findByText('Saved the changes to Barbara Liskov.')).toBeInTheDocument();
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
    expect((await dataRows())[1]).toHaveTextContent('Barbara Liskov');
    expect(api.requestsTo('PATCH', '/users/2').at(-1)?.body).toEqual({ name: 'Barbara Liskov' });
    expect(screen.getByRole('button', { name: 'Edit Barbara Liskov' })).toHaveFocus();
  });

  it('updates the header after users edit their own email', async () => {
    renderApp(new FakeApi(1));
    await dataRows();

    await userEvent.click(screen.getByRole('button', { name: 'Edit Admin' }));
    const email = screen.getByLabelText('Email');
    await userEvent.clear(email);
    await userEvent.type(email, 'root@example.com');
    await userEvent.click(screen.getByRole('button', { name: 'Save changes' }));

    await waitFor(() => expect(screen.getByRole('banner')).toHaveTextContent('root@example.com'));
  });

  it('deletes only after confirmation', async () => {
    const api = new FakeApi(3);
    renderApp(api);
    await dataRows();

    await userEvent.click(screen.getByRole('button', { name: 'Delete User 01' }));
    const dialog = screen.getByRole('alertdialog', { name: 'Delete User 01?' });
    expect(within(dialog).getByRole('button', { name: 'Cancel' })).toHaveFocus();
    await userEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(api.requestsTo('DELETE', '/users/2')).toHaveLength(0);

    await userEvent.click(screen.getByRole('button', { name: 'Delete User 01' }));
    await userEvent.click(screen.getByRole('button', { name: 'Delete user' }));

    expect(await screen.findByText('Deleted User 01.')).toBeInTheDocument();
    await waitFor(async () => expect(await dataRows()).toHaveLength(2));
    expect(api.requestsTo('DELETE', '/users/2')).toHaveLength(1);
    await waitFor(() => expect(screen.getByRole('heading', { name: 'Users', level: 1 })).toHaveFocus());
  });

  it('offers no Delete for the signed-in user', async () => {
    renderApp(new FakeApi(2));
    await dataRows();

    expect(screen.queryByRole('button', { name: 'Delete Admin' })).not.toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Delete User 01' })).toBeInTheDocument();
  });

  it('reports a failed delete', async () => {
    const api = new FakeApi(2);
    api.answerOnce('DELETE', '/users/2', problem(503, 'Service unavailable', 'The identity provider is unavailable. Try again in a minute.'));
    renderApp(api);
    await dataRows();

    await userEvent.click(screen.getByRole('button', { name: 'Delete User 01' }));
    await userEvent.click(screen.getByRole('button', { name: 'Delete user' }));

    expect(await screen.findByRole('alert')).toHaveTextContent(
      'User 01 was not deleted: The identity provider is unavailable. Try again in a minute.',
    );
    expect(await dataRows()).toHaveLength(2);
  });

  it('signs out', async () => {
    const api = new FakeApi(2);
    renderApp(api);
    await dataRows();

    await userEvent.click(screen.getByRole('button', { name: 'Sign out' }));

    expect(await screen.findByText('You have signed out.')).toBeInTheDocument();
    expect(screen.getByTestId('location')).toHaveTextContent(/^\/sign-in$/);
    expect(screen.queryByText('admin@example.com')).not.toBeInTheDocument();
    expect(api.requestsTo('POST', '/logout')).toHaveLength(1);
  });

  it('leaves for Sign in on any 401 and drops the user data', async () => {
    const api = new FakeApi(3);
    renderApp(api);
    await dataRows();
    await userEvent.click(screen.getByRole('button', { name: 'Edit User 01' }));
    await userEvent.type(screen.getByLabelText('Name'), ' Smith');
    await userEvent.click(screen.getByRole('button', { name: 'Save changes' }));
    expect(await screen.findByText('Saved the changes to User 01 Smith.')).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Invite user' }));

    api.signedInUserId = null;
    await userEvent.type(screen.getByLabelText('Email'), 'grace@example.com');
    await userEvent.click(screen.getByRole('button', { name: 'Send invitation' }));

    expect(await screen.findByText('Your session has ended')).toBeInTheDocument();
    expect(screen.getByTestId('location')).toHaveTextContent(/^\/sign-in$/);
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
    expect(screen.queryByRole('table')).not.toBeInTheDocument();
    expect(screen.queryByText('user1@example.com')).not.toBeInTheDocument();
    expect(screen.queryByText('admin@example.com')).not.toBeInTheDocument();
    expect(screen.queryByText(/invitation was not sent/)).not.toBeInTheDocument();
    expect(screen.queryByText('Saved the changes to User 01 Smith.')).not.toBeInTheDocument();
  });

  it('checks the session again when the window regains focus', async () => {
    const api = new FakeApi(2);
    renderApp(api);
    await dataRows();

    api.signedInUserId = null;
    act(() => {
      window.dispatchEvent(new Event('focus'));
    });

    expect(await screen.findByText('Your session has ended')).toBeInTheDocument();
    expect(screen.queryByRole('table')).not.toBeInTheDocument();
  });
});

describe('pagerStatus', () => {
  it('counts users on a single page', () => {
    expect(pagerStatus(1, 1, false)).toBe('1 user');
    expect(pagerStatus(7, 1, false)).toBe('7 users');
  });

  it('numbers pages when there are several', () => {
    expect(pagerStatus(20, 1, true)).toBe('Page 1 · users 1–20');
    expect(pagerStatus(5, 3, false)).toBe('Page 3 · users 41–45');
  });

  it('names only the page while it loads', () => {
    expect(pagerStatus(null, 2, false)).toBe('Page 2');
  });
});
