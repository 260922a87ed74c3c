import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import { FakeApi } from '../test/fakeApi';
import { renderApp } from '../test/render';

function signedOutApi(): FakeApi {
  const api = new FakeApi();
  api.signedInUserId = null;
  return api;
}

describe('Sign in', () => {
  it('sends a link and shows the check-your-email state', async () => {
    const api = signedOutApi();
    renderApp(api, '/sign-in');

    await userEvent.type(screen.getByLabelText('Email address'), 'ada@example.com');
    await userEvent.click(screen.getByRole('button', { name: 'Email me a sign-in link' }));

    expect(await screen.findByRole('heading', { name: 'Check your email' })).toHaveFocus();
    expect(screen.getByText('ada@example.com')).toBeInTheDocument();
    expect(api.requestsTo('POST', '/login').map((request) => request.body)).toEqual([{ email: 'ada@example.com' }]);
  });

  it('sends a new link from the check-your-email state', async () => {
    const api = signedOutApi();
    renderApp(api, '/sign-in');
    await userEvent.type(screen.getByLabelText('Email address'), 'ada@example.com');
    await userEvent.click(screen.getByRole('button', { name: 'Email me a sign-in link' }));

    await userEvent.click(await screen.findByRole('button', { name: 'Send a new link' }));

    expect(await screen.findByText('A new sign-in link is on its way to ada@example.com.')).toBeInTheDocument();
    expect(api.requestsTo('POST', '/login')).toHaveLength(2);
  });

  it('shows an invalid email beside the field', async () => {
    renderApp(signedOutApi(), '/sign-in');

    await userEvent.type(screen.getByLabelText('Email address'), 'ada');
    await userEvent.click(screen.getByRole('button', { name: 'Email me a sign-in link' }));

    const field = screen.getByLabelText('Email address');
    await waitFor(() => expect(field).toHaveAttribute('aria-invalid', 'true'));
    expect(field).toHaveAccessibleDescription('Email must be an email address such as ada@example.com.');
    expect(field).toHaveFocus();
  });

  it.each([
    ['used', 'This sign-in link was already used'],
    ['expired', 'This sign-in link has expired'],
    ['invalid', 'This sign-in link is not valid'],
    ['unavailable', 'Sign-in is unavailable right now'],
    ['something-else', 'This sign-in link is not valid'],
  ])('explains error=%s and offers a new link', async (reason, title) => {
    renderApp(signedOutApi(), `/sign-in?error=${reason}`);

    expect(await screen.findByRole('alert')).toHaveTextContent(title);
    expect(screen.getByRole('button', { name: 'Send me a new link' })).toBeInTheDocument();
  });

  it('drops the link error once a new link is sent', async () => {
    renderApp(signedOutApi(), '/sign-in?error=expired');

    await userEvent.type(screen.getByLabelText('Email address'), 'ada@example.com');
    await userEvent.click(screen.getByRole('button', { name: 'Send me a new link' }));

    expect(await screen.findByRole('heading', { name: 'Check your email' })).toBeInTheDocument();
    expect(screen.getByTestId('location')).toHaveTextContent(/^\/sign-in$/);
  });

  it('sends a signed-in visitor to the dashboard', async () => {
    renderApp(new FakeApi(), '/sign-in');

    expect(await screen.findByRole('heading', { name: 'Users', level: 1 })).toBeInTheDocument();
    expect(screen.getByTestId('location')).toHaveTextContent(/^\/$/);
  });

  it('keeps a link error on screen for a signed-in visitor', async () => {
    renderApp(new FakeApi(), '/sign-in?error=used');

    expect(await screen.findByText('You are still signed in as admin@example.com.', { exact: false })).toBeInTheDocument();
    expect(screen.getByRole('alert')).toHaveTextContent('This sign-in link was already used');
    expect(screen.getByRole('link', { name: 'Go to the dashboard' })).toBeInTheDocument();
  });
});

describe('Session start', () => {
  it('sends a first-time visitor to Sign in without a message', async () => {
    renderApp(signedOutApi(), '/');

    expect(await screen.findByRole('heading', { name: 'Sign in' })).toBeInTheDocument();
    expect(screen.queryByText('Your session has ended')).not.toBeInTheDocument();
  });

  it('says the session ended when this browser had one', async () => {
    window.localStorage.setItem('dashboard.had-session', '1');
    renderApp(signedOutApi(), '/');

    expect(await screen.findByText('Your session has ended')).toBeInTheDocument();
  });

  it('offers to try again when the API is unreachable', async () => {
    const api = new FakeApi();
    const answer = api.fetch;
    let reachable = false;
    api.fetch = (request) => (reachable ? answer(request) : Promise.reject(new TypeError('Failed to fetch')));
    renderApp(api, '/');

    expect(await screen.findByRole('heading', { name: 'The dashboard is unavailable' })).toBeInTheDocument();
    reachable = true;
    await userEvent.click(screen.getByRole('button', { name: 'Try again' }));

    expect(await screen.findByRole('heading', { name: 'Users', level: 1 })).toBeInTheDocument();
  });
});
