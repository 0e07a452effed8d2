/**
 * A server with request logs on, for `ofrep-logs.test.ts`: it runs in its own process so that the
 * test reads exactly what the server writes to stdout. Sends its URL and tokens over IPC (never
 * to stdout).
 */
import { MemoryFlagStore } from '@ensign/store';
import { createServer, issueToken } from '../../src/index.js';
import { ofrepFlags } from './flags.js';

const quiet = { error: () => {}, warn: () => {}, info: () => {}, debug: () => {} };
const store = new MemoryFlagStore({ flagSets: { shop: ofrepFlags() }, logger: quiet });
const server = await createServer({ store, logger: quiet, requestLogs: true });
const url = await server.listen();
const { token } = await issueToken(server.context.state, {
  name: 'logged',
  role: 'client',
  flagSets: ['shop'],
  createdBy: 'test',
});
process.on('disconnect', () => {
  // Not waiting on idle connections fetch's pool may hold (see close.ts).
  server.app.server.closeAllConnections();
  void server.close().then(() => process.exit(0));
});
process.send?.({ url, token });
