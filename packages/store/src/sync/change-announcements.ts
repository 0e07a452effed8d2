/** Telling the sync's listener which flags changed, relative to what it last heard, once per burst. */
import type { CompiledFlagSet, FlagSetChanges } from '@ensign/core';
import { diffFlagSets } from '@ensign/core';
import { NO_CHANGES, changeCount } from './flag-changes.js';
import type { FlagSetSyncListener } from './sync-options.js';

/**
 * The flags the listener last heard about, and the announcements of what changed since. Changes
 * are diffed against those flags, not against the previous version, so a burst of entries (or a
 * stale episode) is announced as one event naming everything it changed. @internal
 */
export class ChangeAnnouncements {
  /** The flags listeners last heard about: changes are announced relative to these. */
  private announced: CompiledFlagSet | undefined;
  private scheduled = false;

  constructor(
    /** The flags being served now. */
    private readonly served: () => CompiledFlagSet | undefined,
    /** Whether changes are to be announced (the sync is live). */
    private readonly live: () => boolean,
    private readonly listener: FlagSetSyncListener,
  ) {}

  /** Takes the served flags as heard about, announcing nothing (a bootstrap document before start). */
  markAnnounced(): void {
    this.announced = this.served();
  }

  /** Announces what changed once the current burst of entries is applied (one event per batch). */
  schedule(): void {
    if (this.scheduled || !this.live()) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      if (this.live()) this.notify();
    });
  }

  /** Tells listeners what changed since they last heard, and marks the current flags as announced. */
  notify(): void {
    const changes = this.takeUnannounced();
    if (changeCount(changes) > 0) this.listener.changed(changes);
  }

  /** What changed since listeners last heard (without telling them); marks the current flags as announced. */
  takeUnannounced(): FlagSetChanges {
    const flags = this.served();
    const changes = this.announced && flags ? diffFlagSets(this.announced, flags) : NO_CHANGES;
    this.announced = flags;
    return changes;
  }
}
