/**
 * A client process of the fan-out run: opens `count` idle OFREP event streams to the server, one
 * per widget (each with its own widget token, as each widget has), with raw `node:http` (one
 * socket each). It records when each stream receives the notice of a version, and, in refetch
 * mode, re-fetches the bulk answer as a widget does and records when it arrives.
 * Argv: <server url> <count>. The open-file limit is per process: the orchestrator spreads the
 * streams over several of these.
 */
import { Agent, type IncomingMessage, get, request } from 'node:http';
import { mintWidgetToken } from '@ensign/server/widget-token';
import { type ClientMessage, type ClientRequest, SECRET, SET, WIDGET_FLAGS, now } from './shape.js';

const [url = '', countText = '0'] = process.argv.slice(2);
const count = Number(countText);
/** Streams opening at once (the server's listen backlog is 511). */
const OPENING = 100;
const send = (message: ClientMessage) => process.send?.(message);

/** version → receipt times; filled as notices arrive. */
const noticed = new Map<number, number[]>();
const refetched = new Map<number, number[]>();
/** version → re-fetches that failed. */
const refetchFailed = new Map<number, number>();
const failedOnce = (version: number) => refetchFailed.set(version, (refetchFailed.get(version) ?? 0) + 1);
let refetch = false;
const bulkAgent = new Agent({ keepAlive: true, maxSockets: 32 });

function refetchBulk(token: string, version: number): void {
  const body = '{"context":{}}';
  const req = request(
    `${url}/ofrep/v1/evaluate/flags?flagConfigEtag=%22${version}%22`,
    {
      method: 'POST',
      agent: bulkAgent,
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
      },
    },
    (res) => {
      res.resume();
      res.on('end', () => {
        if (res.statusCode !== 200) {
          failedOnce(version);
          return;
        }
        const times = refetched.get(version);
        if (times) times.push(now());
        else refetched.set(version, [now()]);
      });
    },
  );
  req.on('error', () => failedOnce(version));
  req.end(body);
}

function open(token: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = get(
      `${url}/ofrep/v1/events?token=${encodeURIComponent(token)}`,
      { agent: false },
      (res: IncomingMessage) => {
        if (res.statusCode !== 200) {
          res.resume();
          resolve(false);
          return;
        }
        resolve(true);
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          const at = now();
          for (const [, id] of chunk.matchAll(/^id: (\d+)$/gm)) {
            const version = Number(id);
            const times = noticed.get(version);
            if (times) times.push(at);
            else noticed.set(version, [at]);
            if (refetch) refetchBulk(token, version);
          }
        });
      },
    );
    req.on('error', () => resolve(false));
  });
}

let opened = 0;
let failed = 0;
let next = 0;
async function worker(): Promise<void> {
  while (next < count) {
    next++;
    const token = mintWidgetToken({
      secret: SECRET,
      flagSet: SET,
      flags: [...WIDGET_FLAGS],
      context: { targetingKey: `bench-user-${process.pid}-${next}`, organization: 'acme-gyms' },
      ttlSeconds: 900,
    });
    if (await open(token)) opened++;
    else failed++;
  }
}
await Promise.all(Array.from({ length: OPENING }, worker));
send({ type: 'connected', open: opened, failed });

process.on('message', (message: ClientRequest) => {
  if (message.type === 'mode') {
    refetch = message.refetch;
    return;
  }
  send({
    type: 'report',
    noticedAt: noticed.get(message.version) ?? [],
    refetchedAt: refetched.get(message.version) ?? [],
    refetchFailed: refetchFailed.get(message.version) ?? 0,
  });
});
process.on('disconnect', () => process.exit(0));
