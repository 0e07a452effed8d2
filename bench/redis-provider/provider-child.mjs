// One provider process of the propagation benchmark (built packages; `pnpm bench` builds first).
//   node provider-child.mjs <redis-url> <flag-set> <flag-key>
// Sends {type:'ready'} once initialised, then {type:'value', value, at} after every
// PROVIDER_CONFIGURATION_CHANGED, `at` being `performance.timeOrigin + performance.now()`.
import { createRedisProvider } from '@ensign/redis-provider';
import { OpenFeature, ProviderEvents } from '@openfeature/server-sdk';

const [url, flagSet, flagKey] = process.argv.slice(2);
const logger = { error: console.error, warn: console.warn, info: () => {}, debug: () => {} };
const provider = createRedisProvider({ url, flagSet, initTimeoutMs: 60_000, logger });
await OpenFeature.setProviderAndWait(provider);
const client = OpenFeature.getClient();
client.addHandler(ProviderEvents.ConfigurationChanged, async () => {
  const value = await client.getStringValue(flagKey, '<default>');
  process.send({ type: 'value', value, at: performance.timeOrigin + performance.now() });
});
process.on('message', async (message) => {
  if (message?.type !== 'close') return;
  await OpenFeature.close();
  process.disconnect();
});
process.send({ type: 'ready' });
