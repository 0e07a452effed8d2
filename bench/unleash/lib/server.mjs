/**
 * Starts the Unleash server (open-source edition, stock settings except those named below) in its
 * own process on the Node 22 binary, on a free loopback port, and stops it.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { databaseUrl } from './database.mjs';
import { NODE22, UNLEASH_SERVER_JS } from './paths.mjs';

/**
 * The admin token Unleash creates on its first start (`INIT_ADMIN_API_TOKENS` is only applied
 * while the database has no token at all, so it must be the same on every run over a kept
 * database). The server listens on loopback only and the database is the bench's own.
 */
export const ADMIN_TOKEN = '*:*.ensign-bench-unleash-admin';

/** A port nothing listens on now. */
function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/** CPU time (user + system, µs) of a process, from /proc: Unleash runs out of our reach. */
export function processCpuMicros(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start at field 3; utime and stime are
  // fields 14 and 15, in clock ticks of USER_HZ, which is 100 on Linux.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

/**
 * Starts Unleash and resolves when `/health` answers. Settings that differ from stock, and why:
 * - the SDK API rate limit (20,000 requests per minute per client IP, stock) is lifted, as ours
 *   is in the same run: both are measured from one IP at thousands of requests per second;
 * - no version check and no telemetry (this machine reaches no outside address);
 * - warnings only in the log, which goes to a file (its path is returned).
 */
export async function startUnleash({ timeoutMs = 240_000 } = {}) {
  const port = await freePort();
  const logPath = join(tmpdir(), `ensign-bench-unleash-${port}.log`);
  const log = openSync(logPath, 'w');
  // UNLEASH_NODE_ARGS: extra Node flags for the server (e.g. `--cpu-prof`, to see where its time goes).
  const nodeArgs = (process.env.UNLEASH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(NODE22, [...nodeArgs, UNLEASH_SERVER_JS], {
    env: {
      ...process.env,
      NODE_ENV: 'production',
      DATABASE_URL: databaseUrl(),
      DATABASE_SSL: 'false',
      HTTP_HOST: '127.0.0.1',
      HTTP_PORT: String(port),
      INIT_ADMIN_API_TOKENS: ADMIN_TOKEN,
      CHECK_VERSION: 'false',
      SEND_TELEMETRY: 'false',
      LOG_LEVEL: 'warn',
      SDK_API_RATE_LIMIT_PER_MINUTE: '1000000000',
      TOKEN_AUTHENTICATION_RATE_LIMIT_PER_MINUTE: '1000000000',
    },
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  // Never leave the server behind this process (a benchmark interrupted half-way).
  const killOnExit = () => child.kill('SIGKILL');
  process.on('exit', killOnExit);
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code)));
  const url = `http://127.0.0.1:${port}`;
  const started = performance.now();
  let early;
  exited.then((how) => {
    early = how;
  });
  for (;;) {
    if (early !== undefined) throw new Error(`Unleash exited (${early}) while starting; see ${logPath}`);
    if (performance.now() - started > timeoutMs) {
      child.kill('SIGKILL');
      throw new Error(`Unleash did not answer /health within ${timeoutMs / 1000} s; see ${logPath}`);
    }
    try {
      const response = await fetch(`${url}/health`);
      if (response.ok) break;
    } catch {
      // Not listening yet (migrations run first).
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return {
    url,
    pid: child.pid,
    logPath,
    startMs: performance.now() - started,
    async stop() {
      if (early === undefined) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      process.off('exit', killOnExit);
    },
  };
}
