/**
 * The admin API under random input (fast-check): random routes, flag sets, flag keys, tokens,
 * preconditions, content types and bodies. Bodies are mostly near-valid for their route (so that
 * requests get past the schemas into validation, intents and the store, and many succeed) and
 * otherwise random JSON, unknown fields, malformed JSON, deep nesting or oversized. Whatever comes
 * in, the server never answers 5xx, and a 4xx leaves every flag set exactly as it was.
 */
import { flagEtag, own } from '@ensign/store';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routeAccess } from '../src/index.js';
import { production, staging } from './admin/fixtures.js';
import { type TestServer, startServer } from './support/server.js';

const S = 'fitness-staging';
const P = 'fitness-production';
/** Runs: about ten seconds on the 2-core CI machine. */
const RUNS = 800;
const SET_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

let t: TestServer;
let templates: { method: string; url: string }[];
const statuses = new Map<number, number>();
let writes = 0;
let runs = 0;

beforeAll(async () => {
  t = await startServer({ [S]: staging(), [P]: production() }, { flagSets: [S, P], rateLimit: 100_000 });
  templates = routeAccess(t.server.app)
    .filter((r) => r.url.startsWith('/api/v1/') && r.url !== '/api/v1/openapi.json' && r.method !== 'HEAD')
    .map(({ method, url }) => ({ method, url }));
});
afterAll(async () => t?.close());

/** Every set a request could have touched, as the store holds it now. */
async function snapshot(extra: string): Promise<string> {
  const ids = [S, P, ...(SET_ID.test(extra) ? [extra] : [])];
  const loaded = await Promise.all(ids.map((id) => t.store.load(id)));
  return JSON.stringify(loaded.map((s) => [s.flagSet, s.version, s.document]));
}

// Names: mostly ones that exist, sometimes anything.
const keys = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom('new-checkout', 'bookings-enabled', 'layout', 'fresh-flag') },
  { weight: 1, arbitrary: fc.constantFrom('__proto__', 'constructor', 'k'.repeat(256), 'a/b c', '') },
  { weight: 1, arbitrary: fc.string({ maxLength: 300, unit: 'grapheme' }) },
);
const sets = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(S, P) },
  { weight: 1, arbitrary: fc.constantFrom('fitness-new', 'nope', '{tag}', '.dot') },
  { weight: 1, arbitrary: fc.string({ maxLength: 140 }) },
);
const variantNames = fc.constantFrom('on', 'off', 'list', 'grid', 'cards', 'nope');
const rules = fc.constantFrom(
  {
    fractional: [
      ['on', 50],
      ['off', 50],
    ],
  },
  { if: [{ $ref: 'beta-testers' }, 'on', null] },
  {
    if: [
      { in: [{ var: 'targetingKey' }, ['a']] },
      'on',
      {
        fractional: [
          ['on', 1],
          ['off', 9],
        ],
      },
    ],
  },
  { no_such_operator: [1] },
  { $ref: 'missing' },
  {},
);
const flags = fc.record(
  {
    state: fc.constantFrom('ENABLED', 'DISABLED'),
    variants: fc.constantFrom(
      { on: true, off: false },
      { list: 'list', grid: 'grid', cards: 'cards' },
      { on: 1, off: 'x' },
      {},
    ),
    defaultVariant: fc.oneof(variantNames, fc.constant(null)),
    targeting: rules,
    metadata: fc.oneof(
      fc.constantFrom(
        { offVariant: 'off' },
        { killSwitchOffVariant: 'grid' },
        { killedAt: 'then' },
        { kind: 'release' },
      ),
      fc.dictionary(
        fc.string({ maxLength: 6 }),
        fc.oneof(fc.string({ maxLength: 6 }), fc.integer(), fc.boolean(), fc.constant(null)),
      ),
    ),
  },
  { requiredKeys: ['state', 'variants'] },
);
const patches = fc.record(
  {
    state: fc.constantFrom('ENABLED', 'DISABLED'),
    defaultVariant: fc.oneof(variantNames, fc.constant(null)),
    targeting: fc.oneof(rules, fc.constant(null)),
    metadata: fc.oneof(fc.constantFrom({ offVariant: 'off' }, { owner: 'x' }), fc.constant(null)),
  },
  { requiredKeys: [] },
);
const reason = fc.option(fc.string({ maxLength: 40 }), { nil: undefined });
const values = fc.array(fc.string({ maxLength: 8 }), { minLength: 1, maxLength: 4 });

