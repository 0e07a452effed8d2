/**
 * `ensign kill`, `flag get|list|kill|restore|weights|history|revert` and `token create|list|revoke`
 * through the installed binary against a real server on the memory store and on Redis: exit
 * codes, `--json` against the shipped schemas, human output in 80 columns, errors that name the
 * flag and the JSON Pointer, a revoked token refused with exit 4.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { RedisServer } from '../../../test/support/redis-server.js';
import { assertBuilt, ensign, overWide } from './support/ensign.js';
import { flagOf, shopFlags } from './support/files.js';
import { assertSchema } from './support/schemas.js';
import {
  type TestBackend,
  type TestServer,
  memoryBackend,
  redisBackend,
  startServer,
} from './support/server.js';

// Each step is a Node process (the installed binary); on a loaded machine a step can take seconds.
vi.setConfig({ testTimeout: 180_000, hookTimeout: 180_000 });

const backends: [string, () => Promise<{ backend: TestBackend; stop: () => Promise<void> }>][] = [
  ['memory', async () => ({ backend: memoryBackend(), stop: async () => {} })],
  [
    'redis',
    async () => {
      const redis = await RedisServer.start();
      return { backend: redisBackend(redis.url), stop: () => redis.stop() };
    },
  ],
];

describe.each(backends)('ensign flag and token commands against a server on the %s store', (_name, open) => {
  let server: TestServer;
  let stopStore: () => Promise<void>;
  let env: Record<string, string>;
  const run = (args: string[], extra: Record<string, string> = {}) =>
    ensign(args, { env: { ...env, ...extra } });

  beforeAll(async () => {
    assertBuilt();
    const opened = await open();
    stopStore = opened.stop;
    server = await startServer(opened.backend);
    await server.seed('shop', shopFlags());
    env = { ...server.env('editor'), ENSIGN_SET: 'shop' };
  });
  afterAll(async () => {
    await server?.close();
    await stopStore?.();
  });

  it('lists and gets flags, as tables in 80 columns and as JSON', async () => {
    const list = await run(['flag', 'list']);
    expect(list.code).toBe(0);
    expect(overWide(list.stdout)).toEqual([]);
    expect(list.stdout).toMatch(/checkout-v2 +ENABLED +off +release +1 condition, else split/);
    const listJson = await run(['flag', 'list', '--json']);
    assertSchema('flag-list', listJson.json());
    expect(listJson.json<{ flags: { key: string }[] }>().flags.map((f) => f.key)).toEqual([
      'banner-text',
      'checkout-v2',
      'legacy-search',
      'payments-enabled',
    ]);

    const get = await run(['flag', 'get', 'checkout-v2']);
    expect(get.code).toBe(0);
    expect(overWide(get.stdout)).toEqual([]);
    expect(get.stdout).toContain('if $ref beta-testers → on');
    expect(get.stdout).toContain('else → split on 5% / off 95%');
    const getJson = await run(['flag', 'get', 'checkout-v2', '--json']);
    assertSchema('flag-get', getJson.json());
    expect(getJson.json()).toMatchObject({ flagSet: 'shop', flagKey: 'checkout-v2', killed: false });
  });

  it('names the flag when it does not exist (exit 1)', async () => {
    const missing = await run(['flag', 'get', 'no-such-flag', '--json']);
    expect(missing.code).toBe(1);
    assertSchema('error', missing.json());
    expect(missing.json()).toMatchObject({ error: { kind: 'not-found', flags: ['no-such-flag'] } });
    expect(missing.stderr).toContain('flag "no-such-flag" does not exist in flag set "shop"');
  });

  it('kills with the top-level alias and restores exactly what was there, both audited with the reason', async () => {
    const before = flagOf((await server.backend.store.load('shop')).document, 'payments-enabled');
    const killed = await run(['kill', 'payments-enabled', '--reason', 'INC-42']);
    expect(killed.code, killed.stderr).toBe(0);
    expect(killed.stdout).toContain('Killed flag "payments-enabled" in flag set "shop"');
    expect(killed.stdout).toContain('It serves variant "off" to everyone.');
    const live = flagOf((await server.backend.store.load('shop')).document, 'payments-enabled');
    expect(live).toMatchObject({
      defaultVariant: 'off',
      metadata: { killReason: 'INC-42', killMode: 'off-variant' },
    });
    const [entry] = await server.backend.store.history('shop', { flagKey: 'payments-enabled', limit: 1 });
    expect(entry).toMatchObject({ reason: 'INC-42', actor: expect.stringMatching(/^test-editor \(tok_/) });

    const list = await run(['flag', 'list']);
    expect(list.stdout).toMatch(/payments-enabled +KILLED/);
    const twice = await run(['kill', 'payments-enabled', '--json']);
    expect(twice.code).toBe(0);
    assertSchema('flag-write', twice.json());
    expect(twice.json()).toMatchObject({ action: 'kill', changed: false });
    expect((await run(['kill', 'payments-enabled'])).stdout).toContain('is already killed');

    const restored = await run(['flag', 'restore', 'payments-enabled', '--reason', 'fixed', '--json']);
    expect(restored.code, restored.stderr).toBe(0);
    assertSchema('flag-write', restored.json());
    expect(flagOf((await server.backend.store.load('shop')).document, 'payments-enabled')).toEqual(before);

    const again = await run(['flag', 'restore', 'payments-enabled']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('is not killed');
  });

  it('sets rollout weights, and names the JSON Pointer of a variant the flag lacks', async () => {
    const set = await run(['flag', 'weights', 'checkout-v2', 'on=25', 'off=75', '--reason', 'ramp to 25%']);
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toContain('split on 25% / off 75%');
    expect(overWide(set.stdout)).toEqual([]);

    const unknown = await run(['flag', 'weights', 'checkout-v2', 'on=25', 'maybe=75', '--json']);
    expect(unknown.code).toBe(1);
    assertSchema('error', unknown.json());
    expect(unknown.json()).toMatchObject({
      error: { problems: [{ flagKey: 'checkout-v2', pointer: '/weights/maybe' }] },
    });
    expect(unknown.stderr).toContain('flag "checkout-v2" at /weights/maybe');

    const usage = await run(['flag', 'weights', 'checkout-v2', 'on:25']);
    expect(usage.code).toBe(64);
    expect(usage.stderr).toContain('variant=integer');
  });

  it("shows a flag's history and reverts it to a version", async () => {
    const history = await run(['flag', 'history', 'checkout-v2']);
    expect(history.code).toBe(0);
    expect(overWide(history.stdout)).toEqual([]);
    // The change column wraps within the table: compare with whitespace collapsed.
    const flat = history.stdout.replace(/\s+/g, ' ');
    expect(flat).toContain('targeting split: on 5% → 25%, off 95% → 75%');
    expect(flat).toContain('(ramp to 25%)');
    const json = await run(['flag', 'history', 'checkout-v2', '--json']);
    assertSchema('flag-history', json.json());
    const entries = json.json<{ entries: { version: number; operation: string }[] }>().entries;
    expect(entries.map((e) => e.operation)).toEqual(['put', 'replace']);

    const reverted = await run([
      'flag',
      'revert',
      'checkout-v2',
      '--to',
      String(entries[1]!.version),
      '--json',
    ]);
    expect(reverted.code, reverted.stderr).toBe(0);
    assertSchema('flag-write', reverted.json());
    const flag = flagOf((await server.backend.store.load('shop')).document, 'checkout-v2');
    expect(flag).toEqual(flagOf(shopFlags(), 'checkout-v2'));

    const tooFar = await run(['flag', 'revert', 'checkout-v2', '--to', '999']);
    expect(tooFar.code).toBe(1);
    const notNumber = await run(['flag', 'revert', 'checkout-v2', '--to', 'yesterday']);
    expect(notNumber.code).toBe(64);
  });

  it('refuses writes with a viewer token (exit 4) and writes nothing', async () => {
    const version = (await server.backend.store.load('shop')).version;
    const refused = await run(['kill', 'checkout-v2', '--json'], { ENSIGN_TOKEN: server.tokens.viewer });
    expect(refused.code).toBe(4);
    expect(refused.json()).toMatchObject({ error: { kind: 'forbidden', exitCode: 4 } });
    expect((await server.backend.store.load('shop')).version).toBe(version);
  });

  it('creates, lists and revokes tokens; a revoked token is refused with exit 4', async () => {
    const admin = { ENSIGN_TOKEN: server.tokens.admin };
    const created = await run(
      ['token', 'create', '--name', 'ci', '--role', 'editor', '--set', 'shop', '--json'],
      admin,
    );
    expect(created.code, created.stderr).toBe(0);
    assertSchema('token-create', created.json());
    const { token, record } = created.json<{ token: string; record: { id: string } }>();

    const withNew = await run(['flag', 'list', '--json'], { ENSIGN_TOKEN: token });
    expect(withNew.code).toBe(0);

    const list = await run(['token', 'list', '--json'], admin);
    assertSchema('token-list', list.json());
    expect(list.stdout).not.toContain(token);
    const human = await run(['token', 'list'], admin);
    expect(overWide(human.stdout)).toEqual([]);
    expect(human.stdout).toContain(record.id);

    const revoked = await run(['token', 'revoke', record.id, '--json'], admin);
    expect(revoked.code).toBe(0);
    assertSchema('token-revoke', revoked.json());

    const refused = await run(['flag', 'list'], { ENSIGN_TOKEN: token });
    expect(refused.code).toBe(4);
    expect(refused.stderr).toContain('refused the token');
    expect(refused.stderr).toContain('hint:');

    const unknown = await run(['token', 'revoke', 'tok_0000000000000000'], admin);
    expect(unknown.code).toBe(1);
    const byEditor = await run(['token', 'list']);
    expect(byEditor.code).toBe(4);
  });

  it('says where to put the token when there is none (exit 4)', async () => {
    const none = await ensign(['flag', 'list', '--set', 'shop'], { env: { ENSIGN_URL: server.url } });
    expect(none.code).toBe(4);
    expect(none.stderr).toContain('set ENSIGN_TOKEN or ENSIGN_TOKEN_FILE');
  });
});
