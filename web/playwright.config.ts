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

const databases: WorkerFixtures['database'][] = process.env.E2E_MYSQL_URL ? ['sqlite', 'mysql'] : ['sqlite'];

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
  projects: databases.map((database) => ({
    name: database === 'mysql' ? 'mariadb' : 'sqlite',
    use: { database },
  })),
});
