import { defineConfig } from '@playwright/test';

import type { WorkerFixtures } from './e2e/support/fixtures';

// Debian's Chromium: the tests never download a browser of their own.
const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

// Every project runs the whole suite against its own API and database:
// the builtin provider on SQLite, Stytch (fake-stytch) on SQLite, and the
// builtin provider on MariaDB when E2E_MYSQL_URL names a server.
const projects: { name: string; use: Pick<WorkerFixtures, 'database' | 'provider'> }[] = [
  { name: 'sqlite', use: { database: 'sqlite', provider: 'builtin' } },
  { name: 'stytch-sqlite', use: { database: 'sqlite', provider: 'stytch' } },
];
if (process.env.E2E_MYSQL_URL) {
  projects.push({ name: 'mariadb', use: { database: 'mysql', provider: 'builtin' } });
}

export default defineConfig<object, WorkerFixtures>({
  testDir: './e2e',
  outputDir: './test-results/artifacts',
  // One browser and one API at a time fit the small CI machine.
  workers: 1,
  fullyParallel: false,
  forbidOnly: Boolean(process.env.CI),
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: process.env.CI ? [['list']] : [['list'], ['html', { open: 'never', outputFolder: 'playwright-report' }]],
  use: {
    browserName: 'chromium',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: chromiumArgs,
    },
    viewport: { width: 1280, height: 800 },
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  projects,
});
