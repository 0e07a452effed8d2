import {
  ErrorCode,
  type EvaluationContext,
  type FlagValue,
  type JsonValue,
  OpenFeatureEventEmitter,
  type Provider,
  ProviderEvents,
  type ResolutionDetails,
  StandardResolutionReasons,
} from '@openfeature/web-sdk';
import {
  FLAGS_META_KEY,
  type WidgetFlagResult,
  type WidgetFlagsPayload,
  findWidgetFlagsPayload,
} from '../shared/payload.js';
import {
  type OpenAiHost,
  SET_GLOBALS_EVENT,
  type SetGlobalsEventDetail,
  TOOL_RESULT_METHOD,
  openAiHost,
} from './host.js';
import { sameJson } from './same-json.js';

/** Options of {@link WidgetFlagProvider}. */
export interface WidgetFlagProviderOptions {
  /**
   * Persist the latest payload in `window.openai.widgetState` under `"ensign/flags"`, merged into
   * the app's own widget state, so that reopening an old message shows the variants it showed
   * before. Widget state is visible to the model: only opt in if the model may see flag results.
   * @default false
   */
  persistToWidgetState?: boolean;
  /**
   * How long `initialize` waits for the first payload. Until it arrives the SDK reports the
   * provider `NOT_READY` (evaluations return the caller's default with error `PROVIDER_NOT_READY`);
   * after this timeout the provider is `READY` and returns defaults with reason `DEFAULT` until a
   * payload arrives. `0` makes it `READY` at once.
   * @default undefined: wait until the first payload
   */
  readyTimeoutMs?: number;
  /**
   * The origin of the MCP Apps host, e.g. `"https://host.example"` (a URL is reduced to its
   * origin). When set, `ui/notifications/tool-result` messages are read only if they come from the
   * parent frame **and** from this origin, so a page of another origin that frames the widget
   * cannot hand it flags. ChatGPT's `window.openai` globals are not messages and are not affected.
   * @default undefined: any origin, as long as the message comes from the parent frame
   * @throws {TypeError} from the constructor when it is not an http(s)-like URL with an origin.
   */
  hostOrigin?: string;
}

type FlagType = 'boolean' | 'string' | 'number' | 'object';

/**
 * Called with every payload the provider takes (from any source), and with `undefined` when the
 * provider closes. See {@link WidgetFlagProvider.onPayload}.
 */
export type WidgetPayloadListener = (payload: WidgetFlagsPayload | undefined) => void;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The payload as widget state may hold it: without `live` (a token is a credential). */
const withoutCredentials = ({ live: _live, ...payload }: WidgetFlagsPayload): WidgetFlagsPayload => payload;

/** A payload's own entry for `key` (never `Object.prototype`'s `constructor` or `toString`). */
const own = (flags: Record<string, WidgetFlagResult>, key: string): WidgetFlagResult | undefined =>
  Object.hasOwn(flags, key) ? flags[key] : undefined;

/**
 * Whether a flag behaves the same under two results: value, variant, reason and error. Metadata
 * alone does not count (the set's `version` moves with every write to any flag of the set), as in
 * the store provider, where only flag behaviour is announced.
 */
const sameResult = (a: WidgetFlagResult | undefined, b: WidgetFlagResult | undefined): boolean =>
  a === b ||
  (a !== undefined &&
    b !== undefined &&
    sameJson(a.value, b.value) &&
    a.variant === b.variant &&
    a.reason === b.reason &&
    a.errorCode === b.errorCode);

const typeOf = (value: JsonValue): FlagType | 'null' | 'array' =>
  value === null ? 'null' : Array.isArray(value) ? 'array' : (typeof value as FlagType);

/**
 * OpenFeature web provider for ChatGPT / MCP Apps widgets. It never calls a server: it resolves
 * synchronously from the latest flags payload that the MCP server put under
 * `_meta["ensign/flags"]` (see `evaluateWidgetFlags` in `@ensign/widget-provider/server`).
 *
 * Payloads come from, in this order at start: `window.openai.widgetState` (only with
 * `persistToWidgetState`), then `window.openai.toolResponseMetadata` (flat, or nested under
 * `mcp_tool_result` / `call_tool_result`); afterwards, as they arrive: `openai:set_globals` events
 * carrying `toolResponseMetadata` or `widgetState`, MCP Apps `ui/notifications/tool-result`
 * messages from the parent frame, and {@link WidgetFlagProvider.ingest} for results the widget
 * fetched itself. The newest payload wins: one whose `issuedAt` is older than the current one's
 * is ignored, so a re-delivered old result cannot undo a newer one.
 *
 * A payload that changes flags emits `PROVIDER_CONFIGURATION_CHANGED` with exactly the keys whose
 * result changed (added, removed, or a different value, variant, reason or error code; metadata
 * alone is taken without an event). To keep an open widget fresh between tool results, add a
 * `LiveRefresh` from `@ensign/widget-provider/live`.
 *
 * @example
 * ```ts
 * const provider = new WidgetFlagProvider();
 * OpenFeature.setProvider(provider); // before connecting an MCP Apps client, so no message is missed
 * const client = OpenFeature.getClient();
 * const layout = client.getStringValue('booking-layout', 'list');
 * const result = await window.openai.callTool('list_bookings', {});
 * provider.ingest(result);
 * ```
 */
