/**
 * Providers in separate processes, on the built packages, as apps run them: twenty of them
 * converging on one write, and processes that close the provider exiting by themselves (with
 * Redis up, and after `initialize` gave up on an absent Redis).
 */
import { type ChildProcess, execFile, fork, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisServer, freePort } from '../../../test/support/redis-server.js';
import { FLAG_SET, sampleDocument } from '../../store/test/fixtures/flags.js';
import { until } from '../../store/test/fixtures/harness.js';
import { RedisFlagStore } from '../src/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const packageDir = join(here, '..');
const child = join(here, 'fixtures', 'provider-child.mjs');
const quiet = { error: () => {}, warn: () => {}, info: () => {}, debug: () => {} };
const EXIT_TIMEOUT_MS = 15_000;

interface ChildMessage {
  type: 'ready' | 'value' | 'init-failed';
  value?: string;
  version?: number;
  message?: string;
}

/** Resolves with the exit code, or rejects if the process does not exit by itself in time. */
function exited(process: ChildProcess, what: string): Promise<number | null> {
  if (process.exitCode !== null) return Promise.resolve(process.exitCode);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      process.kill('SIGKILL');
      reject(new Error(`${what} did not exit by itself within ${EXIT_TIMEOUT_MS} ms`));
    }, EXIT_TIMEOUT_MS);
    process.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

/** Runs the child without IPC and returns its output once it has exited by itself. */
async function runAlone(args: string[]): Promise<{ code: number | null; stdout: string }> {
  const proc = spawn(process.execPath, [child, ...args], {
    cwd: packageDir,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let stdout = '';
  proc.stdout!.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  const code = await exited(proc, `provider process (${args.join(' ')})`);
  return { code, stdout: stdout.trim() };
}

let server: RedisServer;
let writer: RedisFlagStore;

beforeAll(async () => {
  // Child processes run the built output: bring dist/ up to date with the sources under test.
  await promisify(execFile)(process.execPath, [
    join(packageDir, '..', '..', 'node_modules', 'typescript', 'bin', 'tsc'),
    '-b',
    join(packageDir, 'tsconfig.json'),
  ]).catch(() => {});
  expect(existsSync(join(packageDir, 'dist', 'index.js'))).toBe(true);
  server = await RedisServer.start();
  writer = new RedisFlagStore({ url: server.url, logger: quiet });
  await writer.replaceFlagSet(FLAG_SET, sampleDocument(), { actor: 'test' });
}, 120_000);

afterAll(async () => {
  await writer?.close();
  await server?.stop();
});

describe('providers in separate processes', () => {
  it('twenty providers converge on one write, then exit by themselves when closed', async () => {
    const fleet = Array.from({ length: 20 }, () =>
      fork(child, [server.url, FLAG_SET, 'headline'], {
        cwd: packageDir,
        stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      }),
    );
    const messages = fleet.map(() => [] as ChildMessage[]);
    fleet.forEach((proc, i) => proc.on('message', (m: ChildMessage) => void messages[i]!.push(m)));
    try {
      await until(
        () => messages.every((m) => m.some((x) => x.type === 'ready')),
        'twenty ready providers',
        60_000,
      );
      expect(messages.map((m) => m.find((x) => x.type === 'ready')?.value)).toEqual(
        Array(20).fill('Welcome'),
      );

      const { version } = await writer.patchFlag(
        FLAG_SET,
        'headline',
        { defaultVariant: 'b' },
        { actor: 'test' },
      );
      await until(
        () => messages.every((m) => m.some((x) => x.type === 'value' && x.value === 'Hello')),
        'every provider to serve the write',
        15_000,
      );
      for (const m of messages)
        expect(m.filter((x) => x.type === 'value')).toEqual([
          { type: 'value', value: 'Hello', version, at: expect.any(Number) },
        ]);
    } finally {
      for (const proc of fleet) if (proc.connected) proc.send({ type: 'close' });
      const codes = await Promise.all(fleet.map((proc, i) => exited(proc, `provider process ${i}`)));
      expect(codes).toEqual(Array(20).fill(0));
    }
  }, 120_000);

  it('a process that closes its provider exits by itself', async () => {
    await writer.replaceFlagSet(FLAG_SET, sampleDocument(), { actor: 'test' });
    const { code, stdout } = await runAlone([server.url, FLAG_SET, 'headline']);
    expect(stdout).toBe('value Welcome');
    expect(code).toBe(0);
  }, 30_000);

  it('a process whose provider found no Redis at start exits by itself once closed', async () => {
    const port = await freePort();
    const { code, stdout } = await runAlone([`redis://127.0.0.1:${port}`, FLAG_SET, 'headline', '300']);
    expect(stdout).toContain(
      `init-failed could not load flag set "${FLAG_SET}" from redis://127.0.0.1:${port}`,
    );
    expect(code).toBe(0);
  }, 30_000);
});
