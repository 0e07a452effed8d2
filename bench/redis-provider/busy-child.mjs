// One busy process of the kill-switch-under-load benchmark (built packages; `pnpm bench` builds
// first): a provider evaluating flat out, and in the same process a bare Redis subscriber, so
// both see the same busy event loop.
//   node busy-child.mjs <redis-url> <flag-set> <flag-key> <bare-channel> <busy: 0|1>
// Sends {type:'ready'}, then {type:'value', value, at} for every bare message (value = message)
// and every PROVIDER_CONFIGURATION_CHANGED (value = `<reason>|<trial>` of the kill switch).
import { createRedisProvider } from '@ensign/redis-provider';
import { OpenFeature, ProviderEvents } from '@openfeature/server-sdk';
import { Redis } from 'ioredis';

const [url, flagSet, flagKey, channel, busy] = process.argv.slice(2);
const now = () => performance.timeOrigin + performance.now();
const logger = { error: console.error, warn: console.warn, info: () => {}, debug: () => {} };
const provider = createRedisProvider({ url, flagSet, initTimeoutMs: 60_000, logger });
await OpenFeature.setProviderAndWait(provider);
const client = OpenFeature.getClient();
const context = { targetingKey: 'bench-user', tier: 'pro' };
client.addHandler(ProviderEvents.ConfigurationChanged, async () => {
  const details = await client.getBooleanDetails(flagKey, false, context);
  process.send({ type: 'value', value: `${details.reason}|${details.flagMetadata?.trial}`, at: now() });
});
const subscriber = new Redis(url);
subscriber.on('message', (_channel, message) => process.send({ type: 'value', value: message, at: now() }));
await subscriber.subscribe(channel);

let running = busy === '1';
(async () => {
  while (running) {
    // Evaluations in batches; between batches the event loop serves I/O, as an app's would.
    for (let i = 0; i < 200; i++) await client.getBooleanValue(flagKey, false, context);
    await new Promise((resolve) => setImmediate(resolve));
  }
})();

process.on('message', async (message) => {
  if (message?.type !== 'close') return;
  running = false;
  await subscriber.quit();
  await OpenFeature.close();
  process.disconnect();
});
process.send({ type: 'ready' });
