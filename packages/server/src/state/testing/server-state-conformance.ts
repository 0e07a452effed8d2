/**
 * One conformance suite for every `ServerState` (as `@ensign/store/testing` is for flag stores):
 * the memory state and the Redis state run exactly these tests, so they cannot drift apart.
 *
 * The tests live in one file per concern (documents, counters, leases, across a restart); this
 * file opens the state they share and runs them in that order inside one `describe` block.
 */
import { afterAll, describe } from 'vitest';
import type { ServerState } from '../server-state.js';
import type { ServerStateConformanceContext, ServerStateConformanceOptions } from './conformance-context.js';
import { counterTests } from './conformance-counters.js';
import { documentTests } from './conformance-documents.js';
import { leaseTests } from './conformance-leases.js';
import { restartTests } from './conformance-restart.js';

export type { ServerStateConformanceOptions } from './conformance-context.js';

/** Runs the server-state conformance suite against states made by `factory`. */
export function testServerState(
  name: string,
  factory: () => Promise<ServerState>,
  options: ServerStateConformanceOptions = {},
): void {
  describe(`${name} conformance`, () => {
    const opened: ServerState[] = [];
    let shared: ServerState | undefined;
    const state = async () => {
      if (!shared) {
        shared = await factory();
        opened.push(shared);
      }
      return shared;
    };
    afterAll(async () => {
      await Promise.all(opened.map((s) => s.close()));
    });

    const context: ServerStateConformanceContext = { state, factory, opened };
    documentTests(context);
    counterTests(context);
    leaseTests(context);
    const { reopen } = options;
    if (reopen) restartTests(context, reopen);
  });
}
