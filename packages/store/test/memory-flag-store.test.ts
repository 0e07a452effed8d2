import { describe, expect, it } from 'vitest';
import { MemoryFlagStore } from '../src/index.js';
import { testFlagStore } from '../src/testing/index.js';

const silent = { error: () => {}, warn: () => {}, info: () => {}, debug: () => {} };

testFlagStore(MemoryFlagStore.name, async (options) => new MemoryFlagStore({ ...options, logger: silent }));

describe(MemoryFlagStore.name, () => {
  it('starts with seeded sets, validated and recorded as version 1', async () => {
    const doc = { flags: { a: { state: 'ENABLED' as const, variants: { on: true }, defaultVariant: 'on' } } };
    const store = new MemoryFlagStore({ flagSets: { app: doc } });
    expect(await store.load('app')).toMatchObject({ flagSet: 'app', version: 1, document: doc });
    expect((await store.history('app'))[0]).toMatchObject({
      operation: 'replace',
      actor: 'seed',
      after: doc,
    });
    expect(
      () => new MemoryFlagStore({ flagSets: { bad: { flags: { a: { state: 'ENABLED', variants: {} } } } } }),
    ).toThrow(/invalid flag set/);
    await store.close();
  });
});
