/// <reference types="node" />
/**
 * What every part of the `FlagStore` conformance suite shares: the options a store under test must
 * honour, the stores each part is given, and the flags, documents and helpers the tests build on.
 */
import type { FlagDefinition, FlagSetDocument } from '@ensign/core';
import type { FlagStore } from '../index.js';

/** Options every store under test must honour. */
export interface ConformanceStoreOptions {
  maxLogLength?: number;
}

/** The stores each part of the suite may use, made from the factory the suite was given. */
export interface FlagStoreConformanceContext {
  /** The store most tests share, opened on first use. */
  store: () => Promise<FlagStore>;
  /** A store of its own with `options`; every store opened is closed after the suite. */
  open: (options?: ConformanceStoreOptions) => Promise<FlagStore>;
}

/** A boolean flag with variants `on` and `off`. */
export const boolFlag = (defaultVariant: 'on' | 'off' = 'off'): FlagDefinition => ({
  state: 'ENABLED',
  variants: { on: true, off: false },
  defaultVariant,
});

/** A flag whose targeting uses the shared evaluator `beta-users`. */
export const refFlag: FlagDefinition = {
  state: 'ENABLED',
  variants: { on: true, off: false },
  defaultVariant: 'off',
  targeting: { if: [{ $ref: 'beta-users' }, 'on', 'off'] },
};

/** A whole document with `$evaluators` and metadata, as an import would write it. */
export const importDoc: FlagSetDocument = {
  flags: { gated: refFlag, plain: boolFlag('on') },
  $evaluators: { 'beta-users': { in: [{ var: 'tier' }, ['beta', 'staff']] } },
  metadata: { owner: 'team-a' },
};

let counter = 0;
/** A fresh set id per test, so tests never see each other's writes. */
export const newSet = (label: string) => `${label}-${process.pid}-${++counter}`;

/** Waits until `check` holds, polling every 5 ms, or fails after `timeoutMs` naming `what`. */
export async function eventually(check: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
