import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';

import { test as base, expect, request, type APIRequestContext, type BrowserContext, type Page } from '@playwright/test';

import { startApiServer, type ApiServer, type DatabaseKind, type ProviderKind } from './api-server';
import { waitForLink } from './mailbox';

export const ADMIN_EMAIL = 'admin@example.com';

const screenshotDir = resolve(import.meta.dirname, '../../test-results/screenshots');

export interface NewUser {
  name: string;
  email: string;
}

export interface Fixtures {
  /** Requests a magic link for `email` on the Sign in page and opens it, which ends on the dashboard. */
  signIn(page: Page, email?: string): Promise<void>;
  /** Saves a screenshot of the page as test-results/screenshots/<project>-<name>.png. */
  saveScreenshot(page: Page, name: string): Promise<void>;
  /** An API client signed in as the administrator with a bearer token, for setting up data. */
  adminApi: APIRequestContext;
  /** Reads the next magic link sent to `email` after `action` runs, from whichever provider sends them. */
  nextMagicLink(email: string, action: () => Promise<unknown>): Promise<string>;
  /**
   * Lets the browser's session JWT expire, as if its lifetime had passed.
   * With Stytch the API verifies that JWT itself, with no call to Stytch,
   * so a session ended elsewhere keeps working until its JWT expires (five
   * minutes with fake-stytch's defaults). This puts the same claims, signed
   * by the fake with `exp` in the past, in the cookie. With the builtin
   * provider there is no JWT and it does nothing.
   */
  expireSessionJwt(context: BrowserContext): Promise<void>;
}

export interface WorkerFixtures {
  database: DatabaseKind;
  provider: ProviderKind;
  apiServer: ApiServer;
}

export const test = base.extend<Fixtures, WorkerFixtures>({
  database: ['sqlite', { scope: 'worker', option: true }],
  provider: ['builtin', { scope: 'worker', option: true }],

  apiServer: [
    async ({ database, provider }, use) => {
      const server = await startApiServer(database, provider);
      await use(server);
      await server.stop();
    },
    { scope: 'worker', timeout: 60_000 },
  ],

  baseURL: async ({ apiServer }, use) => {
    await use(apiServer.baseURL);
  },

  nextMagicLink: async ({ apiServer }, use) => {
    await use(async (email, action) => {
      const before = (await apiServer.mailbox.sent()).length;
      await action();
      return waitForLink(apiServer.mailbox, email, before);
    });
  },

  signIn: async ({ nextMagicLink, baseURL }, use) => {
    await use(async (page, email = ADMIN_EMAIL) => {
      await page.goto('/sign-in');
      await page.getByLabel('Email address').fill(email);
      const link = await nextMagicLink(email, () => page.getByRole('button', { name: 'Email me a sign-in link' }).click());
      await expect(page.getByRole('heading', { name: 'Check your email' })).toBeVisible();

      await openMagicLink(page, link);
      await expect(page).toHaveURL(`${baseURL}/`);
      await expect(page.getByRole('heading', { name: 'Users', level: 1 })).toBeVisible();
    });
  },

  expireSessionJwt: async ({ apiServer }, use) => {
    await use(async (context) => {
      if (apiServer.provider !== 'stytch') {
        return;
      }
      const cookie = (await context.cookies()).find((candidate) => candidate.name === 'session_jwt');
      if (!cookie) {
        throw new Error('the browser has no session_jwt cookie');
      }
      const payload = cookie.value.split('.')[1] ?? '';
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
      const now = Math.floor(Date.now() / 1000);
      const response = await fetch(`${apiServer.fakeStytchURL}/_fake/jwt`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ claims: { ...claims, iat: now - 600, nbf: now - 600, exp: now - 300 } }),
      });
      expect(response.status, 'POST /_fake/jwt').toBe(200);
      const { jwt } = (await response.json()) as { jwt: string };
      await context.addCookies([{ ...cookie, value: jwt }]);
    });
  },

  adminApi: async ({ apiServer, nextMagicLink }, use) => {
    const anonymous = await request.newContext({ baseURL: apiServer.baseURL });
    const link = await nextMagicLink(ADMIN_EMAIL, async () => {
      const response = await anonymous.post('/login', { data: { email: ADMIN_EMAIL } });
      expect(response.status()).toBe(202);
    });
    const token = new URL(link).searchParams.get('token');
    const session = await anonymous.post('/authenticate', { data: { token } });
    expect(session.status()).toBe(200);
    const { session_token: sessionToken } = (await session.json()) as { session_token: string };
    await anonymous.dispose();

    const signedIn = await request.newContext({
      baseURL: apiServer.baseURL,
      extraHTTPHeaders: { Authorization: `Bearer ${sessionToken}` },
    });
    await use(signedIn);
    await signedIn.post('/logout');
    await signedIn.dispose();
  },

  saveScreenshot: async ({}, use, testInfo) => {
    await mkdir(screenshotDir, { recursive: true });
    await use(async (page, name) => {
      // Let entry animations finish so the picture shows the settled screen.
      await page.waitForTimeout(250);
      await page.screenshot({ path: join(screenshotDir, `${testInfo.project.name}-${name}.png`) });
    });
  },
});

export { expect };

/**
 * Opens a magic link as a person does: the API's landing page posts the
 * token back with a form, and the API responds with a redirect, to the
 * dashboard or to Sign in with the reason the link was rejected. The caller
 * checks where the browser ends up.
 */
export async function openMagicLink(page: Page, link: string): Promise<void> {
  const formPost = page.waitForRequest(
    (candidate) => candidate.method() === 'POST' && new URL(candidate.url()).pathname === '/authenticate',
  );
  await page.goto(link);
  const response = await (await formPost).response();
  expect(response?.status(), "the status of the landing page's POST /authenticate").toBe(303);
}

/** Adds users through the API, without mail. */
export async function createUsers(api: APIRequestContext, users: NewUser[]): Promise<void> {
  for (const user of users) {
    const response = await api.post('/users', { data: user });
    expect(response.status(), `POST /users for ${user.email}`).toBe(201);
  }
}

/** Returns a prefix that keeps the users of one test apart from the others' in search results. */
export function uniqueTag(label: string): string {
  return `${label}${Date.now().toString(36)}${Math.floor(Math.random() * 1296).toString(36)}`;
}
