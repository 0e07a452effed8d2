import type { FlagDefinition } from '@ensign/core';
import { type FlagSetChangeNotice, StorePermissionError } from '@ensign/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisServer } from '../../../test/support/redis-server.js';
import { RedisFlagStore } from '../src/index.js';

const silent = { error: () => {}, warn: () => {}, info: () => {}, debug: () => {} };
const flag: FlagDefinition = { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'on' };

/** The ACL line the README recommends for providers: read and subscribe, nothing else. */
const READER_ACL = [
  'reader',
  'on',
  '>reader-pw',
  '~flags:*',
  '&flags:*',
  '+@read',
  '+@pubsub',
  '+@connection',
  '+@transaction',
  '-@write',
  '+info',
];

describe(`${RedisFlagStore.name} with an ACL user limited to read and subscribe`, () => {
  let server: RedisServer;
  let admin: RedisFlagStore;
  let reader: RedisFlagStore;

  beforeAll(async () => {
    server = await RedisServer.start();
    expect(await server.cli('acl', 'setuser', ...READER_ACL)).toBe('OK');
    admin = new RedisFlagStore({ url: server.url, logger: silent });
    reader = new RedisFlagStore({ url: `redis://reader:reader-pw@127.0.0.1:${server.port}`, logger: silent });
  });
  afterAll(async () => {
    await reader?.close();
    await admin?.close();
    await server?.stop();
  });

  it('loads, checks the version, reads history and receives notices', async () => {
    await admin.putFlag('app', 'a', flag, { actor: 'admin' });
    expect(await reader.load('app')).toEqual({
      flagSet: 'app',
      version: 1,
      document: { flags: { a: flag } },
    });
    expect(await reader.version('app')).toBe(1);
    expect((await reader.history('app'))[0]).toMatchObject({ actor: 'admin', operation: 'put' });
    const notices: FlagSetChangeNotice[] = [];
    await reader.subscribe('app', (n) => notices.push(n));
    await admin.patchFlag('app', 'a', { state: 'DISABLED' });
    const deadline = Date.now() + 3000;
    while (notices.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(notices).toEqual([{ flagSet: 'app', version: 2, operation: 'patch', flagKeys: ['a'] }]);
    expect((await reader.load('app')).document.flags.a!.state).toBe('DISABLED');
  });

  it('is refused every write with an error naming the set, and nothing is written', async () => {
    const error = await reader.putFlag('app', 'b', flag).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorePermissionError);
    expect((error as Error).message).toMatch(/may not write flag set "app".*NOPERM/);
    await expect(reader.revert('app', 1)).rejects.toBeInstanceOf(StorePermissionError);
    await expect(reader.replaceFlagSet('app', { flags: {} })).rejects.toBeInstanceOf(StorePermissionError);
    expect(await admin.version('app')).toBe(2);
    expect(await admin.history('app')).toHaveLength(2);
  });

  it('a writer user with the documented ACL line can make every kind of write', async () => {
    const writerAcl = [
      'writer',
      'on',
      '>writer-pw',
      '~flags:*',
      '&flags:*',
      '+@read',
      '+@write',
      '+@scripting',
    ];
    const rest = ['+@pubsub', '+@connection', '+@transaction', '+time', '+info'];
    expect(await server.cli('acl', 'setuser', ...writerAcl, ...rest)).toBe('OK');
    const writer = new RedisFlagStore({
      url: `redis://writer:writer-pw@127.0.0.1:${server.port}`,
      logger: silent,
    });
    try {
      await writer.putFlag('w', 'a', flag);
      await writer.patchFlag('w', 'a', { state: 'DISABLED' });
      await writer.replaceFlagSet('w', { flags: { b: flag } });
      await writer.revert('w', 2);
      await writer.deleteFlag('w', 'a');
      expect(await writer.version('w')).toBe(5);
      expect(await server.cli('script', 'flush')).toBe('OK');
      await writer.putFlag('w', 'c', flag);
      expect(await reader.version('w')).toBe(6);
    } finally {
      await writer.close();
    }
  });

  it('cannot read keys outside its prefix', async () => {
    const outside = new RedisFlagStore({
      url: `redis://reader:reader-pw@127.0.0.1:${server.port}`,
      prefix: 'secret:',
      logger: silent,
    });
    try {
      await expect(outside.load('app')).rejects.toBeInstanceOf(StorePermissionError);
      await expect(outside.subscribe('app', () => {})).rejects.toThrow(/may not subscribe to flag set "app"/);
    } finally {
      await outside.close();
    }
  });
});
