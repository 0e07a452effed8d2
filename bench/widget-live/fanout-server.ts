/**
 * The server process of the fan-out run: one Ensign server (OFREP, event streams) over a memory
 * store with the example app's flags, holding every idle stream the client processes open.
 * Reports its memory after a collection, and flips the kill switch in its store on request
 * (the write's start time is the start of the fan-out).
 */
import { createServer } from '@ensign/server';
import { MemoryFlagStore } from '@ensign/store';
import {
  FLAG,
  NO_RATE_LIMIT,
  SECRET,
  SET,
  type ServerMessage,
  type ServerRequest,
  fitnessFlags,
  now,
} from './shape.js';

const quiet = { error: () => {}, warn: () => {}, info: () => {}, debug: () => {} };
const store = new MemoryFlagStore({ flagSets: { [SET]: fitnessFlags() }, logger: quiet });
const server = await createServer({
  store,
  widgetSecret: SECRET,
  rateLimit: NO_RATE_LIMIT,
  flagSets: [SET],
  logger: quiet,
});
const url = await server.listen();
const send = (message: ServerMessage) => process.send?.(message);

process.on('message', (request: ServerRequest) => {
  if (request.type === 'memory') {
    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    gc?.();
    const { rss, heapUsed } = process.memoryUsage();
    send({ type: 'memory', rss, heapUsed });
    return;
  }
  const startedAt = now();
  void store
    .patchFlag(SET, FLAG, { state: request.state }, { actor: 'bench' })
    .then(({ version }) => send({ type: 'flipped', startedAt, version }));
});
process.on('disconnect', () => {
  void server.close().then(() => process.exit(0));
});
send({ type: 'ready', url });
