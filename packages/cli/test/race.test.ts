/**
 * Plan/apply racing a kill switch. In process, a write is slipped in exactly between apply's read
 * and its write (through a real store, not a mock) to cover both outcomes deterministically; then
 * the installed binaries race for real: `ensign apply PLAN` and `ensign kill` started together.
 * Whatever the order, the kill is never lost and apply is all or nothing.
 */
import type { FlagSetDocument } from '@ensign/core';
import { MemoryFlagStore, killFlag } from '@ensign/store';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { EnsignClient } from '../src/client/client.js';
import { StoreClient } from '../src/client/store-client.js';
import { CliError } from '../src/errors.js';
import { applyPlan } from '../src/plan/apply-plan.js';
import { planAgainstLive } from '../src/plan/make-plan.js';
import { assertBuilt, ensign } from './support/ensign.js';
import { type TempDir, flagOf, shopFlags, tempDir } from './support/files.js';
import { type TestServer, memoryBackend, quiet, startServer } from './support/server.js';

// Each step is a Node process (the installed binary); on a loaded machine a step can take seconds.
vi.setConfig({ testTimeout: 180_000, hookTimeout: 180_000 });

/** A store client that runs `between` once, after its first read (apply's) and before its write. */
function interleaved(client: EnsignClient, between: () => Promise<void>): EnsignClient {
  let reads = 0;
  return new Proxy(client, {
    get(target, property, receiver) {
      if (property === 'readSet') {
        return async (flagSet: string) => {
          const live = await target.readSet(flagSet);
          if (++reads === 1) await between();
          return live;
        };
      }
      const value = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

async function planned(store: MemoryFlagStore, desired: FlagSetDocument) {
  const client = new StoreClient({
    store,
    target: 'memory',
    actor: 'test',
    timeoutMs: 5000,
    openState: () => Promise.reject(new Error('no state')),
  });
  const { plan } = await planAgainstLive(
    client,
    'shop',
    desired,
    { kind: 'file', path: 'x', sha256: '0'.repeat(64) },
    {},
  );
  return { client, plan };
}

function desiredFrom(base: FlagSetDocument): FlagSetDocument {
  const next = structuredClone(base);
  flagOf(next, 'payments-enabled').metadata = { kind: 'kill-switch', owner: 'payments', offVariant: 'off' };
  flagOf(next, 'banner-text').defaultVariant = 'sale';
  return next;
}

describe('apply racing other writes (in process, exact interleavings)', () => {
  it('re-reads and applies when a flag the plan does not touch changed between its read and write', async () => {
    const store = new MemoryFlagStore({ flagSets: { shop: shopFlags() }, logger: quiet });
    const { client, plan } = await planned(store, desiredFrom(shopFlags()));
    const racing = interleaved(client, async () => {
      await store.patchFlag('shop', 'legacy-search', { state: 'ENABLED' }, { actor: 'someone' });
    });
    const result = await applyPlan(racing, plan);
    expect(result).toMatchObject({ applied: true, attempts: 2, fromVersion: 2, version: 3 });
    const live = (await store.load('shop')).document;
    expect(flagOf(live, 'legacy-search').state).toBe('ENABLED');
    expect(flagOf(live, 'banner-text').defaultVariant).toBe('sale');
  });

  it('refuses, writing nothing, when the kill switch it touches was flipped between its read and write', async () => {
    const store = new MemoryFlagStore({ flagSets: { shop: shopFlags() }, logger: quiet });
    const { client, plan } = await planned(store, desiredFrom(shopFlags()));
    const racing = interleaved(client, async () => {
      await killFlag(store, 'shop', 'payments-enabled', { actor: 'oncall', reason: 'INC-9' });
    });
    const error = await applyPlan(racing, plan).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CliError);
    expect(error).toMatchObject({ kind: 'conflict', exitCode: 3, flags: ['payments-enabled'] });
    expect((error as CliError).message).toContain(
      'payments-enabled: killed at version 2 by oncall (put: INC-9)',
    );
    const live = (await store.load('shop')).document;
    expect(flagOf(live, 'banner-text').defaultVariant).toBe('plain');
    expect(flagOf(live, 'payments-enabled').metadata?.killedBy).toBe('oncall');
  });
});

describe('ensign apply and ensign kill started together', () => {
  let server: TestServer;
  let dir: TempDir;
  let env: Record<string, string>;
  beforeAll(async () => {
    assertBuilt();
    server = await startServer(memoryBackend());
    dir = tempDir();
    env = { ...server.env('editor'), ENSIGN_SET: 'shop' };
  });
  afterAll(async () => {
    await server?.close();
    dir?.remove();
  });

  it('never loses the kill, and applies all of the plan or none of it', async () => {
    const outcomes: number[] = [];
    for (let round = 0; round < 4; round++) {
      await server.seed('shop', shopFlags());
      dir.write('desired.json', desiredFrom(shopFlags()));
      const plan = await ensign(['plan', 'desired.json', '--out', 'race.plan'], { env, cwd: dir.path });
      expect(plan.code).toBe(2);
      const killDelay = round * 40;
      const [apply, kill] = await Promise.all([
        ensign(['apply', 'race.plan', '--json'], { env, cwd: dir.path }),
        new Promise((r) => setTimeout(r, killDelay)).then(() =>
          ensign(['kill', 'payments-enabled', '--reason', `race ${round}`], { env, cwd: dir.path }),
        ),
      ]);
      expect(kill.code, kill.stderr).toBe(0);
      expect([0, 3]).toContain(apply.code);
      outcomes.push(apply.code);
      const live = (await server.backend.store.load('shop')).document;
      expect(flagOf(live, 'payments-enabled').metadata?.killReason).toBe(`race ${round}`);
      expect(flagOf(live, 'banner-text').defaultVariant).toBe(apply.code === 0 ? 'sale' : 'plain');
      if (apply.code === 3) expect(apply.json()).toMatchObject({ error: { flags: ['payments-enabled'] } });
    }
    expect(outcomes).toHaveLength(4);
  });
});
