/**
 * One conformance suite for every `FlagStore` (in the spirit of unstorage's `testStorage`): the
 * memory store and the Redis store run exactly these tests, so they cannot drift apart.
 *
 * The tests live in one file per concern (reads and writes, compare-and-set, history, change feed,
 * boundary inputs); this file opens the stores they share and runs them in that order, all in one
 * `describe` block.
 */
import { afterAll, describe } from 'vitest';
import type { FlagStore } from '../index.js';
import { boundaryInputTests } from './conformance-boundary-inputs.js';
import { changeFeedTests } from './conformance-change-feed.js';
import { compareAndSetTests } from './conformance-compare-and-set.js';
import type { ConformanceStoreOptions, FlagStoreConformanceContext } from './conformance-context.js';
import { historyTests } from './conformance-history.js';
import { writeTests } from './conformance-writes.js';

export type { ConformanceStoreOptions } from './conformance-context.js';

/** Runs the store conformance suite against stores made by `factory`. */
export function testFlagStore(
  name: string,
  factory: (options?: ConformanceStoreOptions) => Promise<FlagStore>,
): void {
  describe(`${name} conformance`, () => {
    const opened: FlagStore[] = [];
    const open = async (options?: ConformanceStoreOptions) => {
      const store = await factory(options);
      opened.push(store);
      return store;
    };
    let shared: FlagStore | undefined;
    const store = async () => {
      shared ??= await open();
      return shared;
    };
    afterAll(async () => {
      await Promise.all(opened.map((s) => s.close()));
    });

    const context: FlagStoreConformanceContext = { store, open };
    writeTests(context);
    compareAndSetTests(context);
    historyTests(context);
    changeFeedTests(context);
    boundaryInputTests(context);
  });
}
