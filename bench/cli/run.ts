/**
 * Timing the `ensign` binary as a user runs it: one child process per run, wall clock from spawn
 * to exit, and to its first byte on stdout (when a person starts reading).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The built command. */
export const ENSIGN_BIN = fileURLToPath(new URL('../../packages/cli/bin/ensign.js', import.meta.url));

/** One timed run. */
export interface TimedRun {
  readonly code: number | null;
  /** Spawn to exit, ms. */
  readonly totalMs: number;
  /** Spawn to the first byte on stdout, ms (the total when it printed nothing). */
  readonly firstOutputMs: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `node …args` and times it. */
export function timeNode(
  args: readonly string[],
  env: Record<string, string>,
  cwd: string,
): Promise<TimedRun> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let first: number | undefined;
    let stdout = '';
    let stderr = '';
    const child = spawn(process.execPath, args, {
      cwd,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      first ??= performance.now();
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const end = performance.now();
      resolve({ code, totalMs: end - started, firstOutputMs: (first ?? end) - started, stdout, stderr });
    });
  });
}

/** Runs `ensign …args` and times it. */
export function timeEnsign(
  args: readonly string[],
  env: Record<string, string>,
  cwd: string,
): Promise<TimedRun> {
  return timeNode([ENSIGN_BIN, ...args], env, cwd);
}

/** Median of numbers. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** `ensign serve` in a child process on a free port; resolves its URL and admin token. */
export async function startServe(
  dataDir: string,
  cwd: string,
): Promise<{ url: string; token: string; stop: () => Promise<void> }> {
  const tokenFile = `${dataDir}.token`;
  const child = spawn(
    process.execPath,
    [ENSIGN_BIN, 'serve', '--port', '0', '--data', dataDir, '--admin-token-file', tokenFile],
    {
      cwd,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp' },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      const match = /listening at (http:\/\/\S+?),/.exec(out);
      if (match && out.includes('Stop with Ctrl+C.')) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`ensign serve exited with ${code}: ${out}`)));
  });
  const { readFileSync } = await import('node:fs');
  const token = readFileSync(`${cwd}/${tokenFile}`, 'utf8').trim();
  return {
    url,
    token,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
