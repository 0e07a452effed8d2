/// <reference types="node" />
/**
 * What every part of the `ServerState` conformance suite shares: the suite's options, the states
 * each part is given, and fresh names and sleeps for the tests.
 */
import type { ServerState } from '../server-state.js';

/** Options of `testServerState`. */
export interface ServerStateConformanceOptions {
  /**
   * Closes `state` and opens another over the same storage, as a server restart would; the
   * durability tests run only when this is given.
   */
  reopen?: (state: ServerState) => Promise<ServerState>;
}

/** The states each part of the suite may use, made from the factory the suite was given. */
export interface ServerStateConformanceContext {
  /** The state most tests share, opened on first use. */
  state: () => Promise<ServerState>;
  /** The factory the suite was given, for tests that open states of their own. */
  factory: () => Promise<ServerState>;
  /** Every state to close after the suite; a test that opens one of its own adds it here. */
  opened: ServerState[];
}

let sequence = 0;
/** A fresh name per test, so tests never see each other's data, also on a shared Redis. */
export const fresh = (label: string) => `${label}-${process.pid}-${Date.now().toString(36)}-${++sequence}`;
/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
