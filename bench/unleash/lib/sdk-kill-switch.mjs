/**
 * Kill switch → Unleash's Node SDK, run as its own process on the Node 22 binary (the SDK beside
 * the server on the Node they support): `clients` SDK instances poll `/api/client/features` every
 * `refreshMs`; each trial turns the kill switch off (then on, alternately) through the admin API
 * and times, from the moment the write is sent, until each instance's `isEnabled` shows the new
 * state. The write and the clients share this process's clock.
 *
 * Usage: node sdk-kill-switch.mjs '{"url":…,"adminToken":…,"backendToken":…,"clients":10,"trials":20,"refreshMs":1000}'
 * Prints one line of JSON: { "seenMs": [...], "timeouts": n }.
 */
import { InMemStorageProvider, Unleash } from 'unleash-client';
import { KILL_TOGGLE, adminApi, flipKill } from './toggles.mjs';

const options = JSON.parse(process.argv[2]);
const call = adminApi(options.url, options.adminToken);
const trialTimeoutMs = Math.max(30_000, options.refreshMs * 4);

const clients = Array.from(
  { length: options.clients },
  (_, i) =>
    new Unleash({
      url: `${options.url}/api/`,
      appName: `ensign-bench-${i}`,
      instanceId: `ensign-bench-${process.pid}-${i}`,
      refreshInterval: options.refreshMs,
      // Metrics go to another endpoint every minute; they do not change what is measured here.
      disableMetrics: true,
      customHeaders: { Authorization: options.backendToken },
      // No backup file in the system's temporary folder.
      storageProvider: new InMemStorageProvider(),
      skipInstanceCountWarning: true,
    }),
);
await Promise.all(clients.map((client) => new Promise((resolve) => client.once('synchronized', resolve))));

/** Resolves with the time each client shows `enabled`, or `undefined` after the timeout. */
function whenShown(client, enabled) {
  return new Promise((resolve) => {
    if (client.isEnabled(KILL_TOGGLE) === enabled) return resolve(performance.now());
    const onChanged = () => {
      if (client.isEnabled(KILL_TOGGLE) !== enabled) return;
      clearTimeout(timer);
      client.off('changed', onChanged);
      resolve(performance.now());
    };
    const timer = setTimeout(() => {
      client.off('changed', onChanged);
      resolve(undefined);
    }, trialTimeoutMs);
    client.on('changed', onChanged);
  });
}

const seenMs = [];
let timeouts = 0;
let enabled = clients[0].isEnabled(KILL_TOGGLE);
try {
  for (let trial = 0; trial < options.trials; trial++) {
    // A random pause of up to one polling period: otherwise every write would follow the poll
    // that saw the previous one by the same few ms, and the delay would always be nearly a full
    // period. Real writes come at any moment of the clients' polling cycle.
    await new Promise((resolve) => setTimeout(resolve, Math.random() * options.refreshMs));
    enabled = !enabled;
    const seen = Promise.all(clients.map((client) => whenShown(client, enabled)));
    const started = performance.now();
    await flipKill(call, enabled ? 'ENABLED' : 'DISABLED');
    for (const at of await seen) {
      if (at === undefined) timeouts++;
      else seenMs.push(at - started);
    }
  }
} finally {
  // Leave the kill switch on, as the next run expects it.
  if (!enabled) await flipKill(call, 'ENABLED');
  for (const client of clients) client.destroy();
}
process.stdout.write(`${JSON.stringify({ seenMs, timeouts })}\n`);
