/**
 * The embedded default: a server run without Redis keeps its flags (with versions, history and
 * change-feed positions), tokens, webhook subscriptions and delivery cursors in one data
 * directory, so a single-machine user loses nothing across a restart. The directory is locked to
 * one process: two servers rewriting the same files would each lose the other's writes (several
 * instances need Redis, where they behave as one).
 */
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { FlagSetDocument } from '@ensign/core';
import { MemoryFlagStore } from '@ensign/store';
import type { Logger } from '@openfeature/server-sdk';
import { MemoryServerState } from './memory-state.js';

/** Options of {@link openEmbeddedBackends}. */
export interface EmbeddedBackendsOptions {
  /** The data directory (created when missing). @default '.ensign' */
  dataDir?: string;
  /** Sets to seed when the directory does not hold them yet (e.g. the sample flags). */
  flagSets?: Record<string, FlagSetDocument>;
  /** Where the store reports a change listener that throws. @default console */
  logger?: Logger;
}

/** A flag store and a server state kept in one data directory. */
export interface EmbeddedBackends {
  /** The absolute data directory. */
  readonly dataDir: string;
  /** Flags, kept in `<dataDir>/flags.json`. */
  readonly store: MemoryFlagStore;
  /** Tokens, webhooks, cursors, kept in `<dataDir>/server-state.json` (owner-only: it holds secrets). */
  readonly state: MemoryServerState;
  /** Closes both and releases the directory's lock. */
  close(): Promise<void>;
}

/** Whether process `pid` still runs (a lock of a process that crashed is stale). */
function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Directories this process holds (its own pid in a lock file may also be a stale one from a container's previous run). */
const held = new Set<string>();

/** Takes `<dataDir>/lock` for this process, or throws naming the process that holds it. */
function lock(dataDir: string): () => void {
  if (held.has(dataDir)) throw new Error(`the data directory ${dataDir} is already open in this process`);
  const file = join(dataDir, 'lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      held.add(dataDir);
      return () => {
        held.delete(dataDir);
        rmSync(file, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number(readFileSync(file, 'utf8').trim());
      if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && running(holder))
        throw new Error(
          `another Ensign server (pid ${holder}) uses the data directory ${dataDir}: stop it, or give each server its own directory (several servers on the same flags need Redis)`,
        );
      rmSync(file, { force: true });
    }
  }
  throw new Error(`cannot lock the data directory ${dataDir}`);
}

/**
 * Opens the embedded default in `dataDir`: what `ensign serve` runs on without `REDIS_URL`.
 * @example
 * const { store, state, close } = openEmbeddedBackends({ dataDir: '.ensign' });
 * const server = await createServer({ store, state });
 */
export function openEmbeddedBackends(options: EmbeddedBackendsOptions = {}): EmbeddedBackends {
  const dataDir = resolve(options.dataDir ?? '.ensign');
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const unlock = lock(dataDir);
  try {
    const store = new MemoryFlagStore({
      file: join(dataDir, 'flags.json'),
      ...(options.flagSets && { flagSets: options.flagSets }),
      ...(options.logger && { logger: options.logger }),
    });
    const state = new MemoryServerState({ file: join(dataDir, 'server-state.json') });
    let closed = false;
    return {
      dataDir,
      store,
      state,
      async close() {
        if (closed) return;
        closed = true;
        await Promise.all([store.close(), state.close()]);
        unlock();
      },
    };
  } catch (error) {
    unlock();
    throw error;
  }
}
