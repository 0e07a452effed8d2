/**
 * A tiny booking widget, bundled by esbuild (with the OpenFeature web SDK) for the browser tests.
 * It shows the layout variant and offers "Cancel booking" only while that release flag is on.
 */
import { OpenFeature, ProviderEvents } from '@openfeature/web-sdk';
import { WidgetFlagProvider } from '../../src/widget/index.js';

const query = new URLSearchParams(location.search);
const hostOrigin = query.get('hostOrigin');
const provider = new WidgetFlagProvider({
  persistToWidgetState: query.has('persist'),
  ...(hostOrigin === null ? {} : { hostOrigin }),
});
OpenFeature.setProvider(provider);
const client = OpenFeature.getClient();

function render(): void {
  const layout = client.getStringDetails('booking-layout', 'list');
  const canCancel = client.getBooleanValue('cancel-booking', false);
  const app = document.getElementById('app') as HTMLElement;
  app.replaceChildren();
  const heading = document.createElement('h1');
  heading.id = 'layout';
  heading.textContent = `Layout: ${layout.value}`;
  const status = document.createElement('p');
  status.id = 'status';
  status.textContent = client.providerStatus;
  app.append(heading, status);
  if (canCancel) {
    const button = document.createElement('button');
    button.id = 'cancel';
    button.textContent = 'Cancel booking';
    app.append(button);
  }
}

client.addHandler(ProviderEvents.Ready, render);
client.addHandler(ProviderEvents.ConfigurationChanged, render);
render();
(window as { ingestToolResult?: (result: unknown) => boolean }).ingestToolResult = (result) =>
  provider.ingest(result);
// Lets a test see that a message did arrive before it checks that the provider ignored it.
const seen = window as { messagesSeen?: number; hasPayload?: () => boolean };
seen.messagesSeen = 0;
window.addEventListener('message', () => {
  seen.messagesSeen = (seen.messagesSeen ?? 0) + 1;
});
seen.hasPayload = () => provider.currentPayload !== undefined;