/** A near-valid body for a route. */
function bodyFor(method: string, url: string): fc.Arbitrary<unknown> {
  if (url.endsWith('/:key') && method === 'PUT') return flags;
  if (url.endsWith('/:key') && method === 'PATCH') return patches;
  if (url === '/api/v1/flag-sets/:set' && method === 'PUT') {
    return fc.record(
      { flags: fc.dictionary(keys, flags, { maxKeys: 3 }), $evaluators: fc.constant(staging().$evaluators) },
      { requiredKeys: ['flags'] },
    );
  }
  if (url.endsWith('/revert'))
    return fc.record({ version: fc.integer({ min: -1, max: 40 }), reason }, { requiredKeys: ['version'] });
  if (url.endsWith('/kill') || url.endsWith('/restore')) return fc.record({ reason }, { requiredKeys: [] });
  if (url.endsWith('/rollout')) {
    return fc.record(
      {
        weights: fc.dictionary(variantNames, fc.integer({ min: -1, max: 2_200_000_000 }), { maxKeys: 3 }),
        reason,
      },
      { requiredKeys: ['weights'] },
    );
  }
  if (url.endsWith('/targeting')) {
    return fc.oneof(
      fc.record({ add: fc.record({ variant: variantNames, values }) }),
      fc.record({
        add: fc.record({ variant: variantNames, segment: fc.constantFrom('beta-testers', 'vips') }),
      }),
      fc.record({ remove: fc.record({ values, attribute: fc.constantFrom('targetingKey', 'email') }) }),
      fc.record({ remove: fc.record({ segment: fc.constantFrom('beta-testers', 'vips') }) }),
    );
  }
  if (url.endsWith('/promote')) {
    return fc.record(
      {
        from: sets,
        flags: fc.array(keys, { minLength: 1, maxLength: 3 }),
        dryRun: fc.boolean(),
        fromVersion: fc.integer({ min: 0, max: 40 }),
        reason,
      },
      { requiredKeys: ['from'] },
    );
  }
  if (url === '/api/v1/tokens') {
    return fc.record(
      {
        name: fc.string({ maxLength: 10 }),
        role: fc.constantFrom('admin', 'editor', 'viewer', 'server', 'client', 'root'),
        flagSets: fc.array(sets, { maxLength: 2 }),
      },
      { requiredKeys: ['name', 'role'] },
    );
  }
  return fc.jsonValue({ maxDepth: 3 });
}

const deep = `{"state":"ENABLED","variants":{"a":${'['.repeat(50_000)}${']'.repeat(50_000)}},"defaultVariant":"a"}`;
const huge = `{"reason":"${'r'.repeat(1_100_000)}"}`;
/** What becomes of the near-valid body: kept, or spoiled in one of many ways. */
const spoil = fc.oneof(
  { weight: 12, arbitrary: fc.constant((body: unknown) => JSON.stringify(body)) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((other) => () => JSON.stringify(other)) },
  {
    weight: 2,
    arbitrary: fc.tuple(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 1 })).map(
      ([field, value]) =>
        (body: unknown) =>
          JSON.stringify(typeof body === 'object' && body !== null ? { ...body, [field]: value } : body),
    ),
  },
  {
    weight: 1,
    arbitrary: fc
      .string({ maxLength: 20 })
      .map((tail) => (body: unknown) => `${JSON.stringify(body).slice(0, -1)}${tail}`),
  },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom(deep, huge, 'null', '[]', '"text"', '{"__proto__":{"polluted":true}}', '')
      .map((text) => () => text),
  },
);

interface Case {
  route: { method: string; url: string };
  set: string;
  key: string;
  who: 'admin' | 'editor' | 'viewer' | 'client' | 'none' | 'bogus';
  ifMatch: string | undefined;
  ifNoneMatch: string | undefined;
  contentType: string;
  query: string | undefined;
  text: string | undefined;
}

/** Routes of flags and sets come up three times as often as the others (deletes, tokens, webhooks). */
const routes = fc.nat().map((pick) => {
  const weighted = templates.flatMap((r) =>
    r.url.startsWith('/api/v1/flag-sets/') && r.method !== 'DELETE' ? [r, r, r] : [r],
  );
  return weighted[pick % weighted.length]!;
});

