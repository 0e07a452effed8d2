// The physical limit of the propagation benchmark: a bare Redis subscriber in its own process.
//   node subscriber-child.mjs <redis-url> <channel>
// Sends {type:'ready'} once subscribed, then {type:'value', value, at} per message.
import { Redis } from 'ioredis';

const [url, channel] = process.argv.slice(2);
const redis = new Redis(url);
redis.on('error', (error) => console.error('subscriber-child:', error.message));
redis.on('message', (_channel, message) => {
  process.send({ type: 'value', value: message, at: performance.timeOrigin + performance.now() });
});
await redis.subscribe(channel);
process.on('message', async (message) => {
  if (message?.type !== 'close') return;
  await redis.quit();
  process.disconnect();
});
process.send({ type: 'ready' });
