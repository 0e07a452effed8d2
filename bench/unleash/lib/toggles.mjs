/**
 * The 100 toggles Unleash serves, created through its admin API, and the calls the benchmark
 * makes on it. The mix mirrors Ensign's benchmark set (`bench/server/shape.ts`: a third static,
 * a third targeted on an attribute, a third split by user, one string flag, one kill switch),
 * in Unleash's terms, with user-id lists and gradual rollouts among them.
 */
import { createHash } from 'node:crypto';

export const TOGGLE_COUNT = 100;
/** The toggle the kill-switch run turns off and on again (in `development`). */
export const KILL_TOGGLE = 'kill-switch';
export const PROJECT = 'default';
/** Open-source Unleash has `development` and `production`; tokens and strategies use the first. */
export const ENVIRONMENT = 'development';

const BETA_USERS = Array.from({ length: 25 }, (_, i) => `user-${i + 1}`);

/** The strategy of one toggle, or `undefined` for a toggle that is off in the environment. */
function definitionAt(i) {
  const name = `flag-${i}`;
  const rollout = (percent, extra = {}) => ({
    name: 'flexibleRollout',
    constraints: [],
    parameters: { rollout: String(percent), stickiness: 'default', groupId: name },
    ...extra,
  });
  switch (i % 6) {
    case 0:
    case 3:
      // Static: on for everyone, or off (ours: a static boolean, half of them false).
      return { name, type: 'release', strategy: i % 2 ? rollout(100) : undefined };
    case 1:
      // Targeted on an attribute (ours: tier in [pro, business]).
      return {
        name,
        type: 'release',
        strategy: rollout(100, {
          constraints: [{ contextName: 'tier', operator: 'IN', values: ['pro', 'business'] }],
        }),
      };
    case 4:
      // A beta list of user ids.
      return {
        name,
        type: 'release',
        strategy: rollout(100, {
          constraints: [{ contextName: 'userId', operator: 'IN', values: BETA_USERS }],
        }),
      };
    case 2:
      // A gradual rollout to half the users.
      return { name, type: 'release', strategy: rollout(50) };
    default: {
      // An experiment: everyone, split 50/50 between two string variants (ours: fractional 50/50).
      const variant = (value) => ({
        name: value,
        weight: 500,
        weightType: 'variable',
        stickiness: 'default',
        payload: { type: 'string', value },
      });
      return {
        name,
        type: 'experiment',
        strategy: rollout(100, { variants: [variant('control'), variant('treatment')] }),
      };
    }
  }
}

/** Every toggle: 98 of the mix, a string flag, the kill switch. */
export function toggleDefinitions() {
  const out = Array.from({ length: TOGGLE_COUNT - 2 }, (_, i) => definitionAt(i));
  out.push({
    name: 'bench-flag',
    type: 'operational',
    strategy: {
      name: 'flexibleRollout',
      constraints: [],
      parameters: { rollout: '100', stickiness: 'default', groupId: 'bench-flag' },
      variants: [
        {
          name: 'v0',
          weight: 1000,
          weightType: 'variable',
          stickiness: 'default',
          payload: { type: 'string', value: 'v0' },
        },
      ],
    },
  });
  out.push({
    name: KILL_TOGGLE,
    type: 'kill-switch',
    strategy: {
      name: 'flexibleRollout',
      constraints: [],
      parameters: { rollout: '100', stickiness: 'default', groupId: KILL_TOGGLE },
    },
  });
  return out;
}

/**
 * The toggles that must be in the frontend API's answer for `context` (all but the percentage
 * rollouts, which depend on hashing): how the harness knows the answer is complete.
 */
export function certainToggles(context) {
  const userId = context.targetingKey ?? context.userId;
  return toggleDefinitions()
    .filter(({ strategy }) => {
      if (!strategy || strategy.parameters.rollout !== '100') return false;
      return strategy.constraints.every((c) => {
        const value = c.contextName === 'userId' ? userId : context[c.contextName];
        return c.operator === 'IN' && c.values.includes(value);
      });
    })
    .map(({ name }) => name);
}

/** Marks the toggles of this exact mix, so that a kept database is re-seeded only when it changed. */
const MARK = `ensign bench ${createHash('sha256').update(JSON.stringify(toggleDefinitions())).digest('hex').slice(0, 12)}`;

/** A small client of Unleash's admin API. */
export function adminApi(baseUrl, token) {
  return async function call(method, path, body) {
    const response = await fetch(`${baseUrl}/api/admin${path}`, {
      method,
      headers: { authorization: token, ...(body !== undefined && { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok)
      throw new Error(`${method} /api/admin${path}: HTTP ${response.status} ${text.slice(0, 300)}`);
    return text ? JSON.parse(text) : undefined;
  };
}

/** Runs `fn` over `items`, `limit` at a time (the admin API writes to PostgreSQL each time). */
async function eachLimited(items, limit, fn) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: limit }, worker));
}

/**
 * Makes the project hold exactly {@link toggleDefinitions}, the kill switch on. Reuses toggles a
 * previous run created (same mark); otherwise archives and deletes whatever is there and creates
 * them (about 300 admin calls). Returns whether it had to create them.
 */
export async function seedToggles(call) {
  const { features } = await call('GET', `/projects/${PROJECT}/features`);
  const ours = features.filter((f) => f.description === MARK);
  if (ours.length === TOGGLE_COUNT && features.length === TOGGLE_COUNT) {
    await call('POST', `/projects/${PROJECT}/features/${KILL_TOGGLE}/environments/${ENVIRONMENT}/on`);
    return false;
  }
  await eachLimited(features, 4, (f) => call('DELETE', `/projects/${PROJECT}/features/${f.name}`));
  // Archived names still count as taken; search answers 50 at a time, so delete until none is left.
  for (;;) {
    const archived = await call('GET', `/search/features?project=IS:${PROJECT}&archived=IS:true&limit=50`);
    if (!archived.features?.length) break;
    await eachLimited(archived.features, 4, (f) => call('DELETE', `/archive/${f.name}`));
  }
  await eachLimited(toggleDefinitions(), 4, async (t) => {
    await call('POST', `/projects/${PROJECT}/features`, { name: t.name, type: t.type, description: MARK });
    if (!t.strategy) return;
    const env = `/projects/${PROJECT}/features/${t.name}/environments/${ENVIRONMENT}`;
    await call('POST', `${env}/strategies`, t.strategy);
    await call('POST', `${env}/on`);
  });
  return true;
}

/** A new API token of `type` (`frontend` or `backend`) for the environment. */
export async function createToken(call, type) {
  const token = await call('POST', '/api-tokens', {
    tokenName: `ensign-bench-${type}-${Date.now()}`,
    type,
    environment: ENVIRONMENT,
    projects: ['*'],
  });
  return token.secret;
}

/** Turns the kill switch off (`DISABLED`) or on again (`ENABLED`): the admin API's environment toggle. */
export function flipKill(call, state) {
  const action = state === 'DISABLED' ? 'off' : 'on';
  return call('POST', `/projects/${PROJECT}/features/${KILL_TOGGLE}/environments/${ENVIRONMENT}/${action}`);
}

/**
 * The frontend API request for one OpenFeature-style context: `targetingKey` is Unleash's
 * `userId`; other fields become properties (the frontend API moves unknown query fields there).
 */
export function frontendPath(context) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(context))
    query.set(key === 'targetingKey' ? 'userId' : key, String(value));
  return `/api/frontend?${query}`;
}
