import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';

/** The project id and secret the fake and the API share. */
export const FAKE_STYTCH_PROJECT_ID = 'project-test-e2e';
export const FAKE_STYTCH_SECRET = 'secret-e2e';

export interface FakeStytch {
  /** The origin the fake listens on, such as http://127.0.0.1:41234. */
  baseURL: string;
  stop(): Promise<void>;
}

const webDir = resolve(import.meta.dirname, '../..');

/** Returns the path of the fake: FAKE_STYTCH_BIN, or the debug build in the workspace that contains web/. */
export function fakeStytchBinaryPath(): string {
  return resolve(process.env.FAKE_STYTCH_BIN ?? join(webDir, '../target/debug/fake-stytch'));
}

const READY_LINE = /^fake-stytch listening on (http:\/\/\S+)$/;

/**
 * Starts fake-stytch on a free loopback port and waits for the line that
 * names its address. It builds nothing: run `cargo build --workspace --bins` first.
 */
export async function startFakeStytch(): Promise<FakeStytch> {
  const binary = fakeStytchBinaryPath();
  if (!existsSync(binary)) {
    throw new Error(`no fake-stytch binary at ${binary}: run \`cargo build --workspace --bins\` in the workspace, or set FAKE_STYTCH_BIN`);
  }

  const args = ['--port', '0', '--project-id', FAKE_STYTCH_PROJECT_ID, '--secret', FAKE_STYTCH_SECRET];
  const child = spawn(binary, args, {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, RUST_LOG: process.env.E2E_API_LOG ?? 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });

  let logs = '';
  const keep = (text: string) => {
    logs = (logs + text).slice(-20_000);
    if (process.env.E2E_API_LOG) {
      process.stderr.write(`[fake-stytch] ${text}`);
    }
  };
  child.stderr.on('data', (chunk: Buffer) => keep(chunk.toString()));

  // The first stdout line names the address. The reader keeps reading the
  // rest, so that the fake never blocks on a full pipe.
  const lines = createInterface({ input: child.stdout });
  const address = new Promise<string>((resolveAddress, reject) => {
    let first = true;
    lines.on('line', (line) => {
      keep(`${line}\n`);
      if (!first) {
        return;
      }
      first = false;
      const address = READY_LINE.exec(line.trim())?.[1];
      if (address) {
        resolveAddress(address);
      } else {
        reject(new Error(`fake-stytch printed ${JSON.stringify(line)} instead of its address`));
      }
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => reject(new Error(`fake-stytch exited (${code ?? signal}) before it was ready:\n${logs}`)));
  });
  // A rejection after the race has ended (the fake stopping) is expected and ignored.
  address.catch(() => {});

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolveExit) => child.once('exit', resolveExit));
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(5000)]);
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
      }
    }
    lines.close();
  };

  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`fake-stytch did not print its address within 30 s:\n${logs}`)), 30_000);
  });
  try {
    return { baseURL: await Promise.race([address, timeout]), stop };
  } catch (error) {
    await stop();
    throw error;
  } finally {
    clearTimeout(timer);
  }
}
