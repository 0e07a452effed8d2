/**
 * The peer of the latency run, bundled by esbuild for Chromium: the standard
 * `@openfeature/ofrep-web-provider` 0.4.3 (SSE change detection, no polling) with the same kind of
 * widget token, showing the same flag. Query: `server` (base URL), `token`.
 */
import { OFREPWebProvider } from '@openfeature/ofrep-web-provider';
import { OpenFeature, ProviderEvents } from '@openfeature/web-sdk';

const params = new URLSearchParams(location.search);
const provider = new OFREPWebProvider({
  baseUrl: params.get('server') ?? '',
  headers: [['Authorization', `Bearer ${params.get('token') ?? ''}`]],
  changeDetection: 'sse',
  pollInterval: 0,
  cacheMode: 'disabled',
});
const client = OpenFeature.getClient();
const render = () => {
  const element = document.getElementById('cancel');
  if (element) element.textContent = String(client.getBooleanValue('cancel-booking', false));
};
client.addHandler(ProviderEvents.ConfigurationChanged, render);
void OpenFeature.setProviderAndWait(provider).then(render);
