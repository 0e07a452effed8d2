/**
 * The server state's own ACL user against a real `redis-server`, beside the flag users of
 * `@ensign/redis-provider`: a flag reader (or writer) cannot read a token hash or a webhook secret,
 * and the state user cannot read, write or announce a flag, nor scan, flush or manage clients.
 */
import { RedisFlagStore, redisAclRules } from '@ensign/redis-provider';
import { StorePermissionError } from '@ensign/store';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisServer } from '../../../test/support/redis-server.js';
import { RedisServerState, hashToken, issueToken, redisStateAclRules } from '../src/index.js';
import { namespaceKeys } from '../src/state/redis/keys.js';

const silent = { error: () => {}, warn: () => {}, info: () => {}, debug: () => {} };

/** Runs a raw command and resolves with the error message, or `'allowed'`. */
async function attempt(client: Redis, ...args: (string | number)[]): Promise<string> {
  try {
    await client.call(String(args[0]), ...args.slice(1));
    return 'allowed';
  } catch (error) {
    return (error as Error).message;
  }
}

describe('Redis ACL users of the server state (redisStateAclRules)', () => {
  let server: RedisServer;
  let state: RedisServerState;
  let flags: RedisFlagStore;
  let tokenKey: string;
  let secretKey: string;
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
    for (const role of ['reader', 'writer'] as const)
      expect(await server.cli('acl', 'setuser', role, 'on', `>${role}-pw`, ...redisAclRules(role))).toBe(
        'OK',
      );
    expect(await server.cli('acl', 'setuser', 'state', 'on', '>state-pw', ...redisStateAclRules())).toBe(
      'OK',
    );
    state = new RedisServerState({ url: `redis://state:state-pw@127.0.0.1:${server.port}` });
    flags = new RedisFlagStore({ url: `redis://writer:writer-pw@127.0.0.1:${server.port}`, logger: silent });
    const { token } = await issueToken(state, { name: 'ci', role: 'admin', createdBy: 'test' });
    tokenKey = namespaceKeys('ensign:', 'tokens').doc(hashToken(token));
    await state.put('webhook-secrets', 'wh_1', { secret: 'whsec_test' });
    secretKey = namespaceKeys('ensign:', 'webhook-secrets').doc('wh_1');
    await flags.putFlag('app', 'a', { state: 'ENABLED', variants: { on: true }, defaultVariant: 'on' });
  });
  afterAll(async () => {
    for (const client of raw) client.disconnect();
    await Promise.all([state?.close(), flags?.close()]);
    await server?.stop();
  });

  it('the documented line is exactly this (the README shows it)', () => {
    expect(redisStateAclRules().join(' ')).toBe(
      'resetkeys ~ensign:* resetchannels -@all +ping +info +hmget +smembers +hgetall +evalsha +eval +type +hget ' +
        '+hset +del +exists +pexpire +persist +sadd +srem +hincrbyfloat +time',
    );
    expect(redisStateAclRules({ prefix: 'st:', cluster: true }).slice(0, 2)).toEqual(['resetkeys', '~st:*']);
    expect(redisStateAclRules({ cluster: true }).slice(-2)).toEqual(['+cluster|slots', '+cluster|info']);
  });

  it('the stored records really are there for the state user (so the refusals below mean something)', async () => {
    expect(await server.cli('exists', tokenKey, secretKey)).toBe('2');
    expect(await attempt(rawAs('state'), 'hget', secretKey, 'value')).toBe('allowed');
  });

  it('a flag reader or writer cannot read a token hash or a webhook secret, by any command', async () => {
    for (const user of ['reader', 'writer']) {
      const client = rawAs(user);
      const refused: (string | number)[][] = [
        ['hget', tokenKey, 'value'],
        ['hgetall', tokenKey],
        ['hmget', secretKey, 'value'],
        ['hgetall', secretKey],
        ['smembers', 'ensign:{tokens}:ids'],
        ['get', secretKey],
        ['dump', secretKey],
        ['type', secretKey],
        ['exists', secretKey],
        ['keys', 'ensign:*'],
        ['scan', '0', 'match', 'ensign:*'],
        ['eval', "return redis.call('hget', KEYS[1], 'value')", 1, secretKey],
        ['eval', "return redis.call('hget', 'ensign:{webhook-secrets}:doc:wh_1', 'value')", 0],
        ['hset', tokenKey, 'value', '{"role":"admin"}'],
        ['del', secretKey],
      ];
      for (const command of refused)
        expect(await attempt(client, ...command), `${user}: ${command.join(' ')}`).toMatch(
          /NOPERM|user executing the script can't/,
        );
    }
    // A flag store pointed at the state's prefix fails with a permission error, reading nothing.
    const nosy = new RedisFlagStore({
      url: `redis://reader:reader-pw@127.0.0.1:${server.port}`,
      prefix: 'ensign:',
      logger: silent,
    });
    try {
      await expect(nosy.load('tokens')).rejects.toBeInstanceOf(StorePermissionError);
    } finally {
      await nosy.close();
    }
  });

  it('the state user cannot read, write or announce a flag, nor scan, flush or manage clients', async () => {
    const client = rawAs('state');
    const refused: (string | number)[][] = [
      ['hget', 'flags:{app}:meta', 'version'],
      ['hgetall', 'flags:{app}:defs'],
      ['xread', 'streams', 'flags:{app}:log', '0-0'],
      ['xadd', 'flags:{app}:log', '*', 'version', '99'],
      ['hset', 'flags:{app}:defs', 'a', '{}'],
      ['del', 'flags:{app}:meta'],
      ['eval', "return redis.call('hget', KEYS[1], 'version')", 1, 'flags:{app}:meta'],
      ['publish', 'flags:{app}:changes', '{"flagSet":"app","version":99}'],
      ['subscribe', 'flags:{app}:changes'],
      ['keys', '*'],
      ['scan', '0'],
      ['flushall'],
      ['flushdb'],
      ['config', 'get', 'maxmemory'],
      ['client', 'list'],
      ['client', 'kill', 'type', 'normal'],
      ['script', 'flush'],
      ['shutdown'],
    ];
    for (const command of refused)
      expect(await attempt(client, ...command), command.join(' ')).toMatch(
        /NOPERM|user executing the script can't/,
      );
    const asFlags = new RedisFlagStore({
      url: `redis://state:state-pw@127.0.0.1:${server.port}`,
      logger: silent,
    });
    try {
      await expect(asFlags.load('app')).rejects.toBeInstanceOf(StorePermissionError);
      await expect(
        asFlags.putFlag('app', 'b', { state: 'ENABLED', variants: { on: true }, defaultVariant: 'on' }),
      ).rejects.toBeInstanceOf(StorePermissionError);
    } finally {
      await asFlags.close();
    }
    expect(await flags.version('app')).toBe(1);
  });
});
