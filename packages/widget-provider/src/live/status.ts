/**
 * What `LiveRefresh` reports: its status, to listeners (for the widget's own UI), and through
 * the provider's OpenFeature events: `PROVIDER_STALE` while it cannot refresh (again when the
 * reason changes), `PROVIDER_READY` once fresh again.
 */
import { ProviderEvents } from '@openfeature/web-sdk';
import type { WidgetFlagProvider } from '../widget/widget-flag-provider.js';

/**
 * Where live refresh stands:
 * - `off`: the current payload has no `live` section (or the refresher is closed);
 * - `connecting`: the first bulk request or stream of a payload is under way;
 * - `live`: the event stream is open, changes arrive as they happen;
 * - `retrying`: the stream or a request failed; retrying with backoff (flags are the last received);
 * - `unauthorized`: the widget token was refused (expired or revoked): the last payload stays
 *   until the next tool result;
 * - `blocked`: the page may not connect to the OFREP origin (the host's CSP): tool results only.
 */
export type LiveRefreshStatus = 'off' | 'connecting' | 'live' | 'retrying' | 'unauthorized' | 'blocked';

const STALE_MESSAGES: Partial<Record<LiveRefreshStatus, string>> = {
  retrying: 'live refresh: connection lost; retrying',
  unauthorized: 'live refresh: the widget token was refused (expired or revoked); showing the last flags',
};

/** Holds the status and tells listeners and the provider's event stream of every change. */
export class StatusReporter {
  private current: LiveRefreshStatus = 'off';
  private stale = false;
  private readonly listeners = new Set<(status: LiveRefreshStatus) => void>();

  constructor(private readonly provider: WidgetFlagProvider) {}

  get status(): LiveRefreshStatus {
    return this.current;
  }

  listen(listener: (status: LiveRefreshStatus) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  set(status: LiveRefreshStatus): void {
    if (status === this.current) return;
    this.current = status;
    const message = STALE_MESSAGES[status];
    // Stale again when the reason changes (retrying, then refused), ready once fresh.
    if (message !== undefined) this.provider.events.emit(ProviderEvents.Stale, { message });
    else if (this.stale) this.provider.events.emit(ProviderEvents.Ready);
    this.stale = message !== undefined;
    for (const listener of this.listeners) {
      try {
        listener(status);
      } catch {
        // A listener that throws must not stop live refresh.
      }
    }
  }
}
