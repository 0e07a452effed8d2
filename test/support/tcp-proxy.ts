/**
 * A TCP proxy on loopback between clients and a real server, for fault tests: it can stall every
 * connection (nothing forwarded either way until resumed, as a network that holds packets), cut
 * every connection, or swallow the reply to one request (the server executed it; the client never
 * hears, as when a connection dies between the two). No mock: real sockets, real Redis behind.
 */
import { type Server, type Socket, connect, createServer } from 'node:net';

interface Link {
  readonly client: Socket;
  readonly server: Socket;
  /** Swallow the next reply on this link, then cut it. */
  dropNextReply: boolean;
}

/** What a {@link TcpProxy} has done, so a fault test can report that its faults hit something. */
export interface ProxyStats {
  connections: number;
  repliesDropped: number;
  stalls: number;
  cuts: number;
}

/** A proxy to `host:port` listening on a free loopback port. */
export class TcpProxy {
  readonly stats: ProxyStats = { connections: 0, repliesDropped: 0, stalls: 0, cuts: 0 };
  private readonly links = new Set<Link>();
  private stalled = false;
  private dropMatcher: ((request: Buffer) => boolean) | undefined;
  private dropped: (() => void) | undefined;

  private constructor(
    private readonly server: Server,
    readonly port: number,
    private readonly target: { host: string; port: number },
  ) {}

  /** Starts a proxy to `target`. */
  static async start(target: { host: string; port: number }): Promise<TcpProxy> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    const proxy = new TcpProxy(server, address.port, target);
    server.on('connection', (client) => proxy.accept(client));
    return proxy;
  }

  /** `redis://127.0.0.1:<port>` */
  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  private accept(client: Socket): void {
    this.stats.connections++;
    const server = connect(this.target.port, this.target.host);
    const link: Link = { client, server, dropNextReply: false };
    this.links.add(link);
    const close = () => {
      this.links.delete(link);
      client.destroy();
      server.destroy();
    };
    client.on('error', close);
    server.on('error', close);
    client.on('close', close);
    server.on('close', close);
    client.on('data', (request: Buffer) => {
      if (this.dropMatcher?.(request)) {
        this.dropMatcher = undefined;
        link.dropNextReply = true;
      }
      server.write(request);
    });
    server.on('data', (reply: Buffer) => {
      if (link.dropNextReply) {
        this.stats.repliesDropped++;
        close();
        this.dropped?.();
        return;
      }
      client.write(reply);
    });
    if (this.stalled) {
      client.pause();
      server.pause();
    }
  }

  /** Holds everything in both directions (connections stay open) until {@link resume}. */
  stall(): void {
    if (this.stalled) return;
    this.stalled = true;
    this.stats.stalls++;
    for (const { client, server } of this.links) {
      client.pause();
      server.pause();
    }
  }

  /** Forwards again what was held, and what comes next. */
  resume(): void {
    this.stalled = false;
    for (const { client, server } of this.links) {
      client.resume();
      server.resume();
    }
  }

  /** Closes every connection at once, as a network cut (clients see their connection drop). */
  cutAll(): void {
    this.stats.cuts++;
    for (const { client, server } of [...this.links]) {
      client.destroy();
      server.destroy();
    }
  }

  /**
   * Lets the next request that `matches` reach the server, then swallows its reply and cuts that
   * connection: the server has executed it, the client never hears. Resolves once it happened.
   */
  dropReplyTo(matches: (request: Buffer) => boolean): Promise<void> {
    this.dropMatcher = matches;
    return new Promise((resolve) => {
      this.dropped = () => {
        this.dropped = undefined;
        resolve();
      };
    });
  }

  /** Closes every connection and the listener. */
  async stop(): Promise<void> {
    this.cutAll();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
