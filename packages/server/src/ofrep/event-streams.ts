/**
 * OFREP event streams (ADR-0008): `GET /ofrep/v1/events?token=…` is a server-sent-event stream of
 * change notices for the token's flag set. A notice is
 * `id: <version>` / `event: message` / `data: {"type":"refetchEvaluation","etag":"\"<version>\"","lastModified":<s>}`;
 * the client then re-fetches the bulk answer. Notices are sent only when a flag the token may see
 * changed (or when the change does not say which: then to everyone).
 *
 * No notice is lost between a bulk answer and the stream it links to: the link carries the
 * version the answer was made at (`since`), a reconnecting browser sends the last notice's id
 * (`Last-Event-ID`), and if the set has moved on since, a notice is sent on connect.
 *
 * One registry listener per set fans out to its streams. A comment every
 * {@link HEARTBEAT_INTERVAL_MS} keeps proxies from closing an idle stream; at each one the token
 * is checked again, so a revoked or expired token loses its stream within that interval (a widget
 * token's stream ends exactly when the token expires). Streams end when the client goes away and
 * when the server closes. The URL carries a token, so it is never logged (request logs drop
 * query strings).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { principalOf } from '../auth/authenticate.js';
import type { Principal } from '../auth/permissions.js';
import { findToken } from '../auth/tokens.js';
import type { ServerContext } from '../context.js';
import type { LiveFlagSet } from '../flag-sets/registry.js';
import { type PreparedSets, type Visibility, liveSetOf, visibilityOf } from './audience.js';
import { corsHeaders } from './cors.js';
import { EVENTS_PATH } from './evaluate.js';
import { flagConfigEtag } from './freshness.js';
import type { PreparedSet } from './prepared-set.js';
import { EVENTS_SCHEMA } from './schemas.js';

/** Interval of the keep-alive comments (and of the token re-check), in ms. */
export const HEARTBEAT_INTERVAL_MS = 15_000;
/** The reconnection delay suggested to clients (`retry:`), in ms. */
export const RECONNECT_DELAY_MS = 2_000;

/** One open stream. */
interface Stream {
  readonly visibility: Visibility;
  write(text: string): void;
  end(): void;
}

/** The streams of one set and the state their notices need. */
class SetChannel {
  readonly streams = new Set<Stream>();
  private previous: PreparedSet;
  private readonly unsubscribe: () => void;

  constructor(
    live: LiveFlagSet,
    prepared: PreparedSets,
    private readonly onEmpty: () => void,
  ) {
    this.previous = prepared.of(live);
    this.unsubscribe = live.onChange(({ flagsChanged, version }) => {
      const before = this.previous;
      const after = prepared.of(live);
      this.previous = after;
      const text = notice(version);
      for (const stream of this.streams) {
        const sees =
          flagsChanged.length === 0 ||
          flagsChanged.some((key) => stream.visibility(key, before) || stream.visibility(key, after));
        if (sees) stream.write(text);
      }
    });
  }

  remove(stream: Stream): void {
    this.streams.delete(stream);
    if (this.streams.size === 0) {
      this.unsubscribe();
      this.onEmpty();
    }
  }
}

/** The text of one change notice. */
export function notice(version: number, now = Date.now()): string {
  const data = JSON.stringify({
    type: 'refetchEvaluation',
    etag: flagConfigEtag(version),
    lastModified: Math.floor(now / 1000),
  });
  return `id: ${version}\nevent: message\ndata: ${data}\n\n`;
}

/** The version a client last heard of: `Last-Event-ID` (a reconnect) or the link's `since`. */
function lastSeenVersion(request: FastifyRequest<{ Querystring: { since?: string } }>): number | undefined {
  const header = request.headers['last-event-id'];
  const text = typeof header === 'string' && /^\d{1,15}$/.test(header) ? header : request.query.since;
  return text === undefined ? undefined : Number(text);
}

/** Is the principal still valid (not revoked, not expired)? */
async function stillValid(context: ServerContext, principal: Principal, token: string): Promise<boolean> {
  if (principal.kind === 'widget') return principal.claims.exp * 1000 > Date.now();
  return (await findToken(context.state, token)) !== undefined;
}

/** The event-stream route and the streams it holds open. */
export class EventStreams {
  private readonly channels = new Map<string, SetChannel>();
  private readonly open = new Set<Stream>();

  constructor(
    private readonly context: ServerContext,
    private readonly prepared: PreparedSets,
  ) {}

  /** Registers `GET /ofrep/v1/events` on `scope`. */
  register(scope: FastifyInstance): void {
    scope.get<{ Querystring: { token?: string; since?: string } }>(
      EVENTS_PATH,
      {
        schema: EVENTS_SCHEMA,
        config: { permission: 'evaluate-bulk', tokenInQuery: true, bareErrors: true },
        // A HEAD would open a stream that can never carry anything.
        exposeHeadRoute: false,
      },
      async (request, reply) => {
        const principal = principalOf(request);
        const live = await liveSetOf(this.context, principal);
        this.start(request, reply, principal, live);
      },
    );
  }

  /** Ends every open stream (the server is closing). */
  closeAll(): void {
    for (const stream of [...this.open]) stream.end();
  }

  private channelOf(live: LiveFlagSet): SetChannel {
    let channel = this.channels.get(live.flagSet);
    if (channel === undefined) {
      const created = new SetChannel(live, this.prepared, () => {
        if (this.channels.get(live.flagSet) === created) this.channels.delete(live.flagSet);
      });
      channel = created;
      this.channels.set(live.flagSet, channel);
    }
    return channel;
  }

  private start(
    request: FastifyRequest<{ Querystring: { token?: string; since?: string } }>,
    reply: FastifyReply,
    principal: Principal,
    live: LiveFlagSet,
  ): void {
    const token = request.query.token ?? /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
    const raw = reply.raw;
    reply.hijack();
    // CORS headers were set on the reply by the scope's hook; a hijacked reply sends only what we write.
    const allowOrigin = reply.getHeader('access-control-allow-origin');
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      'x-accel-buffering': 'no',
      ...(typeof allowOrigin === 'string' && corsHeaders(allowOrigin)),
    });
    raw.write(`retry: ${RECONNECT_DELAY_MS}\n: connected\n\n`);

    const channel = this.channelOf(live);
    let ended = false;
    const timers: ReturnType<typeof setTimeout>[] = [];
    const stream: Stream = {
      visibility: visibilityOf(principal),
      write: (text) => {
        if (!ended) raw.write(text);
      },
      end: () => {
        if (ended) return;
        ended = true;
        for (const timer of timers) clearTimeout(timer);
        this.open.delete(stream);
        channel.remove(stream);
        this.context.metrics?.stream(live.flagSet, -1);
        raw.end();
      },
    };
    this.open.add(stream);
    this.context.metrics?.stream(live.flagSet, 1);
    channel.streams.add(stream);
    raw.on('close', stream.end);

    const seen = lastSeenVersion(request);
    if (seen !== undefined && seen !== live.version) stream.write(notice(live.version));

    const heartbeat = setInterval(() => {
      stream.write(': keep-alive\n\n');
      stillValid(this.context, principal, token ?? '').then(
        (valid) => valid || stream.end(),
        () => {}, // A state store that is down does not end streams; the next beat checks again.
      );
    }, HEARTBEAT_INTERVAL_MS);
    heartbeat.unref();
    timers.push(heartbeat);
    if (principal.kind === 'widget') {
      const expiry = setTimeout(stream.end, Math.max(0, principal.claims.exp * 1000 - Date.now()));
      expiry.unref();
      timers.push(expiry);
    }
  }
}
