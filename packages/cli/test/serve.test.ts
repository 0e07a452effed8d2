/**
 * `ensign serve` as a user runs it: the embedded default keeps flags, history and tokens in
 * `--data DIR` across restarts and prints the first admin token once; on Redis, instances share
 * tokens with the CLI's direct mode (bootstrap); `token create --store memory:DIR` bootstraps a
 * stopped server.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { RedisServer } from '../../../test/support/redis-server.js';
import { assertBuilt, ensign, overWide } from './support/ensign.js';
import { type TempDir, shopFlags, tempDir } from './support/files.js';
import { startServe } from './support/serve.js';

// Each step is a Node process (the installed binary); on a loaded machine a step can take seconds.
vi.setConfig({ testTimeout: 180_000, hookTimeout: 180_000 });

let dir: TempDir;
beforeAll(() => {
  assertBuilt();
  dir = tempDir();
  dir.write('shop.json', shopFlags());
});
afterAll(() => dir?.remove());

const tokenIn = (banner: string) => /export ENSIGN_TOKEN=(ens_admin_\S+)/.exec(banner)?.[1];

describe('ensign serve on the embedded default (--data DIR)', () => {
  it('prints the first admin token once, and keeps flags, history and tokens across a restart', async () => {
    const first = await startServe(['--data', 'data'], { cwd: dir.path });
    let token: string | undefined;
    try {
      expect(overWide(first.banner)).toEqual([]);
      expect(first.banner).toContain(`admin API: ${first.url}/api/v1`);
      expect(first.banner).toContain(`OFREP:     ${first.url}/ofrep/v1`);
      token = tokenIn(first.banner);
      expect(token).toBeDefined();
      const env = { ENSIGN_URL: first.url, ENSIGN_TOKEN: token!, ENSIGN_SET: 'shop' };
      expect((await ensign(['apply', 'shop.json'], { env, cwd: dir.path })).code).toBe(0);
      expect(
        (await ensign(['kill', 'payments-enabled', '--reason', 'drill'], { env, cwd: dir.path })).code,
      ).toBe(0);
    } finally {
      expect(await first.stop()).toBe(0);
    }
    expect(statSync(join(dir.path, 'data', 'state.json')).mode & 0o077).toBe(0);

    const second = await startServe(['--data', 'data'], { cwd: dir.path });
    try {
      expect(tokenIn(second.banner)).toBeUndefined();
      const env = { ENSIGN_URL: second.url, ENSIGN_TOKEN: token!, ENSIGN_SET: 'shop' };
      const plan = await ensign(['plan', 'shop.json', '--json'], { env, cwd: dir.path });
      expect(plan.json()).toMatchObject({
        base: { version: 2 },
        drift: [{ flagKey: 'payments-enabled', why: 'killed' }],
      });
      const history = await ensign(['flag', 'history', 'payments-enabled', '--json'], { env, cwd: dir.path });
      expect(history.json<{ entries: unknown[] }>().entries).toHaveLength(2);
    } finally {
      await second.stop();
    }
  });

  it('bootstraps a stopped server: token create --store memory:DIR, then the server accepts it', async () => {
    const created = await ensign(
      ['token', 'create', '--name', 'ops', '--role', 'admin', '--store', 'memory:boot', '--json'],
      { cwd: dir.path, env: { ENSIGN_ACTOR: 'alice' } },
    );
    expect(created.code, created.stderr).toBe(0);
    const { token, record } = created.json<{ token: string; record: { createdBy: string } }>();
    expect(record.createdBy).toBe('alice');
    const server = await startServe(['--data', 'boot', '--admin-token-file', 'unused.token'], {
      cwd: dir.path,
    });
    try {
      expect(tokenIn(server.banner)).toBeUndefined();
      expect(server.banner).not.toContain('unused.token');
      const list = await ensign(['token', 'list', '--json'], {
        env: { ENSIGN_URL: server.url, ENSIGN_TOKEN: token },
      });
      expect(list.code).toBe(0);
      expect(list.json<{ tokens: { name: string }[] }>().tokens.map((t) => t.name)).toEqual(['ops']);
    } finally {
      await server.stop();
    }
  });

  it('writes the first admin token to --admin-token-file (owner-only) instead of printing it', async () => {
    const server = await startServe(['--data', 'quiet', '--admin-token-file', 'admin.token'], {
      cwd: dir.path,
    });
    try {
      expect(server.banner).not.toMatch(/ens_admin_/);
      const file = join(dir.path, 'admin.token');
      expect(statSync(file).mode & 0o077).toBe(0);
      const list = await ensign(['token', 'list'], {
        env: { ENSIGN_URL: server.url, ENSIGN_TOKEN_FILE: file },
      });
      expect(list.code).toBe(0);
      expect(readFileSync(file, 'utf8')).toMatch(/^ens_admin_/);
    } finally {
      await server.stop();
    }
  });
});

describe('ensign serve on Redis (REDIS_URL)', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await RedisServer.start();
  });
  afterAll(async () => redis?.stop());

  it('shares tokens and flags with the CLI in direct mode', async () => {
    const server = await startServe([], { cwd: dir.path, env: { REDIS_URL: redis.url } });
    try {
      expect(server.banner.replace(/\s+/g, ' ')).toContain(
        `flags in Redis at redis://127.0.0.1:${redis.port}`,
      );
      const direct = { REDIS_URL: redis.url, ENSIGN_SET: 'shop' };
      const created = await ensign(
        ['token', 'create', '--name', 'ci', '--role', 'editor', '--set', 'shop', '--json'],
        {
          env: direct,
        },
      );
      expect(created.code, created.stderr).toBe(0);
      const { token } = created.json<{ token: string }>();
      expect((await ensign(['apply', 'shop.json'], { env: direct, cwd: dir.path })).code).toBe(0);
      const api = { ENSIGN_URL: server.url, ENSIGN_TOKEN: token, ENSIGN_SET: 'shop' };
      const killed = await ensign(['kill', 'payments-enabled'], { env: api });
      expect(killed.code, killed.stderr).toBe(0);
      const list = await ensign(['flag', 'list', '--json'], { env: direct });
      expect(list.json()).toMatchObject({ version: 2 });
      expect(list.stdout).toContain('"killed": true');
    } finally {
      await server.stop();
    }
  });
});
