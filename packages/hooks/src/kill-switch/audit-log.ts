/**
 * The slice of the flag store's audit log the kill-switch hook reads. `RedisFlagStore` and
 * `MemoryFlagStore` from `@ensign/redis-provider` satisfy it; this package does not depend on them.
 */

/** One audit entry: who changed a flag, when, and the flag (or whole document) before and after. */
export interface AuditRecord {
  readonly actor: string;
  /** ISO-8601 time of the write. */
  readonly at: string;
  readonly operation: string;
  /** The set's version after the write. */
  readonly version: number;
  readonly reason?: string;
  /** A flag definition, or for whole-set writes the flag-set document; `null` when absent. */
  readonly before: unknown;
  readonly after: unknown;
}

/** Reads a flag's history, newest first. */
export interface AuditLog {
  history(flagSet: string, options?: { flagKey?: string; limit?: number }): Promise<readonly AuditRecord[]>;
}

interface FlagShape {
  state?: unknown;
  defaultVariant?: unknown;
  targeting?: unknown;
  metadata?: Record<string, unknown>;
}

/** The flag's definition in an audit snapshot, which may be the flag itself or a whole document. @internal */
export function flagIn(snapshot: unknown, flagKey: string): FlagShape | undefined {
  if (snapshot === null || typeof snapshot !== 'object') return undefined;
  const flags = (snapshot as { flags?: unknown }).flags;
  if (flags !== null && typeof flags === 'object') {
    const flag = (flags as Record<string, unknown>)[flagKey];
    return flag !== null && typeof flag === 'object' ? (flag as FlagShape) : undefined;
  }
  return snapshot as FlagShape;
}

/**
 * The variant a kill switch serves when it is on: metadata `offVariant` (what the admin API's
 * `kill` serves), or its older name `killSwitchOffVariant`. @internal
 */
export function offVariantOf(metadata: Readonly<Record<string, unknown>> | undefined): string | undefined {
  const value = metadata?.offVariant ?? metadata?.killSwitchOffVariant;
  return typeof value === 'string' ? value : undefined;
}

/**
 * Marked killed by the admin API's `kill` (metadata `killedAt`), whatever it serves: a kill must
 * read as a kill here as it does in the server's webhooks. @internal
 */
export function markedKilled(metadata: Readonly<Record<string, unknown>> | undefined): boolean {
  const value = metadata?.killedAt;
  return typeof value === 'string' || typeof value === 'number';
}

/** Would this definition serve its kill-switch "off" outcome to everyone? @internal */
export function definitionIsOff(flag: FlagShape | undefined, offVariant: string | undefined): boolean {
  if (flag === undefined) return false;
  if (flag.state === 'DISABLED' || markedKilled(flag.metadata)) return true;
  const off = offVariantOf(flag.metadata) ?? offVariant;
  return off !== undefined && flag.defaultVariant === off && !hasTargeting(flag.targeting);
}

/** flagd reads a missing or empty `targeting` as none. */
function hasTargeting(targeting: unknown): boolean {
  return (
    targeting !== undefined &&
    targeting !== null &&
    !(typeof targeting === 'object' && Object.keys(targeting).length === 0)
  );
}
