/**
 * A server or store that is down or silent: a clear error naming where, exit 5, no partial write,
 * and no hang (`--timeout`).
 */
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { RedisServer } from '../../../test/support/redis-server.js';
import { assertBuilt, ensign } from './support/ensign.js';
import { type TempDir, flagOf, shopFlags, tempDir } from './support/files.js';
import { assertSchema } from './support/schemas.js';
import { type TestServer, memoryBackend, startServer } from './support/server.js';

// Each step is a Node process (the installed binary); on a loaded machine a step can take seconds.
vi.setConfig({ testTimeout: 180_000, hookTimeout: 180_000 });

let dir: TempDir;
beforeAll(() => {
  assertBuilt();
  dir = tempDir();
  const next = shopFlags();
  flagOf(next, 'banner-text').defaultVariant = 'sale';
  dir.write('next.json', next);
});
afterAll(() => dir?.remove());

describe('a server that is down', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(memoryBackend());
    await server.seed('shop', shopFlags());
  });
  afterAll(async () => server?.close());

  it('exits 5 naming the server, and nothing is written', async () => {
    const env = { ...server.env('editor'), ENSIGN_SET: 'shop' };
    expect((await ensign(['plan', 'next.json', '--out', 'next.plan'], { env, cwd: dir.path })).code).toBe(2);
    await server.stop();
    const before = await server.backend.store.load('shop');
    for (const args of [
      ['apply', 'next.plan'],
      ['apply', 'next.json'],
      ['kill', 'banner-text'],
      ['flag', 'list'],
    ]) {
      const result = await ensign([...args, '--json'], { env, cwd: dir.path });
      expect(result.code, args.join(' ')).toBe(5);
      assertSchema('error', result.json());
      expect(result.json()).toMatchObject({ error: { kind: 'unreachable' } });
      expect(result.stderr).toContain(`cannot reach the server at ${server.url} (ECONNREFUSED)`);
    }
    expect(await server.backend.store.load('shop')).toEqual(before);
  });
});

describe('a server that accepts connections and never answers', () => {
  let silent: ReturnType<typeof createServer>;
  let url: string;
  beforeAll(async () => {
    silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const address = silent.address();
    url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  afterAll(async () => {
    silent.close();
  });

  it('gives up after --timeout with exit 5 and says a write may or may not have landed', async () => {
    const result = await ensign(['kill', 'x', '--set', 'shop', '--timeout', '1'], {
      env: { ENSIGN_URL: url, ENSIGN_TOKEN: 'ens_admin_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx' },
    });
    expect(result.code).toBe(5);
    expect(result.stderr).toContain('no answer within 1 s');
    expect(result.stderr).toContain('may or may not have been applied');
  });
});

describe('Redis that is down (direct mode)', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await RedisServer.start({ args: ['--requirepass', 'secret'] });
  });
  afterAll(async () => redis?.stop());

  it('refuses wrong credentials with exit 4, and exits 5 naming the store (never its password) once it is down', async () => {
    const wrong = await ensign(['flag', 'list', '--set', 'shop'], {
      env: { REDIS_URL: `redis://:wrong@127.0.0.1:${redis.port}` },
    });
    expect(wrong.code).toBe(4);
    expect(wrong.stderr).toContain('refused the credentials');
    expect(wrong.stderr).not.toContain('wrong@');
    const env = { REDIS_URL: `redis://:secret@127.0.0.1:${redis.port}`, ENSIGN_SET: 'shop' };
    const applied = await ensign(['apply', 'next.json'], { env, cwd: dir.path });
    expect(applied.code, applied.stderr).toBe(0);
    await redis.kill9();
    const result = await ensign(['apply', 'next.json', '--json'], { env, cwd: dir.path });
    expect(result.code).toBe(5);
    expect(result.json()).toMatchObject({ error: { kind: 'unreachable', exitCode: 5 } });
    expect(result.stderr).toContain(`cannot reach the store at redis://127.0.0.1:${redis.port}`);
    expect(result.stderr + result.stdout).not.toContain('secret');
  });
});
