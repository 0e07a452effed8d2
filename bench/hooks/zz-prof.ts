import { throughput } from '../support/measure.js';
const USERS = 10_000;
const keys = Array.from({ length: USERS }, (_, i) => `user-${i}`);
for (let r = 0; r < 3; r++) {
  const m = new Map<string, Map<string, number>>(); for (let i = 0; i < USERS; i++) m.set(keys[i]!, new Map([['checkout-exp', i]]));
  const touch = throughput((i) => { const k = keys[i % USERS]!; const v = m.get(k)!; m.delete(k); m.set(k, v); return v.get('checkout-exp'); });
  const noTouch = throughput((i) => m.get(keys[i % USERS]!)!.get('checkout-exp'));
  const fresh = throughput((i) => m.get(`user-${i % USERS}`)!.get('checkout-exp'));
  console.log('touch', (1e6 / touch).toFixed(3), 'us; no touch', (1e6 / noTouch).toFixed(3), 'fresh tk string', (1e6 / fresh).toFixed(3));
}