const cases = routes.chain((route) => {
  const hasBody = route.method !== 'GET' && route.method !== 'DELETE';
  return fc.record<Case>({
    route: fc.constant(route),
    set: sets,
    key: keys,
    who: fc.oneof(
      { weight: 12, arbitrary: fc.constant('admin' as const) },
      {
        weight: 1,
        arbitrary: fc.constantFrom(
          'editor' as const,
          'viewer' as const,
          'client' as const,
          'none' as const,
          'bogus' as const,
        ),
      },
    ),
    ifMatch: fc.oneof(
      { weight: 6, arbitrary: fc.constant('*') },
      { weight: 6, arbitrary: fc.constant('current') },
      { weight: 2, arbitrary: fc.constant(undefined) },
      { weight: 2, arbitrary: fc.constantFrom('"v1"', '"v3"', 'W/"x"', '"absent"', 'x, y') },
      { weight: 1, arbitrary: fc.string({ maxLength: 30 }) },
    ),
    ifNoneMatch: fc.oneof(
      { weight: 9, arbitrary: fc.constant(undefined) },
      { weight: 1, arbitrary: fc.constantFrom('*', 'x') },
    ),
    contentType: fc.oneof(
      { weight: 9, arbitrary: fc.constant('application/json') },
      {
        weight: 1,
        arbitrary: fc.constantFrom(
          'text/plain',
          'application/x-www-form-urlencoded',
          'application/merge-patch+json',
        ),
      },
    ),
    query: fc.oneof(
      { weight: 12, arbitrary: fc.constant(undefined) },
      { weight: 2, arbitrary: fc.constantFrom('reason=INC-1', 'limit=5', 'limit=0', 'reason=a&extra=1') },
      { weight: 1, arbitrary: fc.string({ maxLength: 30 }) },
    ),
    text: hasBody
      ? fc.tuple(bodyFor(route.method, route.url), spoil).map(([body, how]) => how(body))
      : fc.constant(undefined),
  });
});

/** The current ETag of the flag a request names (the common case of a client that read first). */
async function currentEtag(set: string, key: string): Promise<string> {
  const snapshot = await t.store.load(SET_ID.test(set) ? set : S);
  return flagEtag(own(snapshot.document.flags, key));
}

describe('admin API under random input', () => {
  it('never answers 5xx, and a 4xx changes no flag set', async () => {
    await fc.assert(
      fc.asyncProperty(cases, async (c) => {
        const path = c.route.url
          .replace(':set', encodeURIComponent(c.set))
          .replace(':key', encodeURIComponent(c.key))
          .replace(':id', encodeURIComponent(c.key));
        // Now and then the environments are put back, so deletes and imports of random flags do
        // not leave later requests nothing to work on.
        if (++runs % 50 === 0) {
          await t.store.replaceFlagSet(S, staging());
          await t.store.replaceFlagSet(P, production());
        }
        const before = await snapshot(c.set);
        let ifMatch = c.ifMatch;
        if (ifMatch === 'current') {
          ifMatch = c.route.url.includes(':key')
            ? await currentEtag(c.set, c.key)
            : `"v${SET_ID.test(c.set) ? await t.store.version(c.set) : 0}"`;
        }
        const token =
          c.who === 'none' ? undefined : c.who === 'bogus' ? `ens_admin_${'q'.repeat(32)}` : t.tokens[c.who];
        const headers: Record<string, string> = c.text === undefined ? {} : { 'content-type': c.contentType };
        if (ifMatch !== undefined && /^[\x20-\x7e]*$/.test(ifMatch)) headers['if-match'] = ifMatch;
        if (c.ifNoneMatch !== undefined) headers['if-none-match'] = c.ifNoneMatch;
        const answer = await t.call(c.route.method, `${path}${c.query === undefined ? '' : `?${c.query}`}`, {
          ...(token !== undefined && { token }),
          ...(c.text !== undefined && { body: c.text }),
          headers,
        });
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        if (answer.status < 300 && c.route.method !== 'GET') writes++;
        const where = `${c.route.method} ${path} as ${c.who}: ${answer.status} ${JSON.stringify(answer.body).slice(0, 300)}`;
        expect(answer.status, where).toBeLessThan(500);
        if (answer.status >= 400) {
          expect(await snapshot(c.set), `${where} changed the store`).toBe(before);
          expect(answer.headers.get('content-type'), where).toMatch(/^application\/problem\+json/);
        }
      }),
      { numRuns: RUNS },
    );
    // The inputs reached every layer: schemas (400), auth (401/403), preconditions (412/428),
    // validation (422), the intents and the store (409), and many writes succeeded.
    for (const status of [200, 400, 401, 403, 404, 409, 412, 422, 428]) {
      expect(statuses.get(status) ?? 0, `answers with status ${status}`).toBeGreaterThan(0);
    }
    expect(writes, 'successful writes').toBeGreaterThan(10);
  });
});
