/**
 * The live feed of a flag set: one `EventSource` on `GET /api/v1/flag-sets/{set}/events` (the
 * session cookie authenticates it; no token in the URL), shared by every component of the page.
 * Each `change` event bumps the set's live version; pages re-read through the API when it moves.
 * The browser reconnects by itself and sends `Last-Event-ID`, and the server then announces any
 * change missed meanwhile, so nothing is lost across a drop.
 */
import { useEffect, useState } from 'preact/hooks';
import { path } from '../api/client.js';

/** The data of a `change` event. */
export interface FlagSetChange {
  readonly flagSet: string;
  readonly version: number;
  readonly flagsChanged: readonly string[];
}

/** Where the feed stands. */
export interface LiveState {
  /** Bumped on every change event (and on reconnect): re-read when it moves. */
  readonly tick: number;
  readonly version: number | undefined;
  readonly connected: boolean;
  readonly last: FlagSetChange | undefined;
}

type Listener = (state: LiveState) => void;

class LiveFeed {
  private source: EventSource | undefined;
  private listeners = new Set<Listener>();
  state: LiveState = { tick: 0, version: undefined, connected: false, last: undefined };

  constructor(readonly flagSet: string) {}

  private publish(next: Partial<LiveState>): void {
    this.state = { ...this.state, ...next };
    for (const listener of [...this.listeners]) listener(this.state);
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    if (this.source === undefined) this.open();
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.close();
    };
  }

  private open(): void {
    const source = new EventSource(path('flag-sets', this.flagSet, 'events'));
    this.source = source;
    source.addEventListener('ready', (event) => {
      const { version } = JSON.parse((event as MessageEvent<string>).data) as { version: number };
      const moved = this.state.version !== undefined && this.state.version !== version;
      this.publish({ connected: true, version, ...(moved && { tick: this.state.tick + 1 }) });
    });
    source.addEventListener('change', (event) => {
      const change = JSON.parse((event as MessageEvent<string>).data) as FlagSetChange;
      this.publish({ version: change.version, last: change, tick: this.state.tick + 1 });
    });
    source.addEventListener('error', () => this.publish({ connected: false }));
  }

  close(): void {
    this.source?.close();
    this.source = undefined;
    this.state = { ...this.state, connected: false };
  }
}

const feeds = new Map<string, LiveFeed>();

/** Closes every feed (sign-out). */
export function closeLiveFeeds(): void {
  for (const feed of feeds.values()) feed.close();
  feeds.clear();
}

/** The live state of `flagSet`, re-rendering on every change. */
export function useLive(flagSet: string | undefined): LiveState {
  const feed = flagSet === undefined ? undefined : (feeds.get(flagSet) ?? new LiveFeed(flagSet));
  if (flagSet !== undefined && feed !== undefined) feeds.set(flagSet, feed);
  const [state, setState] = useState<LiveState>(
    feed?.state ?? { tick: 0, version: undefined, connected: false, last: undefined },
  );
  useEffect(() => {
    if (feed === undefined) return undefined;
    setState(feed.state);
    return feed.subscribe(setState);
  }, [feed]);
  return state;
}