export class WidgetFlagProvider implements Provider {
  readonly metadata = { name: 'ensign-widget' } as const;
  readonly runsOn = 'client' as const;
  readonly events = new OpenFeatureEventEmitter();
  private payload: WidgetFlagsPayload | undefined;
  private onReady: (() => void) | undefined;
  private stop: (() => void) | undefined;
  private readonly hostOrigin: string | undefined;
  private readonly listeners = new Set<WidgetPayloadListener>();

  constructor(private readonly options: WidgetFlagProviderOptions = {}) {
    const { hostOrigin } = options;
    if (hostOrigin === undefined) return;
    let origin = 'null';
    try {
      origin = new URL(hostOrigin).origin;
    } catch {}
    // "null" is what `localhost:3000` (a URL with scheme `localhost:`) yields, and also the origin of
    // every sandboxed frame: pinning it would trust them all.
    if (origin === 'null')
      throw new TypeError(`hostOrigin "${hostOrigin}" is not an origin such as "https://host.example"`);
    this.hostOrigin = origin;
  }

  /** The payload flags currently resolve from, if any has arrived. */
  get currentPayload(): WidgetFlagsPayload | undefined {
    return this.payload;
  }

  /**
   * Starts listening to the host and reads what it already holds. Resolves when a payload is
   * available (at once if the host already has one), or after `readyTimeoutMs`.
   */
  initialize(): Promise<void> {
    this.listen();
    const host = openAiHost();
    if (this.options.persistToWidgetState) this.accept(findWidgetFlagsPayload(host?.widgetState), true);
    this.accept(findWidgetFlagsPayload(host?.toolResponseMetadata));
    if (this.payload || this.options.readyTimeoutMs === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timeoutMs = this.options.readyTimeoutMs;
      const timer = timeoutMs === undefined ? undefined : setTimeout(() => this.onReady?.(), timeoutMs);
      this.onReady = () => {
        clearTimeout(timer);
        this.onReady = undefined;
        resolve();
      };
    });
  }

  /**
   * Takes the flags payload from a tool result the widget obtained itself (e.g. the result of
   * `window.openai.callTool`, or an MCP Apps `tools/call` response): a `CallToolResult`, its
   * `_meta`, or a host envelope around either.
   * @returns whether the result held a payload that was applied (not older than the current one).
   */
  ingest(toolResult: unknown): boolean {
    return this.accept(findWidgetFlagsPayload(toolResult));
  }

  /**
   * Calls `listener` with every payload the provider takes from now on, and with `undefined` when
   * it closes. For extensions such as `LiveRefresh`; an app reads flags through OpenFeature.
   * @returns a function that removes the listener.
   */
  onPayload(listener: WidgetPayloadListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Does nothing: flags are evaluated on the server for the tool call's user and context, and
   * the widget only receives results. A changed widget context takes effect with the next tool
   * result; the provider does not pretend to re-fetch.
   */
  onContextChange(_oldContext: EvaluationContext, _newContext: EvaluationContext): void {}

  /** Removes the host listeners and tells payload listeners (`undefined`) that it closed. */
  onClose(): Promise<void> {
    this.stop?.();
    this.stop = undefined;
    this.notify(undefined);
    return Promise.resolve();
  }

  resolveBooleanEvaluation(flagKey: string, defaultValue: boolean): ResolutionDetails<boolean> {
    return this.resolve(flagKey, 'boolean', defaultValue);
  }

  resolveStringEvaluation(flagKey: string, defaultValue: string): ResolutionDetails<string> {
    return this.resolve(flagKey, 'string', defaultValue);
  }

  resolveNumberEvaluation(flagKey: string, defaultValue: number): ResolutionDetails<number> {
    return this.resolve(flagKey, 'number', defaultValue);
  }

  resolveObjectEvaluation<T extends JsonValue>(flagKey: string, defaultValue: T): ResolutionDetails<T> {
    return this.resolve(flagKey, 'object', defaultValue);
  }

  private resolve<T extends FlagValue>(
    flagKey: string,
    type: FlagType,
    defaultValue: T,
  ): ResolutionDetails<T> {
    if (!this.payload) return { value: defaultValue, reason: StandardResolutionReasons.DEFAULT };
    // Own keys only: `flags.constructor` or `flags.toString` would otherwise be Object.prototype's.
    const result = own(this.payload.flags, flagKey);
    if (!result) {
      return {
        value: defaultValue,
        reason: StandardResolutionReasons.ERROR,
        errorCode: ErrorCode.FLAG_NOT_FOUND,
        errorMessage: `flag "${flagKey}" is not in the widget's flags payload: add it to the flags the tool handler evaluates`,
      };
    }
    const { value, variant, reason, errorCode } = result;
    const flagMetadata = result.flagMetadata ?? {};
    if (errorCode) {
      return {
        value: defaultValue,
        reason: StandardResolutionReasons.ERROR,
        errorCode: errorCode as ErrorCode,
        errorMessage: `flag "${flagKey}" failed to evaluate on the server (${errorCode})`,
        flagMetadata,
      };
    }
    // No value: the caller's default applies (a disabled flag keeps its reason, `DISABLED`).
    if (value === undefined) return { value: defaultValue, reason, variant, flagMetadata };
    const actual = typeOf(value);
    if (actual !== type && !(type === 'object' && actual === 'array')) {
      return {
        value: defaultValue,
        reason: StandardResolutionReasons.ERROR,
        errorCode: ErrorCode.TYPE_MISMATCH,
        errorMessage: `flag "${flagKey}" is a ${actual} flag, not ${type}`,
        flagMetadata,
      };
    }
    return { value: value as T, reason, variant, flagMetadata };
  }

  private listen(): void {
    if (this.stop || typeof window === 'undefined') return;
    const onGlobals = (event: Event) => {
      const globals: Partial<OpenAiHost> =
        (event as CustomEvent<SetGlobalsEventDetail>).detail?.globals ?? openAiHost() ?? {};
      if (this.options.persistToWidgetState && 'widgetState' in globals) {
        // The app replaced its state without our key (or with an older payload): put ours back.
        if (!this.accept(findWidgetFlagsPayload(globals.widgetState), true) && this.payload)
          this.persist(this.payload);
      }
      if ('toolResponseMetadata' in globals)
        this.accept(findWidgetFlagsPayload(globals.toolResponseMetadata));
    };
    const onMessage = (event: MessageEvent) => {
      // Only the host (the parent frame, at hostOrigin if pinned) delivers tool results.
      const data: unknown = event.data;
      if (event.source !== window.parent || !isRecord(data)) return;
      if (this.hostOrigin !== undefined && event.origin !== this.hostOrigin) return;
      if (data.jsonrpc === '2.0' && data.method === TOOL_RESULT_METHOD)
        this.accept(findWidgetFlagsPayload(data.params));
    };
    window.addEventListener(SET_GLOBALS_EVENT, onGlobals);
    window.addEventListener('message', onMessage);
    this.stop = () => {
      window.removeEventListener(SET_GLOBALS_EVENT, onGlobals);
      window.removeEventListener('message', onMessage);
    };
  }

  private accept(next: WidgetFlagsPayload | undefined, fromWidgetState = false): boolean {
    if (!next) return false;
    const previous = this.payload;
    // The echo of our own write (`openai:set_globals` after setWidgetState): the payload we hold,
    // minus the live-refresh credentials that widget state never gets. Nothing to take.
    if (fromWidgetState && previous && sameJson(withoutCredentials(previous), next)) return true;
    // Older never replaces newer; an undated payload's age is unknown, so it counts as oldest.
    const previousAt = previous?.issuedAt;
    if (previousAt !== undefined && (next.issuedAt ?? Number.NEGATIVE_INFINITY) < previousAt) return false;
    this.payload = next;
    const before = previous?.flags ?? {};
    const flagsChanged = [...new Set([...Object.keys(before), ...Object.keys(next.flags)])].filter(
      (key) => !sameResult(own(before, key), own(next.flags, key)),
    );
    if (!fromWidgetState) this.persist(next);
    if (flagsChanged.length > 0) this.events.emit(ProviderEvents.ConfigurationChanged, { flagsChanged });
    this.onReady?.();
    this.notify(next);
    return true;
  }

  private notify(payload: WidgetFlagsPayload | undefined): void {
    for (const listener of this.listeners) {
      try {
        listener(payload);
      } catch {
        // A listener that throws must not break flag delivery.
      }
    }
  }

  private persist(payload: WidgetFlagsPayload): void {
    const host = openAiHost();
    if (!this.options.persistToWidgetState || typeof host?.setWidgetState !== 'function') return;
    // Merge into the app's own state: setWidgetState replaces the whole object.
    const state = isRecord(host.widgetState) ? host.widgetState : {};
    // Widget state is visible to the model: never the live-refresh credentials.
    const persisted = withoutCredentials(payload);
    if (sameJson(state[FLAGS_META_KEY], persisted)) return;
    try {
      Promise.resolve(host.setWidgetState({ ...state, [FLAGS_META_KEY]: persisted })).catch(() => {});
    } catch {
      // A host that refuses the write must not break flag evaluation.
    }
  }
}
