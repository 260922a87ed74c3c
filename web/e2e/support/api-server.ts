import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import mysql from 'mysql2/promise';

import { FAKE_STYTCH_PROJECT_ID, FAKE_STYTCH_SECRET, startFakeStytch } from './fake-stytch';
import { fakeStytchMailbox, outboxFileMailbox, type Mailbox } from './mailbox';

export type DatabaseKind = 'sqlite' | 'mysql';

/** Who sends the magic links and keeps the sessions: the API itself, or Stytch (here fake-stytch). */
export type ProviderKind = 'builtin' | 'stytch';

export interface ApiServer {
  /** The origin of the API, which also serves the built app. */
  baseURL: string;
  provider: ProviderKind;
  /** The source of the magic links that the API sent. */
  mailbox: Mailbox;
  /** The origin of fake-stytch, with the Stytch provider only. */
  fakeStytchURL?: string;
  stop(): Promise<void>;
}

const webDir = resolve(import.meta.dirname, '../..');

/** Returns the path of the API binary: API_BIN, or the debug build in the workspace that contains web/. */
export function apiBinaryPath(): string {
  return resolve(process.env.API_BIN ?? join(webDir, '../target/debug/api'));
}

async function freeLoopbackPort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') {
          resolvePort(address.port);
        } else {
          reject(new Error('could not read the port of a loopback listener'));
        }
      });
    });
  });
}

/** Creates a database on the MariaDB server at E2E_MYSQL_URL for one run, with a function that drops it. */
async function createMysqlDatabase(serverUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `dashboard_e2e_${process.pid}_${Date.now()}`;
  const connection = await mysql.createConnection(serverUrl);
  try {
    await connection.query(`CREATE DATABASE \`${name}\``);
  } finally {
    await connection.end();
  }

  return {
    url: `${serverUrl.replace(/\/+$/, '')}/${name}`,
    async drop() {
      const dropConnection = await mysql.createConnection(serverUrl);
      try {
        await dropConnection.query(`DROP DATABASE IF EXISTS \`${name}\``);
      } finally {
        await dropConnection.end();
      }
    },
  };
}

async function waitUntilHealthy(baseURL: string, child: ChildProcess, logs: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;

  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`the API exited with code ${child.exitCode} before it was ready:\n${logs()}`);
    }
    try {
      const response = await fetch(`${baseURL}/healthz`);
      if (response.ok) {
        return;
      }
    } catch {
      // Not listening yet.
    }
    await sleep(100);
  }
  throw new Error(`the API did not answer ${baseURL}/healthz within 30 s:\n${logs()}`);
}

/**
 * Starts the API on a free loopback port with a fresh database and WEB_DIR
 * at the built app. With the builtin provider the magic links go to a
 * MAIL_OUTBOX file. With Stytch the API calls a fake-stytch started for it,
 * and the fake's outbox lists the links. It builds nothing: run
 * `cargo build --workspace --bins` and `npm run build` first.
 */
export async function startApiServer(database: DatabaseKind, provider: ProviderKind): Promise<ApiServer> {
  const binary = apiBinaryPath();
  if (!existsSync(binary)) {
    throw new Error(`no API binary at ${binary}: run \`cargo build -p api\` in the workspace, or set API_BIN`);
  }
  const distDir = join(webDir, 'dist');
  if (!existsSync(join(distDir, 'index.html'))) {
    throw new Error(`no built app at ${distDir}: run \`npm run build\` first`);
  }

  // Whatever is started is stopped again, also when a later step fails.
  const cleanups: (() => Promise<void>)[] = [];
  const stop = async () => {
    const errors: unknown[] = [];
    for (const cleanup of cleanups.splice(0).reverse()) {
      await cleanup().catch((error: unknown) => errors.push(error));
    }
    if (errors.length > 0) {
      throw errors[0];
    }
  };

  try {
    const workDir = await mkdtemp(join(tmpdir(), 'dashboard-e2e-'));
    cleanups.push(() => rm(workDir, { recursive: true, force: true }));
    const port = await freeLoopbackPort();
    const baseURL = `http://127.0.0.1:${port}`;

    let databaseUrl = `sqlite://${join(workDir, 'dashboard.db')}`;
    if (database === 'mysql') {
      const serverUrl = process.env.E2E_MYSQL_URL;
      if (!serverUrl) {
        throw new Error('E2E_MYSQL_URL is not set');
      }
      const created = await createMysqlDatabase(serverUrl);
      cleanups.push(created.drop);
      databaseUrl = created.url;
    }

    // Only these variables reach the API, so that settings of the developer's
    // shell (such as a Stytch project) cannot change what is tested.
    const environment: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      DATABASE_URL: databaseUrl,
      BIND_ADDR: `127.0.0.1:${port}`,
      PUBLIC_URL: baseURL,
      WEB_DIR: distDir,
      RUST_LOG: process.env.E2E_API_LOG ?? 'warn',
    };

    let mailbox: Mailbox;
    let fakeStytchURL: string | undefined;
    if (provider === 'stytch') {
      const fake = await startFakeStytch();
      cleanups.push(fake.stop);
      fakeStytchURL = fake.baseURL;
      mailbox = fakeStytchMailbox(fake.baseURL);
      Object.assign(environment, {
        AUTH_PROVIDER: 'stytch',
        STYTCH_PROJECT_ID: FAKE_STYTCH_PROJECT_ID,
        STYTCH_SECRET: FAKE_STYTCH_SECRET,
        STYTCH_API_URL: fake.baseURL,
        // With Stytch the API creates the administrator only when ADMIN_EMAIL is set.
        ADMIN_EMAIL: 'admin@example.com',
      });
    } else {
      const outboxPath = join(workDir, 'outbox.jsonl');
      mailbox = outboxFileMailbox(outboxPath);
      Object.assign(environment, { AUTH_PROVIDER: 'builtin', MAIL_OUTBOX: outboxPath });
    }

    // The working directory has no .env or dashboard.toml for the API to read.
    const api = startProcess(binary, workDir, environment);
    cleanups.push(api.stop);
    await waitUntilHealthy(baseURL, api.child, api.logs);

    return { baseURL, provider, mailbox, fakeStytchURL, stop };
  } catch (error) {
    await stop().catch((stopError: unknown) => console.error('cleaning up after a failed start:', stopError));
    throw error;
  }
}

/** Spawns the API and keeps the tail of its output for error messages. */
function startProcess(binary: string, workDir: string, environment: NodeJS.ProcessEnv) {
  let output = '';
  const child = spawn(binary, [], { cwd: workDir, env: environment, stdio: ['ignore', 'pipe', 'pipe'] });
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
    if (process.env.E2E_API_LOG) {
      process.stderr.write(chunk);
    }
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);

  return {
    child,
    logs: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolveExit) => child.once('exit', resolveExit));
        child.kill('SIGTERM');
        await Promise.race([exited, sleep(5000)]);
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGKILL');
        }
      }
    },
  };
}
