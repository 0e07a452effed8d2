/**
 * The role × route matrix, derived from the router itself: every route the server registered
 * (admin API, OFREP, webhooks, health, whatever is added later) is called with no token, a bogus
 * token and a token of every role (and a widget token), and each answer is held to the roles
 * table of the issue, written out here on its own: what a role may do it gets past
 * authentication; what it may not is refused (401 without a valid token, 403 otherwise), and a
 * refused request never touches the flag store.
 */
import { request } from 'node:http';
import type { FlagStore } from '@ensign/store';
import { MemoryFlagStore } from '@ensign/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Permission, type RouteAccess, mintWidgetToken, routeAccess } from '../src/index.js';
import { production, staging } from './admin/fixtures.js';
import { type TestServer, quiet, startServer } from './support/server.js';

const IN_SCOPE = 'fitness-staging';
const OUT_OF_SCOPE = 'fitness-production';
const SECRET = 'w'.repeat(40);

type Caller = 'admin' | 'editor' | 'viewer' | 'server' | 'client' | 'widget';

/** The table: admin everything; editor writes its sets; viewer reads; evaluation tokens evaluate. */
const MAY: Readonly<Record<Caller, readonly Permission[]>> = {
  admin: ['read', 'write', 'admin'],
  editor: ['read', 'write'],
  viewer: ['read'],
  server: ['evaluate', 'evaluate-bulk'],
  client: ['evaluate-bulk'],
  widget: ['evaluate-bulk'],
};

function expectedAllowed(caller: Caller, route: RouteAccess, set: string | undefined): boolean {
  if (route.permission === 'public') return true;
  if (route.permission === undefined || !MAY[caller].includes(route.permission)) return false;
  // An editor writes only the sets it is scoped to.
  return !(caller === 'editor' && route.permission === 'write' && set !== undefined && set !== IN_SCOPE);
}

