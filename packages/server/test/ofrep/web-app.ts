/**
 * The browser page of `ofrep-browser.e2e.test.ts`, bundled with esbuild: a web app that reads its
 * flags through the OpenFeature web SDK and the real `@openfeature/ofrep-web-provider`, from an
 * Ensign server on another origin, with SSE change detection and no polling. It shows the flags
 * in the DOM and records every request the provider makes (through its `fetchImplementation`).
 * Query: `server` (base URL), `token`, optional `tier`.
 */
import { OFREPWebProvider } from '@openfeature/ofrep-web-provider';
import { OpenFeature, ProviderEvents } from '@openfeature/web-sdk';

/** One request the provider made. */
export interface RecordedRequest {
  readonly url: string;
  readonly status: number;
  readonly ifNoneMatch: string | null;
  readonly etag: string | null;
}

/** What the test reads from the page. */
export interface PageState {
  status: 'starting' | 'ready' | 'error';
  error?: string;
  requests: RecordedRequest[];
  changes: number;
}

const params = new URLSearchParams(location.search);
const state: PageState = { status: 'starting', requests: [], changes: 0 };
(window as unknown as { ofrep: PageState }).ofrep = state;

const provider = new OFREPWebProvider({
  baseUrl: params.get('server') ?? '',
  headers: [['Authorization', `Bearer ${params.get('token') ?? ''}`]],
  changeDetection: 'sse',
  pollInterval: 0,
  cacheMode: 'disabled',
  fetchImplementation: async (input, init) => {
    const request = new Request(input, init);
    const response = await fetch(request);
    state.requests.push({
      url: request.url,
      status: response.status,
      ifNoneMatch: request.headers.get('if-none-match'),
      etag: response.headers.get('etag'),
    });
    return response;
  },
});

const client = OpenFeature.getClient();
function render(): void {
  const text = (id: string, value: string) => {
    const element = document.getElementById(id);
    if (element) element.textContent = value;
  };
  text('kill-cart', String(client.getBooleanValue('kill-cart', false)));
  text('layout', client.getStringValue('checkout-layout', 'none'));
  text('keys', Object.keys(provider.flagCache).sort().join(','));
}

client.addHandler(ProviderEvents.ConfigurationChanged, () => {
  state.changes++;
  render();
});
OpenFeature.setProviderAndWait(provider, { targetingKey: 'user-1', tier: params.get('tier') ?? 'pro' }).then(
  () => {
    state.status = 'ready';
    render();
  },
  (error: unknown) => {
    state.status = 'error';
    state.error = String(error);
  },
);
