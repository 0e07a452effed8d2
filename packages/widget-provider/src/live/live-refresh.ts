/**
 * `LiveRefresh`: keeps the payload of an open widget fresh from the app's OFREP server, so a kill
 * switch reaches a widget that stays open for minutes or hours without a new tool call. The first
 * render still uses the tool result's payload; this only replaces it when the server's answer
 * differs.
 *
 * Per payload that carries `live` (OFREP base URL + widget token): one bulk evaluation, then the
 * event stream it links to (ADR-0008). Each `refetchEvaluation` notice re-fetches the bulk answer
 * with `If-None-Match` and the notice's `flagConfigEtag` / `flagConfigLastModified`; notices that
 * arrive during a re-fetch are coalesced into one more. A lost stream, a network error, a 5xx or
 * a 429 back off exponentially with jitter and honour `Retry-After`; reconnecting re-fetches
 * before the stream is opened again, so nothing is missed. A page hidden longer than the stream's
 * `inactivityDelaySec` closes it, and becoming visible re-fetches (unconditionally after such a
 * close). A refused token (expired or revoked) keeps the last payload; with `refreshTool` the
 * widget asks the app for a new one once. A page that may not connect (CSP) stays on tool
 * results. Nothing here logs: the stream URL and the headers carry the token.
 */
import { FLAGS_META_KEY, type WidgetFlagsPayload, type WidgetLiveRefresh } from '../shared/payload.js';
import { sameJson } from '../widget/same-json.js';
import type { WidgetFlagProvider } from '../widget/widget-flag-provider.js';
import { type Notice, type Outcome, openStream, postBulk } from './ofrep-client.js';
import { DEFAULT_INACTIVITY_DELAY_SEC, type LiveRefreshOptions } from './options.js';
import { readEvents } from './sse.js';
import { type LiveRefreshStatus, StatusReporter } from './status.js';
import { linkedStream, payloadFromAnswer } from './to-payload.js';

/** The state of following one payload's `live` section. */
interface Session {
  readonly live: WidgetLiveRefresh;
  /** The payload being refreshed: its flags and metadata keys are what a refresh keeps. */
  readonly base: WidgetFlagsPayload;
  /** Its `issuedAt` (server clock) and when it arrived (this page's monotonic clock). */
  readonly anchorAt: number;
  /** The token came from `refreshTool`: if it is refused before it ever worked, give up. */
  readonly renewed: boolean;
  readonly abort: AbortController;
  etag?: string | undefined;
  streamUrl?: string;
  stream?: AbortController | undefined;
  inactivityMs: number;
  attempt: number;
  timer?: ReturnType<typeof setTimeout>;
  idle?: ReturnType<typeof setTimeout>;
  /** Closed for inactivity: reconnect with an unconditional re-fetch. */
  dormant: boolean;
  worked: boolean;
  refetching: boolean;
  /** A notice that came during a re-fetch: one more re-fetch, with the latest notice. */
  queued?: { notice: Notice | undefined } | undefined;
}

const isLive = (live: WidgetLiveRefresh | undefined): live is WidgetLiveRefresh =>
  typeof live?.token === 'string' && live.token !== '' && /^https?:\/\//.test(String(live.url));

/**
 * Keeps a {@link WidgetFlagProvider}'s payload fresh while the widget is open, for payloads the
 * server sent with a `live` section (`attachWidgetFlags(result, payload, { live })`). Changes reach
 * the app as `PROVIDER_CONFIGURATION_CHANGED` with exactly the flags that changed; while it
 * cannot refresh (retrying, token refused) the provider reports `PROVIDER_STALE`, and
 * `PROVIDER_READY` once fresh again.
 * @example
 * ```ts
 * const provider = new WidgetFlagProvider();
 * const live = new LiveRefresh(provider, { refreshTool: () => window.openai.callTool('refresh_widget_flags', {}) });
 * live.onStatus((status) => console.debug('flags', status));
 * OpenFeature.setProvider(provider);
 * ```
 */
export class LiveRefresh {
  private session: Session | undefined;
  private readonly reporter: StatusReporter;
  /** The host refused a connection to the OFREP origin: it will for this page's whole life. */
  private blocked = false;
  private renewing = false;
  private readonly stop: () => void;

  constructor(
    private readonly provider: WidgetFlagProvider,
    private readonly options: LiveRefreshOptions = {},
  ) {
    this.reporter = new StatusReporter(provider);
    const unsubscribe = provider.onPayload((payload) => (payload ? this.follow(payload) : this.close()));
    const onVisibility = () => this.visibilityChanged();
    const onViolation = (event: SecurityPolicyViolationEvent) => this.violation(event);
    const doc = typeof document === 'undefined' ? undefined : document;
    doc?.addEventListener('visibilitychange', onVisibility);
    doc?.addEventListener('securitypolicyviolation', onViolation);
    this.stop = () => {
      unsubscribe();
      doc?.removeEventListener('visibilitychange', onVisibility);
      doc?.removeEventListener('securitypolicyviolation', onViolation);
    };
    if (provider.currentPayload) this.follow(provider.currentPayload);
  }