/** Counts every call into the flag store. */
function counting(inner: FlagStore): { store: FlagStore; calls: () => number } {
  let calls = 0;
  const store = new Proxy(inner, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls++;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { store, calls: () => calls };
}

let t: TestServer;
let counted: ReturnType<typeof counting>;
let tokens: Record<Caller, string>;
let routes: readonly RouteAccess[];

beforeAll(async () => {
  counted = counting(
    new MemoryFlagStore({ flagSets: { [IN_SCOPE]: staging(), [OUT_OF_SCOPE]: production() }, logger: quiet }),
  );
  t = await startServer(
    { [IN_SCOPE]: staging() },
    { store: counted.store, widgetSecret: SECRET, flagSets: [IN_SCOPE, OUT_OF_SCOPE] },
  );
  const widget = mintWidgetToken({
    secret: SECRET,
    flagSet: IN_SCOPE,
    flags: ['new-checkout'],
    context: { targetingKey: 'u1' },
  });
  tokens = { ...t.tokens, widget };
  routes = routeAccess(t.server.app);
});
afterAll(async () => t?.close());

/** The concrete calls of a route: one per flag set when it names one. */
function instances(route: RouteAccess): { path: string; set: string | undefined }[] {
  const names = [...route.url.matchAll(/:(\w+)/g)].map((m) => m[1]!);
  const sets = names.includes(route.flagSetParam) ? [IN_SCOPE, OUT_OF_SCOPE] : [undefined];
  return sets.map((set) => ({
    set,
    path: route.url.replace(/:(\w+)/g, (_, name: string) =>
      name === route.flagSetParam
        ? set!
        : name === 'key'
          ? 'new-checkout'
          : name === 'id'
            ? 'tok_0000000000000000'
            : 'x',
    ),
  }));
}

/**
 * No answer within this time: the request is being served (a refusal is answered at once, by
 * the auth hook). Refusals get far longer, so a loaded machine cannot turn one into a pass.
 */
const STILL_OPEN_MS = { allowed: 1_500, refused: 15_000 } as const;

/**
 * Sends a request on a connection of its own and reads only the status, then drops the
 * connection (an event stream never ends by itself). `'open'` when no answer came within
 * `STILL_OPEN_MS`: authentication let it through, since the auth hook answers every refusal
 * before any handler runs (a `HEAD` of an event stream, for instance, is held open).
 */
function status(
  method: string,
  path: string,
  token: string | undefined,
  expect: keyof typeof STILL_OPEN_MS,
): Promise<number | 'open'> {
  const withBody = method === 'POST' || method === 'PUT' || method === 'PATCH';
  return new Promise((resolve, reject) => {
    const req = request(
      `${t.url}${path}`,
      {
        method,
        agent: false,
        headers: {
          ...(token !== undefined && { authorization: `Bearer ${token}` }),
          ...(withBody && { 'content-type': 'application/json' }),
        },
      },
      (res) => {
        clearTimeout(timer);
        resolve(res.statusCode!);
        res.destroy();
      },
    );
    const timer = setTimeout(() => {
      resolve('open');
      req.destroy();
    }, STILL_OPEN_MS[expect]);
    req.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    req.end(withBody ? '{}' : undefined);
  });
}

describe('role × route matrix', () => {
  it('reads every route from the router, each declaring a permission', () => {
    expect(routes.length).toBeGreaterThan(20);
    const undeclared = routes.filter((r) => r.permission === undefined).map((r) => `${r.method} ${r.url}`);
    expect(undeclared).toEqual([]);
    // The admin API and OFREP are among them, so the matrix below covers them.
    const urls = new Set(routes.map((r) => `${r.method} ${r.url}`));
    for (const route of [
      'POST /api/v1/flag-sets/:set/flags/:key/kill',
      'GET /api/v1/tokens',
      'POST /ofrep/v1/evaluate/flags',
    ]) {
      expect(urls, route).toContain(route);
    }
  });

  it('declares what each kind of route implies: changes need write or admin, tokens admin, OFREP evaluate', () => {
    const wrong: string[] = [];
    for (const route of routes) {
      const name = `${route.method} ${route.url}`;
      const unsafe = !['GET', 'HEAD', 'OPTIONS'].includes(route.method);
      let fits: boolean;
      if (route.method === 'OPTIONS' || ['/healthz', '/readyz', '/api/v1/openapi.json'].includes(route.url)) {
        fits = route.permission === 'public';
      } else if (route.url === '/metrics') {
        // Metrics name sets and flags, so they need a token: any that may read the flags.
        fits = route.permission === 'read';
      } else if (route.url.startsWith('/api/v1/tokens')) {
        fits = route.permission === 'admin';
      } else if (route.url.startsWith('/api/v1/')) {
        fits = unsafe
          ? route.permission === 'write' || route.permission === 'admin'
          : route.permission === 'read' || route.permission === 'admin';
      } else if (route.url === '/ofrep/v1/evaluate/flags/:key') {
        fits = route.permission === 'evaluate';
      } else if (route.url.startsWith('/ofrep/v1/')) {
        fits = route.permission === 'evaluate-bulk';
      } else {
        fits = false;
      }
      if (!fits) wrong.push(`${name}: ${route.permission}`);
    }
    expect(wrong).toEqual([]);
  });

  it('refuses what a role may not do (401 without a valid token, 403 with one) without touching the store', async () => {
    const failures: string[] = [];
    let refused = 0;
    for (const route of routes) {
      for (const { path, set } of instances(route)) {
        const before = counted.calls();
        if (route.permission !== 'public') {
          for (const [who, token] of [
            ['no token', undefined],
            ['bogus token', `ens_admin_${'x'.repeat(32)}`],
          ] as const) {
            const got = await status(route.method, path, token, 'refused');
            if (got !== 401) failures.push(`${route.method} ${path} with ${who}: ${got}, expected 401`);
            refused++;
          }
        }
        for (const caller of Object.keys(MAY) as Caller[]) {
          if (expectedAllowed(caller, route, set)) continue;
          const got = await status(route.method, path, tokens[caller], 'refused');
          if (got !== 403) failures.push(`${route.method} ${path} as ${caller}: ${got}, expected 403`);
          refused++;
        }
        if (counted.calls() !== before)
          failures.push(`${route.method} ${path}: a refused request touched the store`);
      }
    }
    expect(failures).toEqual([]);
    expect(refused).toBeGreaterThan(100);
  });

  it('lets every role do what it may (never 401 or 403), and nothing else answers 5xx', async () => {
    const failures: string[] = [];
    let allowed = 0;
    for (const route of routes) {
      for (const { path, set } of instances(route)) {
        const callers = route.permission === 'public' ? [undefined] : (Object.keys(MAY) as Caller[]);
        for (const caller of callers) {
          if (caller !== undefined && !expectedAllowed(caller, route, set)) continue;
          const got = await status(
            route.method,
            path,
            caller === undefined ? undefined : tokens[caller],
            'allowed',
          );
          if (got === 401 || got === 403 || (got !== 'open' && got >= 500)) {
            failures.push(
              `${route.method} ${path} as ${caller ?? 'anyone'}: ${got}, expected to pass authentication`,
            );
          }
          allowed++;
        }
      }
    }
    expect(failures).toEqual([]);
    expect(allowed).toBeGreaterThan(50);
  });
});
