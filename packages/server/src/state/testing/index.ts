/**
 * `@ensign/server/testing`: the conformance suite every `ServerState` must pass, for vitest. Run
 * it against your own state to prove it behaves exactly like the memory and Redis states:
 * `testServerState('MyState', async () => new MyState(...), { reopen })`.
 * @packageDocumentation
 */
export { type ServerStateConformanceOptions, testServerState } from './server-state-conformance.js';
