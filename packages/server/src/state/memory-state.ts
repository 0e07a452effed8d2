/**
 * `MemoryServerState`: the state contract in process, optionally kept in a JSON file so that a
 * single-machine server without Redis keeps its tokens, webhooks and delivery cursors across a
 * restart (the embedded default). The file is rewritten atomically (a temporary file, flushed,
 * renamed over it) before each change resolves; counters, which change often, reach it at most
 * `counterFlushMs` later and on `close`. One process per file.
 */
import {
  byId,
  checkIncrementOptions,
  checkIncrements,
  checkKey,
  checkLease,
  checkPutOptions,
  encodeValue,
  ownRecord,
} from './arguments.js';
import type { IncrementOptions, Lease, PutOptions, ServerState, StateDocument } from './server-state.js';
import { type StateFile, readStateFile, writeStateFile } from './state-file.js';

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
  /** The JSON text: stored values share nothing with callers. */
  json: string;
  version: number;
  expiresAt?: number;
}

/** One counter record: its counters, and when it expires (`increment` with `ttlMs`). */
interface StoredCounters {
  values: Map<string, number>;
  expiresAt?: number;
}

/** A lease name's state: the last token granted survives release and expiry (fencing). */
interface StoredLease {
  token: number;
  owner?: string;
  expiresAt: number;
}

