/**
 * `ensign rollout run`: the rollout controller on its own, next to (or instead of) the servers'
 * ones: it talks to the flag store and the server state directly (`REDIS_URL`, or `--store
 * memory:DIR` of a stopped `ensign serve --data DIR`). Several may run; one acts at a time (the
 * lease in the state), so running it beside servers that also run one is safe. Each step, pause
 * and rollback is printed on stderr as it happens; `--once` makes one pass and prints its result.
 */
import type { FlagStore } from '@ensign/store';
import { dataFiles, redisTarget } from '../client/connect.js';
import type { CommandContext } from '../context.js';
import { CliError, usageError } from '../errors.js';
import { EXIT, type ExitCode } from '../exit-codes.js';

/** Options of `rollout run`. */
export interface RolloutRunOptions {
  store?: string;
  interval: number;
  once?: boolean;
  json?: boolean;
}

interface Backend {
  store: FlagStore;
  state: import('@ensign/server').ServerState;
  where: string;
}

async function openBackend(options: RolloutRunOptions, context: CommandContext): Promise<Backend> {
  const redisUrl = context.env.REDIS_URL;
  if (options.store === undefined || options.store === 'redis') {
    if (!redisUrl)
      throw usageError(
        'ensign rollout run needs the stores: set REDIS_URL (or --store memory:DIR for a stopped ensign serve --data DIR)',
        'a server started with ensign serve runs a controller itself',
      );
    const [{ RedisFlagStore }, { RedisServerState }] = await Promise.all([
      import('@ensign/redis-provider'),
      import('@ensign/server'),
    ]);
    return {
      store: new RedisFlagStore({ url: redisUrl }),
      state: new RedisServerState({ url: redisUrl }),
      where: `Redis at ${redisTarget(redisUrl)}`,
    };
  }
  if (!options.store.startsWith('memory:') || options.store.length === 'memory:'.length)
    throw usageError(`--store must be "redis" or "memory:DIR", got "${options.store}"`);
  const dir = options.store.slice('memory:'.length);
  const files = dataFiles(dir);
  const [{ MemoryFlagStore }, { MemoryServerState }] = await Promise.all([
    import('@ensign/store'),
    import('@ensign/server'),
  ]);
  try {
    return {
      store: new MemoryFlagStore({ file: files.flags }),
      state: new MemoryServerState({ file: files.state }),
      where: `${dir} (flags.json, state.json)`,
    };
  } catch (error) {
    throw new CliError('failed', (error as Error).message, { cause: error });
  }
}

/** Runs the controller until SIGINT/SIGTERM (or one pass with `--once`). */
export async function run(options: RolloutRunOptions, context: CommandContext): Promise<ExitCode> {
  const backend = await openBackend(options, context);
  const { RolloutController } = await import('@ensign/rollouts');
  const quiet = {
    error: (...args: unknown[]) => context.output.note(`error: ${args.map(String).join(' ')}`),
    warn: () => {},
    info: () => {},
  };
  const controller = new RolloutController({
    store: backend.store,
    state: backend.state,
    intervalMs: options.interval * 1000,
    leaseTtlMs: Math.max(15_000, options.interval * 3000),
    logger: quiet,
    onEvent: (event) =>
      context.output.note(
        `${new Date(event.at).toISOString()} ${event.flagSet}/${event.flagKey} rollout ${event.plan}: ${event.type} (${event.percent}%): ${event.reason}`,
      ),
  });
  try {
    if (options.once) {
      const result = await controller.tick();
      context.output.result(result, (r) =>
        r.leader
          ? `Looked at ${r.plans} rollout(s) and ran ${r.schedules} schedule(s) in ${backend.where} (lease token ${r.token}).`
          : `Another controller holds the lease in ${backend.where}: nothing done.`,
      );
      return EXIT.ok;
    }
    context.output.note(
      `Rollout controller ${controller.owner} on ${backend.where}, every ${options.interval} s. Stop with Ctrl+C.`,
    );
    controller.start();
    await new Promise<void>((done) => {
      process.once('SIGINT', () => done());
      process.once('SIGTERM', () => done());
    });
    return EXIT.ok;
  } finally {
    await controller.stop();
    await backend.store.close();
    await backend.state.close();
  }
}
