import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FlagDefinition } from '@ensign/core';
import type { AuditEntry } from '@ensign/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisServer, freePort } from '../../../test/support/redis-server.js';
import { RedisFlagStore } from '../src/index.js';

const silent = { error: () => {}, warn: () => {}, info: () => {}, debug: () => {} };
const flag: FlagDefinition = { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'on' };

async function listening(port: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ host: '127.0.0.1', port });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`sentinel did not listen on ${port}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe(`${RedisFlagStore.name} behind Redis Sentinel`, () => {
  let primary: RedisServer;
  let sentinel: ChildProcess | undefined;
  let sentinelPort: number;
  let dir: string;

  beforeAll(async () => {
    primary = await RedisServer.start();
    dir = mkdtempSync(join(tmpdir(), 'ensign-sentinel-'));
    sentinelPort = await freePort();
    const conf = join(dir, 'sentinel.conf');
    // Sentinel rewrites its config file, so it gets its own writable copy.
    writeFileSync(
      conf,
      [
        `port ${sentinelPort}`,
        'bind 127.0.0.1',
        `dir ${dir}`,
        `sentinel monitor mymaster 127.0.0.1 ${primary.port} 1`,
        'sentinel down-after-milliseconds mymaster 5000',
      ].join('\n'),
    );
    sentinel = spawn('redis-server', [conf, '--sentinel'], { stdio: 'ignore' });
    await listening(sentinelPort);
  });
  afterAll(async () => {
    if (sentinel && sentinel.exitCode === null) {
      const gone = new Promise((resolve) => sentinel!.once('exit', resolve));
      sentinel.kill('SIGKILL');
      await gone;
    }
    await primary?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('finds the primary through Sentinel, then writes, loads and follows the change feed', async () => {
    const store = new RedisFlagStore({
      redis: { sentinels: [{ host: '127.0.0.1', port: sentinelPort }], name: 'mymaster' },
      logger: silent,
    });
    try {
      const notices: AuditEntry[] = [];
      await store.follow('sentinel', '', (n) => notices.push(n));
      await store.putFlag('sentinel', 'a', flag, { actor: 'ops' });
      expect(await store.load('sentinel')).toMatchObject({ version: 1, document: { flags: { a: flag } } });
      const deadline = Date.now() + 3000;
      while (notices.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      expect(notices.map((n) => n.version)).toEqual([1]);
      // It reached the primary the sentinel monitors.
      expect(await primary.cli('hget', store.keys('sentinel').meta, 'version')).toBe('1');
    } finally {
      await store.close();
    }
  });
});
