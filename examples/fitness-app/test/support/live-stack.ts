/**
 * The stack of the live-refresh browser tests, as `npm start` runs it: one in-memory store shared
 * by the example app and an Ensign server (admin API, OFREP) on another origin, an admin token
 * for `ensign`, and counts of what the Ensign server saw. The server can be stopped and started
 * again on the same port (and state), with the same widget secret or a rotated one.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type EnsignServer, MemoryServerState, createServer, issueToken } from '@ensign/server';
import { IntentError, MemoryFlagStore, restoreFlag } from '@ensign/store';
import { type FitnessApp, startFitnessApp } from '../../src/app.js';
import { CANCEL_BOOKING, FLAG_SET } from '../../src/flag-keys.js';
import { type FitnessHttpServer, listenFitnessHttp } from '../../src/http-server.js';
import { collectingLogger } from './collecting-logger.js';

/** The widget-token secret the app and the server share in these tests. */
export const WIDGET_SECRET = 'fitness-live-e2e-secret-0123456789abcdef';
const CLI = fileURLToPath(new URL('../../../../packages/cli/bin/ensign.js', import.meta.url));
const quiet = { error: () => {}, warn: () => {}, info: () => {}, debug: () => {} };

/** One request the Ensign server saw (path only: the event-stream query carries the token). */
export interface SeenRequest {
  readonly method: string;
  readonly path: string;
}

/** The running stack. */
export class LiveStack {
  readonly store = new MemoryFlagStore();
  readonly state = new MemoryServerState();
  /** Every request the Ensign server saw, across restarts. */
  readonly requests: SeenRequest[] = [];
  app!: FitnessApp;
  http!: FitnessHttpServer;
  ensignUrl = '';
  adminToken = '';
  private ensign: EnsignServer | undefined;
  private secret = '';
  private port = 0;

  /** Starts the Ensign server, then the app that hands out tokens for it. */
  async start(options: { tokenTtlSeconds?: number; domain: string }): Promise<this> {
    await this.startEnsign(WIDGET_SECRET);
    this.ensignUrl = `http://127.0.0.1:${this.port}`;
    ({ token: this.adminToken } = await issueToken(this.state, {
      name: 'e2e oncall',
      role: 'admin',
      createdBy: 'e2e',
    }));
    this.app = await startFitnessApp({
      store: this.store,
      domain: options.domain,
      logger: collectingLogger(),
      live: {
        url: this.ensignUrl,
        widgetSecret: WIDGET_SECRET,
        ...(options.tokenTtlSeconds !== undefined && { tokenTtlSeconds: options.tokenTtlSeconds }),
      },
    });
    this.http = await listenFitnessHttp({ app: this.app, port: 0 });
    return this;
  }

  /** Bulk evaluations and event streams the Ensign server saw. */
  count(): { bulk: number; streams: number } {
    return {
      bulk: this.requests.filter((r) => r.method === 'POST' && r.path === '/ofrep/v1/evaluate/flags').length,
      streams: this.requests.filter((r) => r.path === '/ofrep/v1/events').length,
    };
  }

  /** Stops the Ensign server (its streams end), keeping the store and the state. */
  async stopEnsign(): Promise<void> {
    await this.ensign?.close();
    this.ensign = undefined;
  }

  /** Starts the Ensign server on its port again, sealing widget tokens with `secret`. */
  async startEnsign(secret: string): Promise<void> {
    const server = await createServer({
      store: this.store,
      state: this.state,
      widgetSecret: secret,
      flagSets: [FLAG_SET],
      logger: quiet,
    });
    server.app.server.on('request', (request) => {
      this.requests.push({ method: request.method ?? '', path: (request.url ?? '').split('?')[0] ?? '' });
    });
    const url = await server.listen({ port: this.port });
    this.port = Number(new URL(url).port);
    this.ensign = server;
    this.secret = secret;
  }

  /**
   * Puts back what a test may have left behind when it failed half-way: the server running with
   * the app's secret, and `cancel-booking` not killed.
   */
  async reset(): Promise<void> {
    if (!this.ensign || this.secret !== WIDGET_SECRET) {
      await this.stopEnsign();
      await this.startEnsign(WIDGET_SECRET);
    }
    try {
      await restoreFlag(this.store, FLAG_SET, CANCEL_BOOKING, { actor: 'e2e cleanup' });
    } catch (error) {
      if (!(error instanceof IntentError && error.code === 'not-killed')) throw error;
    }
  }

  /** Runs `ensign …` against the server as an on-call engineer would; resolves with its output. */
  ensignCli(...args: string[]): Promise<string> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [CLI, ...args], {
        env: {
          ...process.env,
          ENSIGN_URL: this.ensignUrl,
          ENSIGN_TOKEN: this.adminToken,
          ENSIGN_SET: FLAG_SET,
        },
      });
      let output = '';
      child.stdout.on('data', (chunk) => {
        output += chunk;
      });
      child.stderr.on('data', (chunk) => {
        output += chunk;
      });
      child.on('error', reject);
      child.on('exit', (code) =>
        code === 0
          ? resolve(output)
          : reject(new Error(`ensign ${args.join(' ')} exited ${code}: ${output}`)),
      );
    });
  }

  async close(): Promise<void> {
    await this.http?.close();
    await this.app?.close();
    await this.stopEnsign();
    await this.state.close();
    await this.store.close();
  }
}
