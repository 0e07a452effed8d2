/**
 * The lifecycle records of a flush: the `seen` and `unknown` raises (`CounterSink.maximize`) of
 * one set's deltas. Kept apart from the increments because they are written differently
 * (raised, not added: repeating one is harmless) and only when the sink can.
 * @internal
 */
import { METRIC_RECORDS, counterName } from './layout.js';
import type { SetDelta } from './pending.js';

/** Bounds and retention of the lifecycle records. */
export interface LastSeenLimits {
  readonly seenRetentionMs: number;
  readonly unknownRetentionMs: number;
  /** Most distinct unknown keys raised per flush (they are client-controlled). */
  readonly maxUnknown: number;
  /** Longest unknown key raised. */
  readonly maxKeyLength: number;
}

/** One raise of a flush. */
export interface RaiseWrite {
  readonly id: string;
  readonly values: Record<string, number>;
  readonly ttlMs: number;
}

/** The raises of the `seen` and `unknown` records, before they are written. */
interface LastSeen {
  readonly seen: Record<string, number>;
  readonly unknown: Record<string, number>;
  /** Unknown keys left out (beyond `maxUnknown`, or longer than `maxKeyLength`). */
  readonly droppedUnknown: number;
}

function raise(values: Record<string, number>, name: string, value: number): void {
  if (Object.hasOwn(values, name) && values[name]! >= value) return;
  Object.defineProperty(values, name, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * The `seen` and `unknown` raises of a set's deltas: per flag and variant served, the latest
 * evaluation time of the flag in the window; per key evaluated while missing, the same; and `s`,
 * the earliest evaluation time negated. At most `maxUnknown` distinct unknown keys (they are
 * client-controlled), none longer than `maxKeyLength`.
 */
function lastSeenOf(delta: SetDelta, maxUnknown: number, maxKeyLength: number): LastSeen {
  const seen: Record<string, number> = {};
  const unknown: Record<string, number> = {};
  const unknownKeys = new Set<string>();
  let droppedUnknown = 0;
  let earliest = Number.POSITIVE_INFINITY;
  for (const flags of delta.windows.values()) {
    for (const [flagKey, flag] of flags) {
      if (flag.lastAt < earliest) earliest = flag.lastAt;
      for (const [variant, n] of flag.evaluations) {
        // Evaluations of a missing key serve no variant: they are unknown, not seen.
        const found = variant === '' ? n - flag.notFound : n;
        if (found > 0) raise(seen, counterName('l', flagKey, variant), flag.lastAt);
      }
      if (flag.notFound === 0) continue;
      if (flagKey.length > maxKeyLength || (!unknownKeys.has(flagKey) && unknownKeys.size >= maxUnknown)) {
        droppedUnknown++;
        continue;
      }
      unknownKeys.add(flagKey);
      raise(unknown, counterName('f', flagKey), flag.lastAt);
    }
  }
  if (earliest !== Number.POSITIVE_INFINITY) raise(seen, 's', -earliest);
  return { seen, unknown, droppedUnknown };
}

/** The writes that raise a set's `seen` and `unknown` records, and the unknown keys left out. */
export function lastSeenWrites(
  delta: SetDelta,
  limits: LastSeenLimits,
): { writes: RaiseWrite[]; droppedUnknown: number } {
  const { seen, unknown, droppedUnknown } = lastSeenOf(delta, limits.maxUnknown, limits.maxKeyLength);
  const writes: RaiseWrite[] = [];
  if (Object.keys(seen).length > 0)
    writes.push({ id: METRIC_RECORDS.seen, values: seen, ttlMs: limits.seenRetentionMs });
  if (Object.keys(unknown).length > 0)
    writes.push({ id: METRIC_RECORDS.unknown, values: unknown, ttlMs: limits.unknownRetentionMs });
  return { writes, droppedUnknown };
}
