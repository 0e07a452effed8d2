/**
 * Running the built `ensign` binary as a user runs it: `node bin/ensign.js …` in a child process
 * with a clean environment (only what the test gives, so a developer's ENSIGN_* or REDIS_URL
 * cannot leak in), capturing stdout, stderr and the exit code.
 */
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageDir = fileURLToPath(new URL('../..', import.meta.url));
/** The installed command. */
export const ENSIGN_BIN = join(packageDir, 'bin', 'ensign.js');

/** What a run of `ensign` produced. */
export interface EnsignRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout parsed as JSON. */
  json<T = unknown>(): T;
}

/** Options of {@link ensign}. */
export interface EnsignOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Text for stdin. */
  input?: string;
}

function newest(dir: string): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

/**
 * Refuses to test a stale build: the tests run `dist/`, as users do, so a source newer than the
 * build would test old code.
 */
export function assertBuilt(): void {
  let built = 0;
  try {
    // tsc rewrites only changed outputs, but its build info on every build that changed anything.
    built = Math.max(
      newest(join(packageDir, 'dist')),
      statSync(join(packageDir, 'tsconfig.tsbuildinfo')).mtimeMs,
    );
  } catch {
    throw new Error('packages/cli is not built: run pnpm exec tsc -b packages/cli (or pnpm build) first');
  }
  if (newest(join(packageDir, 'src')) > built + 1) {
    throw new Error(
      'packages/cli/dist is older than src: run pnpm exec tsc -b packages/cli (or pnpm build) first',
    );
  }
}

/** Runs `ensign args…`; resolves whatever the exit code. */
export function ensign(args: readonly string[], options: EnsignOptions = {}): Promise<EnsignRun> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp' };
  for (const [name, value] of Object.entries(options.env ?? {})) if (value !== undefined) env[name] = value;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [ENSIGN_BIN, ...args], {
      env,
      cwd: options.cwd ?? process.cwd(),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({
        code: code ?? -1,
        stdout,
        stderr,
        json<T>() {
          try {
            return JSON.parse(stdout) as T;
          } catch (error) {
            throw new Error(`stdout is not JSON (exit ${code}): ${stdout}\nstderr: ${stderr}`, {
              cause: error,
            });
          }
        },
      }),
    );
    child.stdin.end(options.input ?? '');
  });
}

/** Lines of `text` wider than `columns` (human output must fit 80 columns). */
export function overWide(text: string, columns = 80): string[] {
  return text.split('\n').filter((line) => [...line].length > columns);
}
