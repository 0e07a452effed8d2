/**
 * `flagConfigEtag` / `flagConfigLastModified` (ADR-0008): the metadata a change notice carries,
 * sent back on the re-fetch it triggers. The notice's `etag` is the set's store version (`"42"`),
 * the same on every instance (they share the store); a re-fetch that lands on an instance that
 * has not applied that version yet waits for it, up to {@link FLAG_CONFIG_WAIT_MS}, instead of
 * answering with the flags before the change (behind a load balancer the notice and the
 * re-fetch may reach different instances). `lastModified` is when this instance saw the change
 * (seconds since the epoch); it is validated and otherwise informative, since only the version
 * is comparable across instances.
 */
import type { LiveFlagSet } from '../flag-sets/registry.js';

/** Longest a re-fetch waits for this instance to reach the version a notice announced. */
export const FLAG_CONFIG_WAIT_MS = 2_000;

/** The `etag` of a change notice for `version`. */
export function flagConfigEtag(version: number): string {
  return `"${version}"`;
}

/** The version a `flagConfigEtag` names, or `undefined` for one this server did not issue. */
export function versionOfFlagConfigEtag(etag: string | undefined): number | undefined {
  const match = etag === undefined ? null : /^"?(\d{1,15})"?$/.exec(etag);
  return match ? Number(match[1]) : undefined;
}

/**
 * Resolves once `live` serves `version` or later, or after `timeoutMs` (then the caller answers
 * with what it has: the client will hear of the next change all the same).
 */
export function untilVersion(
  live: LiveFlagSet,
  version: number,
  timeoutMs = FLAG_CONFIG_WAIT_MS,
): Promise<void> {
  if (live.version >= version) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      unsubscribe();
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    const unsubscribe = live.onChange(() => {
      if (live.version >= version) done();
    });
  });
}
