/**
 * What `bench/widget-live.bench.ts` and its child processes share: the flag set (the example
 * app's), the widget secret, the flag that is flipped, and the messages between the processes.
 */
import { readFileSync } from 'node:fs';
import type { FlagSetDocument } from '@ensign/core';

/** The example app's flag set. */
export const SET = 'fitness';
/** The release flag the widget's Cancel buttons depend on: the one the on-call engineer kills. */
export const FLAG = 'cancel-booking';
/** The flags a widget token covers (the example widget's). */
export const WIDGET_FLAGS = ['booking-layout', 'cancel-booking'] as const;
/** The widget-token secret of the benchmark (nothing to protect). */
export const SECRET = 'widget-live-bench-secret-0123456789abcdef';
/** Requests per second per token: out of the way (widget tokens minted in one second share a bucket). */
export const NO_RATE_LIMIT = 1_000_000_000;

/** The example app's flags (`examples/flags/fitness.flags.json`). */
export function fitnessFlags(): FlagSetDocument {
  return JSON.parse(
    readFileSync(new URL('../../examples/flags/fitness.flags.json', import.meta.url), 'utf8'),
  ) as FlagSetDocument;
}

/** Wall-clock milliseconds with sub-millisecond resolution, comparable across processes. */
export const now = (): number => performance.timeOrigin + performance.now();

/** Server process → orchestrator. */
export type ServerMessage =
  | { readonly type: 'ready'; readonly url: string }
  | { readonly type: 'memory'; readonly rss: number; readonly heapUsed: number }
  | { readonly type: 'flipped'; readonly startedAt: number; readonly version: number };

/** Orchestrator → server process. */
export type ServerRequest =
  | { readonly type: 'memory' }
  | { readonly type: 'flip'; readonly state: 'ENABLED' | 'DISABLED' };

/** Client process → orchestrator. */
export type ClientMessage =
  | { readonly type: 'connected'; readonly open: number; readonly failed: number }
  | {
      readonly type: 'report';
      /** When each stream received the notice of the version (wall clock, ms). */
      readonly noticedAt: number[];
      /** When each stream's re-fetch answered (refetch flips only). */
      readonly refetchedAt: number[];
      readonly refetchFailed: number;
    };

/** Orchestrator → client process. */
export type ClientRequest =
  | { readonly type: 'mode'; readonly refetch: boolean }
  | { readonly type: 'report'; readonly version: number };
