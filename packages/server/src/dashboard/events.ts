/**
 * `GET /api/v1/flag-sets/{set}/events`: the dashboard's live view of a set, as server-sent events
 * from the set the server already follows (`registry.get(set).onChange`, the store's change feed).
 * Each change is pushed as
 *
 * ```
 * id: 43
 * event: change
 * data: {"flagSet":"fitness","version":43,"flagsChanged":["bookings-enabled"]}
 * ```
 *
 * and the page re-reads what changed through the ordinary API (the event is a hint, the API the
 * truth, so a page never shows a state the API would not answer). On connect the stream says
 * `event: ready` with the version; a reconnecting `EventSource` sends `Last-Event-ID`, and when the
 * set has moved on since, a change with an empty `flagsChanged` (re-read everything) follows at
 * once, so nothing is missed across a reconnect. A comment every {@link DASHBOARD_HEARTBEAT_MS}
 * keeps proxies from closing the stream, and at each one the caller is checked again (a revoked
 * token or an ended session loses its stream). `EventSource` sends the session cookie itself, so
 * no token ever goes in the URL.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { adminRoute } from '../admin/route.js';
import { setParams } from '../admin/schemas.js';
import { principalOf } from '../auth/authenticate.js';
import { findToken } from '../auth/tokens.js';
import type { ServerContext } from '../context.js';
import type { KnownFlagSets } from '../flag-sets/known-sets.js';
import type { DashboardSessions } from './sessions.js';
import { sessionIdOf } from './sessions.js';

/** Interval of the keep-alive comments (and of the caller's re-check), in ms. */
export const DASHBOARD_HEARTBEAT_MS = 15_000;

/** The data of one `change` event. */
export interface FlagSetChangeEvent {
  readonly flagSet: string;
  readonly version: number;
  /** The flags that changed; empty when unknown (re-read the set). */
  readonly flagsChanged: readonly string[];
}

/** One event's text. */
export function changeEvent(change: FlagSetChangeEvent): string {
  return `id: ${change.version}\nevent: change\ndata: ${JSON.stringify(change)}\n\n`;
}

/** Whether the caller of `request` is still who it was (token not revoked, session not ended). */
function revalidator(request: FastifyRequest, state: ServerContext['state'], sessions: DashboardSessions) {
  const bearer = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
  if (bearer !== undefined) return async () => (await findToken(state, bearer)) !== undefined;
  const id = sessionIdOf(request);
  return async () => id !== undefined && (await sessions.resolve(id)) !== undefined;
}

/** The open streams, to end them when the server closes. */
export class DashboardEventStreams {
  private readonly open = new Set<() => void>();

  constructor(
    private readonly context: ServerContext,
    private readonly sessions: DashboardSessions,
    private readonly knownSets: KnownFlagSets,
  ) {}

  /** Registers the route on `scope`. */
  register(scope: FastifyInstance): void {
    adminRoute<{ Params: { set: string } }>(scope, {
      method: 'GET',
      url: '/api/v1/flag-sets/:set/events',
      permission: 'read',
      summary: 'Changes of a flag set, pushed as server-sent events',
      description:
        "`text/event-stream`: `event: ready` with `{version}` on connect, then `event: change` with `{flagSet, version, flagsChanged}` (`id:` the version) after every write, from the store's change feed; a `Last-Event-ID` older than the set gets an immediate change with an empty `flagsChanged`. Keep-alive comments every 15 s. Re-read what changed through the API.",
      tags: ['dashboard'],
      params: setParams,
      responses: { 200: { description: 'The event stream (text/event-stream)', schema: null } },
      errors: [404],
      handler: async (request, reply) => {
        const { set } = request.params;
        principalOf(request);
        await this.knownSets.require(set);
        const live = await this.context.registry.get(set);
        const stillValid = revalidator(request, this.context.state, this.sessions);
        const raw = reply.raw;
        reply.hijack();
        raw.writeHead(200, {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-cache, no-transform',
          'x-accel-buffering': 'no',
        });
        raw.write(
          `retry: 2000\nevent: ready\ndata: ${JSON.stringify({ flagSet: set, version: live.version })}\n\n`,
        );
        let ended = false;
        const write = (text: string) => {
          if (!ended) raw.write(text);
        };
        const unsubscribe = live.onChange(({ version, flagsChanged }) =>
          write(changeEvent({ flagSet: set, version, flagsChanged })),
        );
        const header = request.headers['last-event-id'];
        if (typeof header === 'string' && /^\d{1,15}$/.test(header) && Number(header) !== live.version)
          write(changeEvent({ flagSet: set, version: live.version, flagsChanged: [] }));
        const heartbeat = setInterval(() => {
          write(': keep-alive\n\n');
          stillValid().then(
            (valid) => valid || end(),
            () => {}, // A state store that is down ends no stream; the next beat checks again.
          );
        }, DASHBOARD_HEARTBEAT_MS);
        heartbeat.unref();
        const end = () => {
          if (ended) return;
          ended = true;
          clearInterval(heartbeat);
          unsubscribe();
          this.open.delete(end);
          raw.end();
        };
        this.open.add(end);
        raw.on('close', end);
      },
    });
  }

  /** Ends every open stream (the server is closing). */
  closeAll(): void {
    for (const end of [...this.open]) end();
  }
}
