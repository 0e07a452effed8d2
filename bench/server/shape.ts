/**
 * What `bench/server.bench.ts` measures, shared by the orchestrator and the server process: a
 * 100-flag set (the provider benchmark's realistic mix, with one kill switch among them) and the
 * one context every request evaluates.
 */
import type { FlagSetDocument } from '@ensign/core';
import { benchFlagSet } from '../redis-provider/flags.js';

/** The flag set served. */
export const SET = 'bench';
/** The kill switch the latency run flips. */
export const KILL_FLAG = 'kill-switch';
/** The targeted flag the single-flag run evaluates. */
export const SINGLE_FLAG = 'flag-1';
/** Flags in the set. */
export const FLAG_COUNT = 100;
/** The request body of every evaluation: one context. */
export const REQUEST_BODY = JSON.stringify({ context: { targetingKey: 'user-1', tier: 'pro' } });

/** 99 flags of the mix plus the kill switch. */
export function serverBenchFlags(): FlagSetDocument {
  const doc = benchFlagSet(FLAG_COUNT - 1);
  doc.flags[KILL_FLAG] = {
    state: 'ENABLED',
    variants: { on: true, off: false },
    defaultVariant: 'on',
    metadata: { kind: 'ops', clientSide: true },
  };
  return doc;
}

/** What the server process reports when it is ready. */
export interface ServerReady {
  readonly type: 'ready';
  /** The Ensign server (OFREP and admin API). */
  readonly ofrepUrl: string;
  /** A bare fastify server answering constant JSON. */
  readonly bareUrl: string;
  readonly serverToken: string;
  readonly adminToken: string;
  /** Byte sizes of the OFREP answers the bare routes copy. */
  readonly bulkBytes: number;
  readonly singleBytes: number;
  /** The bulk answer's ETag (for the 304 run). */
  readonly etag: string;
}

/** Messages the orchestrator sends: flip the kill switch in the store (when there is no admin API). */
export interface FlipRequest {
  readonly type: 'flip';
  readonly state: 'ENABLED' | 'DISABLED';
}
