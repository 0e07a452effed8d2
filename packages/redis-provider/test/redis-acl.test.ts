/**
 * The documented least-privilege ACL users, against a real `redis-server`: what each may do (the
 * store's operations) and, command by command, what each may not.
 */
import type { FlagDefinition } from '@ensign/core';
import { type AuditEntry, StorePermissionError } from '@ensign/store';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisServer } from '../../../test/support/redis-server.js';
import { until } from '../../store/test/fixtures/harness.js';
import { RedisFlagStore, redisAclRules } from '../src/index.js';

const silent = { error: () => {}, warn: () => {}, info: () => {}, debug: () => {} };
const flag: FlagDefinition = { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'on' };

/** Runs a raw command as `client` and resolves with the error message, or `'allowed'`. */
async function attempt(client: Redis, ...args: (string | number)[]): Promise<string> {
  try {
    await client.call(String(args[0]), ...args.slice(1));
    return 'allowed';
  } catch (error) {
    return (error as Error).message;
  }
}

describe('Redis ACL users (redisAclRules)', () => {
  let server: RedisServer;
  let admin: RedisFlagStore;
  let reader: RedisFlagStore;
  let writer: RedisFlagStore;
  const raw: Redis[] = [];
  const rawAs = (user: string) => {
    const client = new Redis({
      port: server.port,
      username: user,
      password: `${user}-pw`,
      lazyConnect: true,
    });
    raw.push(client);
    return client;
  };

  beforeAll(async () => {
    server = await RedisServer.start();
    for (const role of ['reader', 'writer'] as const) {
      expect(await server.cli('acl', 'setuser', role, 'on', `>${role}-pw`, ...redisAclRules(role))).toBe(
        'OK',
      );
    }
    admin = new RedisFlagStore({ url: server.url, logger: silent });
    reader = new RedisFlagStore({ url: `redis://reader:reader-pw@127.0.0.1:${server.port}`, logger: silent });
    writer = new RedisFlagStore({ url: `redis://writer:writer-pw@127.0.0.1:${server.port}`, logger: silent });
  });
  afterAll(async () => {
    for (const client of raw) client.disconnect();
    await Promise.all([reader?.close(), writer?.close(), admin?.close()]);
    await server?.stop();
  });

  it('the documented lines are exactly these (the README shows them)', () => {
    expect(redisAclRules('reader').join(' ')).toBe(
      'resetkeys %R~flags:* resetchannels -@all +ping +info +hget +hgetall +xread +xrevrange +multi +exec',
    );
    expect(redisAclRules('writer', { prefix: 'ff:', cluster: true }).join(' ')).toBe(
      'resetkeys ~ff:* resetchannels &ff:* -@all +ping +info +hget +hgetall +xread +xrevrange +multi +exec ' +
        '+evalsha +eval +get +type +time +xadd +del +hset +hdel +set +publish +spublish +cluster|slots +cluster|info',
    );
  });

  it('a reader loads, checks the version, reads history and follows the change feed', async () => {
    await admin.putFlag('app', 'a', flag, { actor: 'admin' });
    expect(await reader.load('app')).toMatchObject({
      flagSet: 'app',
      version: 1,
      document: { flags: { a: flag } },
    });
    expect(await reader.version('app')).toBe(1);
    expect((await reader.history('app'))[0]).toMatchObject({ actor: 'admin', operation: 'put' });
    const entries: AuditEntry[] = [];
    const subscription = await reader.follow('app', (await reader.load('app')).position, (e) =>
      entries.push(e),
    );
    await admin.patchFlag('app', 'a', { state: 'DISABLED' });
    await until(() => entries.length === 1, 'the entry');
    expect(entries[0]).toMatchObject({
      version: 2,
      operation: 'patch',
      flagKey: 'a',
      after: { state: 'DISABLED' },
    });
    await subscription.unsubscribe();
  });

  it('a reader is refused every write with an error naming the set, and nothing is written', async () => {
    const version = await admin.version('app');
    const error = await reader.putFlag('app', 'b', flag).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorePermissionError);
    expect((error as Error).message).toMatch(/may not write flag set "app".*NOPERM/);
    await expect(reader.revert('app', 1)).rejects.toBeInstanceOf(StorePermissionError);
    await expect(reader.replaceFlagSet('app', { flags: {} })).rejects.toBeInstanceOf(StorePermissionError);
    expect(await admin.version('app')).toBe(version);
  });

  it('a reader cannot publish, subscribe, manage clients, scan keys, write or run scripts', async () => {
    const client = rawAs('reader');
    const refused: (string | number)[][] = [
      ['publish', 'flags:{app}:changes', '{"flagSet":"app","version":99}'],
      ['subscribe', 'flags:{app}:changes'],
      ['client', 'kill', 'type', 'normal'],
      ['client', 'pause', '2000', 'all'],
      ['client', 'list'],
      ['keys', '*'],
      ['scan', '0'],
      ['hset', 'flags:{app}:defs', 'a', '{}'],
      ['xadd', 'flags:{app}:log', '*', 'version', '99'],
      ['del', 'flags:{app}:meta'],
      ['eval', "return redis.call('hget', KEYS[1], 'version')", 1, 'flags:{app}:meta'],
      ['flushall'],
      ['config', 'get', 'maxmemory'],
      ['hget', 'secret:{app}:meta', 'version'],
    ];
    for (const command of refused)
      expect(await attempt(client, ...command), command.join(' ')).toMatch(/NOPERM/);
    expect(await attempt(client, 'hget', 'flags:{app}:meta', 'version')).toBe('allowed');
  });

  it('a writer makes every kind of write, also after SCRIPT FLUSH (EVAL fallback)', async () => {
    await writer.putFlag('w', 'a', flag);
    await writer.patchFlag('w', 'a', { state: 'DISABLED' });
    await writer.replaceFlagSet('w', { flags: { b: flag } });
    await writer.revert('w', 2);
    await writer.deleteFlag('w', 'a');
    expect(await writer.version('w')).toBe(5);
    expect(await server.cli('script', 'flush')).toBe('OK');
    await writer.putFlag('w', 'c', flag);
    expect(await reader.version('w')).toBe(6);
  });

  it('a writer cannot flush, reconfigure, scan, manage clients or touch keys outside its prefix', async () => {
    const client = rawAs('writer');
    const refused: (string | number)[][] = [
      ['flushall'],
      ['flushdb'],
      ['config', 'set', 'maxmemory', '1'],
      ['keys', '*'],
      ['scan', '0'],
      ['set', 'other:key', 'x'],
      ['get', 'other:key'],
      ['client', 'kill', 'type', 'normal'],
      ['subscribe', 'flags:{w}:changes'],
      ['shutdown'],
      ['script', 'flush'],
      ['eval', "return redis.call('set', KEYS[1], 'x')", 1, 'other:key'],
    ];
    for (const command of refused)
      expect(await attempt(client, ...command), command.join(' ')).toMatch(/NOPERM/);
    expect(await server.cli('exists', 'other:key')).toBe('0');
  });

  it('a reader of another prefix cannot read these keys', async () => {
    const outside = new RedisFlagStore({
      url: `redis://reader:reader-pw@127.0.0.1:${server.port}`,
      prefix: 'secret:',
      logger: silent,
    });
    try {
      await expect(outside.load('app')).rejects.toBeInstanceOf(StorePermissionError);
      await expect(outside.follow('app', '', () => {})).rejects.toThrow(/may not read flag set "app"/);
    } finally {
      await outside.close();
    }
  });
});
