import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import mysql from 'mysql2/promise';

export type DatabaseKind = 'sqlite' | 'mysql';

export interface ApiServer {
  /** The origin of the API, which also serves the built app. */
  baseURL: string;
  outboxPath: string;
  stop(): Promise<void>;
}

export interface OutboxMail {
  to: string;
  subject: string;
  link: string;
  sent_at: string;
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
 * Starts the API on a free loopback port with a fresh database, a mail
 * outbox file and WEB_DIR at the built app. It builds nothing: run
 * `cargo build -p api` and `npm run build` first.
 */
export async function startApiServer(database: DatabaseKind): Promise<ApiServer> {
  const binary = apiBinaryPath();
  if (!existsSync(binary)) {
    throw new Error(`no API binary at ${binary}: run \`cargo build -p api\` in the workspace, or set API_BIN`);
  }
  const distDir = join(webDir, 'dist');
  if (!existsSync(join(distDir, 'index.html'))) {
    throw new Error(`no built app at ${distDir}: run \`npm run build\` first`);
  }

  const workDir = await mkdtemp(join(tmpdir(), 'dashboard-e2e-'));
  const outboxPath = join(workDir, 'outbox.jsonl');
  const port = await freeLoopbackPort();
  const baseURL = `http://127.0.0.1:${port}`;

  let databaseUrl = `sqlite://${join(workDir, 'dashboard.db')}`;
  let dropDatabase = async () => {};
  if (database === 'mysql') {
    const serverUrl = process.env.E2E_MYSQL_URL;
    if (!serverUrl) {
      throw new Error('E2E_MYSQL_URL is not set');
    }
    const created = await createMysqlDatabase(serverUrl);
    databaseUrl = created.url;
    dropDatabase = created.drop;
  }

  // Only these variables reach the API, so that settings of the developer's
  // shell (such as a Stytch project) cannot change what is tested.
  const environment: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    DATABASE_URL: databaseUrl,
    MAIL_OUTBOX: outboxPath,
    BIND_ADDR: `127.0.0.1:${port}`,
    PUBLIC_URL: baseURL,
    WEB_DIR: distDir,
    AUTH_PROVIDER: 'builtin',
    RUST_LOG: process.env.E2E_API_LOG ?? 'warn',
  };

  let output = '';
  // The working directory has no .env or dashboard.toml for the API to read.
  const child = spawn(binary, [], { cwd: workDir, env: environment, stdio: ['ignore', 'pipe', 'pipe'] });
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
    if (process.env.E2E_API_LOG) {
      process.stderr.write(chunk);
    }
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);

  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((resolveExit) => child.once('exit', resolveExit));
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(5000)]);
      if (child.exitCode === null) {
        child.kill('SIGKILL');
      }
    }
    await dropDatabase();
    await rm(workDir, { recursive: true, force: true });
  };

  try {
    await waitUntilHealthy(baseURL, child, () => output);
  } catch (error) {
    await stop();
    throw error;
  }
  return { baseURL, outboxPath, stop };
}

async function readOutbox(outboxPath: string): Promise<OutboxMail[]> {
  let text: string;
  try {
    text = await readFile(outboxPath, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as OutboxMail);
}

/** Counts the mails in the outbox, to wait for the ones that come after. */
export async function outboxSize(outboxPath: string): Promise<number> {
  return (await readOutbox(outboxPath)).length;
}

/**
 * Waits for a mail to `to` after the first `after` mails of the outbox,
 * because `POST /login` sends its mail after it responds.
 */
export async function waitForMail(outboxPath: string, to: string, after: number): Promise<OutboxMail> {
  const deadline = Date.now() + 10_000;

  while (Date.now() < deadline) {
    const mail = (await readOutbox(outboxPath)).slice(after).find((entry) => entry.to.toLowerCase() === to.toLowerCase());
    if (mail) {
      return mail;
    }
    await sleep(100);
  }
  throw new Error(`no mail to ${to} arrived in ${outboxPath} within 10 s`);
}