  /** Where live refresh stands now. */
  get status(): LiveRefreshStatus {
    return this.reporter.status;
  }

  /**
   * Calls `listener` on every change of {@link status}, e.g. to show that flags are live, or that
   * the token was refused and the widget shows its last flags.
   * @returns a function that removes the listener.
   */
  onStatus(listener: (status: LiveRefreshStatus) => void): () => void {
    return this.reporter.listen(listener);
  }

  /**
   * Re-fetches now (with `If-None-Match`), or, when the host blocks connections, calls
   * `refreshTool`. Resolves when done; failures go through the usual retries.
   */
  async refresh(): Promise<void> {
    const session = this.session;
    if (session && this.status === 'live') return this.refetch(session, undefined);
    if (session) return this.connect(session, false);
    if (this.blocked) await this.throughTool();
  }

  /** Stops refreshing and closes the stream; the provider keeps its payload. */
  close(): void {
    this.end();
    this.stop();
    this.reporter.set('off');
  }

  private follow(payload: WidgetFlagsPayload): void {
    const live = payload.live;
    // Our own refreshed payload carries the same token: same session.
    if (this.session && live?.token === this.session.live.token) return;
    this.end();
    // Undated payloads cannot be ordered against refreshed ones: the server helper dates them.
    if (this.blocked || !isLive(live) || payload.issuedAt === undefined) {
      this.reporter.set(this.blocked ? 'blocked' : 'off');
      return;
    }
    const session: Session = {
      live,
      base: payload,
      anchorAt: performance.now(),
      renewed: this.renewing,
      abort: new AbortController(),
      inactivityMs: (this.options.inactivityDelaySec ?? DEFAULT_INACTIVITY_DELAY_SEC) * 1000,
      attempt: 0,
      dormant: false,
      worked: false,
      refetching: false,
    };
    this.session = session;
    this.reporter.set('connecting');
    void this.connect(session, false);
  }

  /** One bulk evaluation, then the stream it links to. */
  private async connect(session: Session, unconditional: boolean): Promise<void> {
    clearTimeout(session.timer);
    const etag = unconditional ? undefined : session.etag;
    const outcome = await postBulk(
      this.fetcher(),
      session.live.url,
      session.live.token,
      etag,
      undefined,
      session.abort.signal,
    );
    if (session !== this.session || !this.apply(session, outcome)) return;
    // A server that links no stream is refreshed when the page becomes visible again only.
    if (session.streamUrl === undefined) return this.reporter.set('off');
    await this.listen(session, session.streamUrl);
  }

  /** Holds the event stream open and re-fetches on each notice; reconnects when it ends. */
  private async listen(session: Session, url: string): Promise<void> {
    const stream = new AbortController();
    session.stream?.abort();
    session.stream = stream;
    const opened = await openStream(this.fetcher(), url, stream.signal);
    if (session !== this.session || session.stream !== stream) {
      if (opened instanceof Response) void opened.body?.cancel().catch(() => {});
      return;
    }
    if (!(opened instanceof Response)) {
      this.apply(session, opened);
      return;
    }
    session.attempt = 0;
    this.reporter.set('live');
    try {
      await readEvents(opened.body as ReadableStream<Uint8Array>, (data) => this.onEvent(session, data));
    } catch {
      // Broken or aborted: decided below.
    }
    // Ended by the server (closing, the token's expiry) or the network: a bulk re-fetch, then a new stream.
    if (session === this.session && session.stream === stream) this.retry(session, 0);
  }

  private onEvent(session: Session, data: string): void {
    let message: { type?: unknown; etag?: unknown; lastModified?: unknown } | null = null;
    try {
      message = JSON.parse(data);
    } catch {}
    // Unknown types are ignored, for forward compatibility (ADR-0008).
    if (message?.type === 'refetchEvaluation')
      void this.refetch(session, { etag: message.etag, lastModified: message.lastModified });
  }

  /** Re-fetches the bulk answer; notices during a re-fetch make one more, with the latest notice. */
  private async refetch(session: Session, notice: Notice | undefined): Promise<void> {
    if (session.refetching) {
      session.queued = { notice };
      return;
    }
    session.refetching = true;
    try {
      let next: Notice | undefined = notice;
      for (;;) {
        const outcome = await postBulk(
          this.fetcher(),
          session.live.url,
          session.live.token,
          session.etag,
          next,
          session.abort.signal,
        );
        if (session !== this.session || !this.apply(session, outcome)) return;
        if (!session.queued) return;
        next = session.queued.notice;
        session.queued = undefined;
      }
    } finally {
      session.refetching = false;
    }
  }

