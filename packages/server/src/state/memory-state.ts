/**
 * `MemoryServerState`: the state contract in process, optionally kept in a JSON file so that a
 * single-machine server without Redis keeps its tokens and webhooks across a restart (the
 * embedded default). The file is rewritten atomically (a temporary file renamed over it) after
 * every change; counters, which change often, are written at most every `counterFlushMs`.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Lease, PutOptions, ServerState, StateDocument } from './server-state.js';

/** Options of {@link MemoryServerState}. */
export interface MemoryServerStateOptions {
  /** A JSON file to load at start and keep up to date; without it nothing survives a restart. */
  file?: string;
  /** Longest delay before counter changes reach the file. @default 1000 */
  counterFlushMs?: number;
  /** The clock, for tests. @default Date.now */
  now?: () => number;
}

interface StoredDocument {
  value: unknown;
  version: number;
  expiresAt?: number;
}

interface FileShape {
  documents: Record<string, Record<string, StoredDocument>>;
  counters: Record<string, Record<string, Record<string, number>>>;
  leases: Record<string, Lease>;
  fencing: Record<string, number>;
}

const copy = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/** Server state in process (and, with `file`, on disk). */
export class MemoryServerState implements ServerState {
  readonly name = 'memory';
  private readonly data: FileShape = { documents: {}, counters: {}, leases: {}, fencing: {} };
  private readonly now: () => number;
  private flushTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly options: MemoryServerStateOptions = {}) {
    this.now = options.now ?? Date.now;
    if (options.file) {
      let text: string | undefined;
      try {
        text = readFileSync(options.file, 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
      if (text !== undefined) {
        try {
          Object.assign(this.data, JSON.parse(text) as Partial<FileShape>);
        } catch (error) {
          throw new Error(
            `server state file ${options.file} is not valid JSON: ${(error as Error).message}`,
            {
              cause: error,
            },
          );
        }
      }
    }
  }

  async get<T>(namespace: string, id: string): Promise<StateDocument<T> | undefined> {
    const doc = this.live(namespace, id);
    return doc ? { value: copy(doc.value) as T, version: doc.version } : undefined;
  }

  async put<T>(
    namespace: string,
    id: string,
    value: T,
    options: PutOptions = {},
  ): Promise<number | undefined> {
    const current = this.live(namespace, id);
    if (options.expectedVersion !== undefined && (current?.version ?? 0) !== options.expectedVersion)
      return undefined;
    const version = (current?.version ?? 0) + 1;
    const stored: StoredDocument = { value: copy(value), version };
    if (options.ttlMs !== undefined) stored.expiresAt = this.now() + options.ttlMs;
    const documents = this.data.documents[namespace] ?? {};
    this.data.documents[namespace] = documents;
    documents[id] = stored;
    this.save();
    return version;
  }

  async delete(namespace: string, id: string): Promise<boolean> {
    const existed = this.live(namespace, id) !== undefined;
    if (this.data.documents[namespace]) delete this.data.documents[namespace][id];
    if (existed) this.save();
    return existed;
  }

  async list<T>(namespace: string): Promise<Map<string, StateDocument<T>>> {
    const out = new Map<string, StateDocument<T>>();
    for (const id of Object.keys(this.data.documents[namespace] ?? {})) {
      const doc = this.live(namespace, id);
      if (doc) out.set(id, { value: copy(doc.value) as T, version: doc.version });
    }
    return out;
  }

  async increment(
    namespace: string,
    id: string,
    counters: Readonly<Record<string, number>>,
  ): Promise<Record<string, number>> {
    const records = this.data.counters[namespace] ?? {};
    this.data.counters[namespace] = records;
    const record = records[id] ?? {};
    records[id] = record;
    for (const [name, by] of Object.entries(counters)) record[name] = (record[name] ?? 0) + by;
    this.saveCountersSoon();
    return { ...record };
  }

  async counters(namespace: string, id: string): Promise<Record<string, number>> {
    return { ...(this.data.counters[namespace]?.[id] ?? {}) };
  }

  async acquireLease(name: string, owner: string, ttlMs: number): Promise<Lease | undefined> {
    const now = this.now();
    const held = this.data.leases[name];
    if (held && held.expiresAt > now && held.owner !== owner) return undefined;
    const token =
      held && held.owner === owner && held.expiresAt > now ? held.token : (this.data.fencing[name] ?? 0) + 1;
    this.data.fencing[name] = token;
    const lease: Lease = { owner, token, expiresAt: now + ttlMs };
    this.data.leases[name] = lease;
    this.save();
    return { ...lease };
  }

  async releaseLease(name: string, owner: string): Promise<void> {
    if (this.data.leases[name]?.owner !== owner) return;
    delete this.data.leases[name];
    this.save();
  }

  async close(): Promise<void> {
    if (this.flushTimer) {
      clearTimeout(this.flushTimer);
      this.flushTimer = undefined;
      this.save();
    }
  }

  private live(namespace: string, id: string): StoredDocument | undefined {
    const doc = this.data.documents[namespace]?.[id];
    if (!doc || !Object.hasOwn(this.data.documents[namespace]!, id)) return undefined;
    if (doc.expiresAt !== undefined && doc.expiresAt <= this.now()) {
      delete this.data.documents[namespace]![id];
      return undefined;
    }
    return doc;
  }

  private saveCountersSoon(): void {
    if (!this.options.file || this.flushTimer) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      this.save();
    }, this.options.counterFlushMs ?? 1_000);
    this.flushTimer.unref?.();
  }

  private save(): void {
    const file = this.options.file;
    if (!file) return;
    mkdirSync(dirname(file), { recursive: true });
    const temporary = `${file}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify(this.data), { mode: 0o600 });
    renameSync(temporary, file);
  }
}
