/**
 * Real `redis-server` processes for tests: each test file starts its own on a free loopback port
 * and stops it afterwards. Nothing here talks to a Redis that the machine may already run.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);
const HOST = '127.0.0.1';

/** A free TCP port on loopback, as the kernel hands it out. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        reject(new Error('no port'));
        return;
      }
      server.close(() => resolve(address.port));
    });
  });
}

async function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: HOST, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/** Runs `redis-cli` against a port and returns its trimmed output. */
export async function redisCli(port: number, ...args: string[]): Promise<string> {
  const { stdout } = await execFileAsync('redis-cli', ['-h', HOST, '-p', String(port), ...args]);
  return stdout.trim();
}

export interface RedisServerOptions {
  /** Port to listen on; a free one when omitted. */
  port?: number;
  /** Extra `redis-server` arguments, e.g. `['--requirepass', 'x']`. */
  args?: string[];
}

/** One `redis-server` process that a test owns. */
export class RedisServer {
  readonly host = HOST;
  private process: ChildProcess | undefined;
  private readonly dir: string;

  private constructor(
    readonly port: number,
    private readonly extraArgs: string[],
  ) {
    this.dir = mkdtempSync(join(tmpdir(), `ensign-redis-${port}-`));
  }

  /** Starts a server and resolves once it accepts connections. */
  static async start(options: RedisServerOptions = {}): Promise<RedisServer> {
    const server = new RedisServer(options.port ?? (await freePort()), options.args ?? []);
    await server.launch();
    return server;
  }

  /** `redis://127.0.0.1:<port>` */
  get url(): string {
    return `redis://${HOST}:${this.port}`;
  }

  get pid(): number | undefined {
    return this.process?.pid;
  }

  private async launch(): Promise<void> {
    const args = [
      '--port',
      String(this.port),
      '--bind',
      HOST,
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      this.dir,
      '--daemonize',
      'no',
      '--loglevel',
      'warning',
      ...this.extraArgs,
    ];
    let child: ChildProcess;
    try {
      child = spawn('redis-server', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (error) {
      throw new Error('redis-server is not installed; run the README test command, which installs it', {
        cause: error,
      });
    }
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = new Promise<never>((_, reject) => {
      child.once('error', (error) =>
        reject(new Error(`redis-server failed to start (is it installed?): ${error.message}`)),
      );
      child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}: ${stderr}`)));
    });
    exited.catch(() => {});
    this.process = child;
    await Promise.race([waitFor(() => canConnect(this.port), `redis-server on port ${this.port}`), exited]);
    child.removeAllListeners('exit');
  }

  /** Kills the process with SIGKILL, as a crash would. The port stays reserved for `restart`. */
  async kill9(): Promise<void> {
    const child = this.process;
    if (!child || child.exitCode !== null) return;
    const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await gone;
    this.process = undefined;
  }

  /** Starts the server again on the same port (with an empty data set, as after a crash). */
  async restart(): Promise<void> {
    await this.kill9();
    await this.launch();
  }

  /** Stops the server and removes its directory. */
  async stop(): Promise<void> {
    await this.kill9();
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Runs `redis-cli` against this server. */
  cli(...args: string[]): Promise<string> {
    return redisCli(this.port, ...args);
  }
}

/**
 * Kills, with `CLIENT KILL ID`, every client of `server` whose last command was `command` (for
 * example `xread`: the connections that follow change feeds). Resolves with how many it killed.
 */
export async function killClients(server: RedisServer, command: string): Promise<number> {
  const list = await server.cli('client', 'list');
  const ids = list
    .split('\n')
    .filter((line) => new RegExp(`\\bcmd=${command}\\b`).test(line))
    .map((line) => /\bid=(\d+)/.exec(line)?.[1])
    .filter((id): id is string => id !== undefined);
  for (const id of ids) await server.cli('client', 'kill', 'id', id);
  return ids.length;
}

/** A Redis Cluster of `masters` nodes (no replicas) created with `redis-cli --cluster create`. */
export class RedisCluster {
  private constructor(readonly nodes: RedisServer[]) {}

  static async start(masters = 3): Promise<RedisCluster> {
    const nodes: RedisServer[] = [];
    for (let i = 0; i < masters; i++) {
      const port = await freePort();
      nodes.push(
        await RedisServer.start({
          port,
          args: ['--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`],
        }),
      );
    }
    await execFileAsync('redis-cli', [
      '--cluster',
      'create',
      ...nodes.map((n) => `${HOST}:${n.port}`),
      '--cluster-replicas',
      '0',
      '--cluster-yes',
    ]);
    await waitFor(async () => {
      for (const node of nodes) {
        const info = await node.cli('cluster', 'info');
        if (!info.includes('cluster_state:ok')) return false;
      }
      return true;
    }, 'cluster_state:ok on every node');
    return new RedisCluster(nodes);
  }

  /** Seed addresses for `new Cluster(...)`. */
  get startupNodes(): { host: string; port: number }[] {
    return this.nodes.map((n) => ({ host: n.host, port: n.port }));
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.stop()));
  }
}
