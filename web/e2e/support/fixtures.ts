import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';

import { test as base, expect, request, type APIRequestContext, type Page } from '@playwright/test';

import { outboxSize, startApiServer, waitForMail, type ApiServer, type DatabaseKind } from './api-server';

export const ADMIN_EMAIL = 'admin@example.com';

const screenshotDir = resolve(import.meta.dirname, '../../test-results/screenshots');

export interface NewUser {
  name: string;
  email: string;
}

export interface Fixtures {
  /** Requests a magic link for `email` on the Sign in page and signs in with its token. */
  signIn(page: Page, email?: string): Promise<void>;
  /** Saves a screenshot of the page as test-results/screenshots/<project>-<name>.png. */
  saveScreenshot(page: Page, name: string): Promise<void>;
  /** An API client signed in as the administrator with a bearer token, for setting up data. */
  adminApi: APIRequestContext;
  /** Reads the magic link of the next mail to `email` after `action` runs. */
  nextMagicLink(email: string, action: () => Promise<unknown>): Promise<string>;
}

export interface WorkerFixtures {
  database: DatabaseKind;
  apiServer: ApiServer;
}

export const test = base.extend<Fixtures, WorkerFixtures>({
  database: ['sqlite', { scope: 'worker', option: true }],

  apiServer: [
    async ({ database }, use) => {
      const server = await startApiServer(database);
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
      const before = await outboxSize(apiServer.outboxPath);
      await action();
      return (await waitForMail(apiServer.outboxPath, email, before)).link;
    });
  },

  signIn: async ({ nextMagicLink }, use) => {
    await use(async (page, email = ADMIN_EMAIL) => {
      await page.goto('/sign-in');
      await page.getByLabel('Email address').fill(email);
      const link = await nextMagicLink(email, () => page.getByRole('button', { name: 'Email me a sign-in link' }).click());
      await expect(page.getByRole('heading', { name: 'Check your email' })).toBeVisible();

      // NOTE: opening the link in the browser fails today, because the API's
      // landing page sends `Referrer-Policy: no-referrer`, so the browser posts
      // its form with `Origin: null` and the API returns 403. The test
      // 'signs in through the emailed link' covers that path; here the token
      // goes to the API as JSON from the page's own cookie jar, which leaves
      // the browser with the same session cookie.
      const token = new URL(link).searchParams.get('token');
      const response = await page.request.post('/authenticate', { data: { token } });
      expect(response.status(), 'POST /authenticate with the emailed token').toBe(200);

      await page.goto('/');
      await expect(page.getByRole('heading', { name: 'Users', level: 1 })).toBeVisible();
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