/** Server state in process (and, with `file`, on disk). */
export class MemoryServerState implements ServerState {
  readonly name = 'memory';
  private readonly documents = new Map<string, Map<string, StoredDocument>>();
  private readonly counterRecords = new Map<string, Map<string, StoredCounters>>();
  private readonly leases = new Map<string, StoredLease>();
  private readonly now: () => number;
  private flushTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly options: MemoryServerStateOptions = {}) {
    this.now = options.now ?? Date.now;
    if (options.file !== undefined) this.restore(readStateFile(options.file));
  }

  async get<T>(namespace: string, id: string): Promise<StateDocument<T> | undefined> {
    checkKey('get', namespace, id);
    const doc = this.live(namespace, id);
    return doc && { value: JSON.parse(doc.json) as T, version: doc.version };
  }

  async put<T>(
    namespace: string,
    id: string,
    value: T,
    options: PutOptions = {},
  ): Promise<number | undefined> {
    checkKey('put', namespace, id);
    checkPutOptions(options);
    const json = encodeValue('put', value);
    const current = this.live(namespace, id);
    if (options.expectedVersion !== undefined && (current?.version ?? 0) !== options.expectedVersion)
      return undefined;
    const version = (current?.version ?? 0) + 1;
    const stored: StoredDocument = { json, version };
    if (options.ttlMs !== undefined) stored.expiresAt = this.now() + options.ttlMs;
    const documents = this.documents.get(namespace) ?? new Map<string, StoredDocument>();
    this.documents.set(namespace, documents);
    const previous = documents.get(id);
    documents.set(id, stored);
    try {
      this.save();
    } catch (error) {
      // Not saved, not changed: the caller sees the write fail and the state as it was.
      if (previous) documents.set(id, previous);
      else documents.delete(id);
      throw error;
    }
    return version;
  }

  async delete(namespace: string, id: string): Promise<boolean> {
    checkKey('delete', namespace, id);
    const existed = this.live(namespace, id) !== undefined;
    if (!existed) return false;
    const documents = this.documents.get(namespace)!;
    const previous = documents.get(id)!;
    documents.delete(id);
    try {
      this.save();
    } catch (error) {
      documents.set(id, previous);
      throw error;
    }
    return true;
  }

  async list<T>(namespace: string): Promise<Map<string, StateDocument<T>>> {
    checkKey('list', namespace, 'all');
    const out = new Map<string, StateDocument<T>>();
    for (const id of [...(this.documents.get(namespace)?.keys() ?? [])].sort(byId)) {
      const doc = this.live(namespace, id);
      if (doc) out.set(id, { value: JSON.parse(doc.json) as T, version: doc.version });
    }
    return out;
  }

  async increment(
    namespace: string,
    id: string,
    counters: Readonly<Record<string, number>>,
    options?: IncrementOptions,
  ): Promise<Record<string, number>> {
    checkKey('increment', namespace, id);
    const increments = checkIncrements(counters);
    const ttlMs = checkIncrementOptions(options);
    const records = this.counterRecords.get(namespace) ?? new Map<string, StoredCounters>();
    this.counterRecords.set(namespace, records);
    const record = this.liveCounters(namespace, id) ?? { values: new Map<string, number>() };
    records.set(id, record);
    for (const [name, by] of increments) record.values.set(name, (record.values.get(name) ?? 0) + by);
    if (ttlMs !== undefined) record.expiresAt = this.now() + ttlMs;
    this.saveCountersSoon();
    return ownRecord(record.values);
  }

  async maximize(
    namespace: string,
    id: string,
    values: Readonly<Record<string, number>>,
    options?: IncrementOptions,
  ): Promise<void> {
    checkKey('maximize', namespace, id);
    const raises = checkIncrements(values, 'maximize');
    const ttlMs = checkIncrementOptions(options, 'maximize');
    if (raises.length === 0 && this.liveCounters(namespace, id) === undefined) return;
    const records = this.counterRecords.get(namespace) ?? new Map<string, StoredCounters>();
    this.counterRecords.set(namespace, records);
    const record = this.liveCounters(namespace, id) ?? { values: new Map<string, number>() };
    records.set(id, record);
    for (const [name, value] of raises) {
      const current = record.values.get(name);
      if (current === undefined || value > current) record.values.set(name, value);
    }
    if (ttlMs !== undefined) record.expiresAt = this.now() + ttlMs;
    this.saveCountersSoon();
  }

  async counters(namespace: string, id: string): Promise<Record<string, number>> {
    checkKey('counters', namespace, id);
    return ownRecord(this.liveCounters(namespace, id)?.values ?? []);
  }

  async acquireLease(name: string, owner: string, ttlMs: number): Promise<Lease | undefined> {
    checkLease('acquireLease', name, owner, ttlMs);
    const now = this.now();
    const held = this.leases.get(name);
    const live = held?.owner !== undefined && held.expiresAt > now;
    if (live && held.owner !== owner) return undefined;
    const token = live ? held!.token : (held?.token ?? 0) + 1;
    const lease = { owner, token, expiresAt: now + ttlMs };
    this.leases.set(name, lease);
    try {
      this.save();
    } catch (error) {
      if (held) this.leases.set(name, held);
      else this.leases.delete(name);
      throw error;
    }
    return { ...lease };
  }

  async releaseLease(name: string, owner: string): Promise<void> {
    checkLease('releaseLease', name, owner);
    const held = this.leases.get(name);
    if (held?.owner !== owner) return;
    // The token stays: the next grant must be larger than every one before it.
    this.leases.set(name, { token: held.token, expiresAt: 0 });
    try {
      this.save();
    } catch (error) {
      this.leases.set(name, held);
      throw error;
    }
  }

  async close(): Promise<void> {
    if (this.flushTimer) {
      clearTimeout(this.flushTimer);
      this.flushTimer = undefined;
      this.save();
    }
  }

  private live(namespace: string, id: string): StoredDocument | undefined {
    const documents = this.documents.get(namespace);
    const doc = documents?.get(id);
    if (!doc) return undefined;
    if (doc.expiresAt !== undefined && doc.expiresAt <= this.now()) {
      documents!.delete(id);
      return undefined;
    }
    return doc;
  }

  private liveCounters(namespace: string, id: string): StoredCounters | undefined {
    const records = this.counterRecords.get(namespace);
    const record = records?.get(id);
    if (record?.expiresAt !== undefined && record.expiresAt <= this.now()) {
      records!.delete(id);
      return undefined;
    }
    return record;
  }

  private saveCountersSoon(): void {
    if (this.options.file === undefined || this.flushTimer) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      try {
        this.save();
      } catch {
        // Retried with the next change or on close; documents and leases report their own failures.
      }
    }, this.options.counterFlushMs ?? 1_000);
    this.flushTimer.unref?.();
  }

  private restore(file: StateFile | undefined): void {
    if (!file) return;
    const now = this.now();
    for (const [namespace, id, doc] of file.documents) {
      if (doc.expiresAt !== undefined && doc.expiresAt <= now) continue;
      const documents = this.documents.get(namespace) ?? new Map<string, StoredDocument>();
      this.documents.set(namespace, documents);
      documents.set(id, { ...doc, json: JSON.stringify(doc.value) });
    }
    for (const [namespace, id, counters, expiresAt] of file.counters) {
      if (expiresAt !== undefined && expiresAt <= now) continue;
      const records = this.counterRecords.get(namespace) ?? new Map<string, StoredCounters>();
      this.counterRecords.set(namespace, records);
      records.set(id, { values: new Map(counters), ...(expiresAt !== undefined && { expiresAt }) });
    }
    for (const [name, lease] of file.leases) this.leases.set(name, { ...lease });
  }

  private save(): void {
    const file = this.options.file;
    if (file === undefined) return;
    const documents: StateFile['documents'] = [];
    for (const [namespace, docs] of this.documents)
      for (const [id, doc] of docs)
        documents.push([
          namespace,
          id,
          {
            value: JSON.parse(doc.json) as unknown,
            version: doc.version,
            ...(doc.expiresAt !== undefined && { expiresAt: doc.expiresAt }),
          },
        ]);
    const counters: StateFile['counters'] = [];
    for (const [namespace, records] of this.counterRecords)
      for (const [id, record] of records)
        counters.push(
          record.expiresAt === undefined
            ? [namespace, id, [...record.values]]
            : [namespace, id, [...record.values], record.expiresAt],
        );
    writeStateFile(file, { documents, counters, leases: [...this.leases] });
  }
}
