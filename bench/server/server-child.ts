/**
 * The server side of `bench/server.bench.ts`, in its own process so that it has a core of its
 * own while the load generator uses the other: the Ensign server over a memory store (rate limit
 * out of the way), and beside it a bare fastify instance, same fastify, whose routes return the
 * OFREP answers' exact bytes as constants: the HTTP stack's limit for the same request and
 * answer. Reports {@link ServerReady} over IPC, then flips the kill switch on {@link FlipRequest}.
 */
import { createRequire } from 'node:module';
import { type EnsignServer, type ServerOptions, createServer, issueToken } from '@ensign/server';
import { MemoryFlagStore } from '@ensign/store';
import {
  type FlipRequest,
  KILL_FLAG,
  REQUEST_BODY,
  SET,
  SINGLE_FLAG,
  type ServerReady,
  serverBenchFlags,
} from './shape.js';

type App = EnsignServer['app'];
const quiet = { error: () => {}, warn: () => {}, info: () => {}, debug: () => {} };
// The same fastify the server uses (the workspace root does not depend on it directly).
const Fastify = createRequire(import.meta.resolve('@ensign/server'))('fastify') as (options: object) => App;

const store = new MemoryFlagStore({ flagSets: { [SET]: serverBenchFlags() }, logger: quiet });
// `flagSets` lets the admin API act on the seeded set (an option of the admin API's server).
const options: ServerOptions & { flagSets: string[] } = {
  store,
  logger: quiet,
  rateLimit: 1_000_000_000,
  flagSets: [SET],
};
const server = await createServer(options);
const ofrepUrl = await server.listen();
const { token: serverToken } = await issueToken(server.context.state, {
  name: 'bench-server',
  role: 'server',
  flagSets: [SET],
  createdBy: 'bench',
});
const { token: adminToken } = await issueToken(server.context.state, {
  name: 'bench-admin',
  role: 'admin',
  createdBy: 'bench',
});

async function ofrep(path: string): Promise<Response> {
  return fetch(`${ofrepUrl}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${serverToken}`, 'content-type': 'application/json' },
    body: REQUEST_BODY,
  });
}
const bulk = await ofrep('/ofrep/v1/evaluate/flags');
const bulkBody = await bulk.text();
const singleBody = await (await ofrep(`/ofrep/v1/evaluate/flags/${SINGLE_FLAG}`)).text();

const bare = Fastify({ logger: false });
bare.post('/bulk', (_request, reply) => reply.type('application/json; charset=utf-8').send(bulkBody));
bare.post('/single', (_request, reply) => reply.type('application/json; charset=utf-8').send(singleBody));
const bareUrl = await bare.listen({ port: 0, host: '127.0.0.1' });

process.on('message', (message: FlipRequest | { type: 'cpu' }) => {
  if (message.type === 'cpu') {
    const { user, system } = process.cpuUsage();
    process.send?.({ type: 'cpu', micros: user + system });
    return;
  }
  if (message.type !== 'flip') return;
  void store
    .patchFlag(SET, KILL_FLAG, { state: message.state }, { actor: 'bench' })
    .then(() => process.send?.({ type: 'flipped' }));
});
process.on('disconnect', () => {
  void Promise.all([server.close(), bare.close()]).then(() => process.exit(0));
});

const ready: ServerReady = {
  type: 'ready',
  ofrepUrl,
  bareUrl,
  serverToken,
  adminToken,
  bulkBytes: Buffer.byteLength(bulkBody),
  singleBytes: Buffer.byteLength(singleBody),
  etag: bulk.headers.get('etag') ?? '',
};
process.send?.(ready);