  /** Takes a bulk outcome; returns whether to go on (else a retry or the refusal is under way). */
  private apply(session: Session, outcome: Outcome): boolean {
    if (outcome.kind === 'refused') {
      void this.refused(session);
      return false;
    }
    if (outcome.kind === 'retry') {
      this.retry(session, outcome.afterMs);
      return false;
    }
    session.attempt = 0;
    session.worked = true;
    if (outcome.kind === 'unchanged') return true;
    const link = linkedStream(outcome.body, session.live.url);
    const current = this.provider.currentPayload;
    // Later than the payload it refreshes and than the current one, and never later than the
    // server's clock now: a tool result evaluated after this answer still wins.
    const issuedAt = Math.max(
      (session.base.issuedAt ?? 0) + Math.round(performance.now() - session.anchorAt),
      (current?.issuedAt ?? 0) + 1,
    );
    const next = payloadFromAnswer(outcome.body, session.base, issuedAt);
    if (!next) {
      this.retry(session, 0);
      return false;
    }
    session.etag = outcome.etag;
    if (link) {
      session.streamUrl = link.url;
      const delaySec = this.options.inactivityDelaySec ?? link.inactivityDelaySec;
      if (delaySec !== undefined) session.inactivityMs = delaySec * 1000;
    }
    if (!current || !sameJson(current.flags, next.flags)) this.provider.ingest({ [FLAGS_META_KEY]: next });
    return true;
  }

  /** Closes the stream and tries again after the backoff (or `Retry-After`, if longer). */
  private retry(session: Session, afterMs: number): void {
    this.drop(session);
    this.reporter.set('retrying');
    const min = this.options.minRetryDelayMs ?? 1_000;
    const backoff = Math.min(this.options.maxRetryDelayMs ?? 60_000, min * 2 ** session.attempt++);
    // Jitter: widgets that lost one server together do not all come back in the same instant.
    const delay = Math.max(afterMs, backoff * (0.5 + Math.random() / 2));
    clearTimeout(session.timer);
    session.timer = setTimeout(() => void this.connect(session, false), delay);
  }

  /** The token was refused: ask the app for a new payload once, else keep the last one. */
  private async refused(session: Session): Promise<void> {
    this.drop(session);
    const tool = this.options.refreshTool;
    if (tool && (!session.renewed || session.worked)) {
      this.reporter.set('retrying');
      const result = await tool().catch(() => undefined);
      if (session !== this.session) return;
      this.renewing = true;
      try {
        this.provider.ingest(result);
      } finally {
        this.renewing = false;
      }
      // A new payload with a new token started a new session; anything else leaves this one refused.
      if (session !== this.session) return;
    }
    this.reporter.set('unauthorized');
  }

  /** A host that blocks connections: a fresh payload through the app's tool, if the app has one. */
  private async throughTool(): Promise<void> {
    const tool = this.options.refreshTool;
    if (tool) this.provider.ingest(await tool().catch(() => undefined));
  }

  private visibilityChanged(): void {
    const session = this.session;
    if (document.visibilityState === 'hidden') {
      if (session) {
        clearTimeout(session.idle);
        session.idle = setTimeout(() => {
          session.dormant = true;
          this.drop(session);
        }, session.inactivityMs);
      }
      return;
    }
    if (this.blocked) {
      void this.throughTool();
      return;
    }
    if (!session) return;
    clearTimeout(session.idle);
    if (session.dormant) {
      // After an unknown time away the cache may be anything: unconditional (ADR-0008).
      session.dormant = false;
      void this.connect(session, true);
    } else if (this.status === 'live') {
      void this.refetch(session, undefined);
    } else if (this.status === 'retrying' && !session.refetching) {
      void this.connect(session, false);
    }
  }

  private violation(event: SecurityPolicyViolationEvent): void {
    const session = this.session;
    if (!session || !event.effectiveDirective.startsWith('connect-src')) return;
    if (event.blockedURI && !event.blockedURI.startsWith(new URL(session.live.url).origin)) return;
    this.blocked = true;
    this.end();
    this.reporter.set('blocked');
  }

  private drop(session: Session): void {
    session.stream?.abort();
    session.stream = undefined;
  }

  private end(): void {
    const session = this.session;
    if (!session) return;
    this.session = undefined;
    clearTimeout(session.timer);
    clearTimeout(session.idle);
    session.abort.abort();
    this.drop(session);
  }

  private fetcher(): typeof fetch {
    return this.options.fetch ?? globalThis.fetch.bind(globalThis);
  }
}
