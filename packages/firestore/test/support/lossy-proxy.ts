/**
 * A TCP proxy on loopback between a Firestore client and the emulator that can lose the answer to
 * one request: the request reaches the emulator, which executes it; then the connection is cut
 * before anything more comes back, as when a network dies between a commit and its reply. It can
 * also hold everything (a network that stops carrying packets) until resumed. Real sockets, the
 * real emulator behind.
 */
import { type Server, type Socket, connect, createServer } from 'node:net';

interface Link {
  readonly client: Socket;
  readonly server: Socket;
  /** Replies on this link are swallowed (the link is about to be cut). */
  losing: boolean;
}

/** A proxy to `127.0.0.1:targetPort` on a free loopback port. */
export class LossyProxy {
  /** Answers lost so far. */
  lost = 0;
  private readonly links = new Set<Link>();
  private matcher: { matches: (request: Buffer) => boolean; holdMs: number; done: () => void } | undefined;
  private held = false;
  /** Connections accepted while held, not yet connected to the emulator. */
  private readonly waiting = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
    private targetPort: number,
  ) {}

  static async start(targetPort: number): Promise<LossyProxy> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    const proxy = new LossyProxy(server, address.port, targetPort);
    server.on('connection', (client) => proxy.accept(client));
    return proxy;
  }

  /** `127.0.0.1:<port>`, for client settings. */
  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  private accept(client: Socket): void {
    if (this.held) {
      // Nothing reaches the emulator while held: not even a connection (it may be down).
      client.pause();
      this.waiting.add(client);
      client.once('close', () => this.waiting.delete(client));
      return;
    }
    const server = connect(this.targetPort, '127.0.0.1');
    const link: Link = { client, server, losing: false };
    this.links.add(link);
    const close = () => {
      this.links.delete(link);
      client.destroy();
      server.destroy();
    };
    for (const socket of [client, server]) {
      socket.on('error', close);
      socket.on('close', close);
    }
    client.on('data', (request: Buffer) => {
      const matcher = this.matcher;
      if (matcher?.matches(request)) {
        this.matcher = undefined;
        link.losing = true;
        // Long enough for the emulator to execute the request; its answer never leaves the proxy.
        setTimeout(() => {
          this.lost++;
          close();
          matcher.done();
        }, matcher.holdMs);
      }
      server.write(request);
    });
    server.on('data', (reply: Buffer) => {
      if (!link.losing) client.write(reply);
    });
    client.resume();
  }

  /**
   * Lets the next request that `matches` reach the emulator, swallows everything that comes back
   * on its connection for `holdMs`, then cuts that connection. Resolves once it has happened.
   */
  loseAnswerTo(matches: (request: Buffer) => boolean, holdMs = 300): Promise<void> {
    return new Promise((resolve) => {
      this.matcher = { matches, holdMs, done: resolve };
    });
  }

  /**
   * Holds everything in both directions until {@link release}, as a network that stops carrying
   * packets: open connections stay open, new ones are accepted but reach nothing.
   */
  hold(): void {
    this.held = true;
    for (const { client, server } of this.links) {
      client.pause();
      server.pause();
    }
  }

  /** Forwards again what was held, and what comes next. */
  release(): void {
    this.held = false;
    for (const { client, server } of this.links) {
      client.resume();
      server.resume();
    }
    for (const client of [...this.waiting]) {
      this.waiting.delete(client);
      if (!client.destroyed) this.accept(client);
    }
  }

  /** Sends new connections to another port (an emulator that replaced the first one). */
  retarget(port: number): void {
    this.targetPort = port;
  }

  /** Closes every connection and the listener. */
  async stop(): Promise<void> {
    for (const client of this.waiting) client.destroy();
    for (const { client, server } of [...this.links]) {
      client.destroy();
      server.destroy();
    }
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
