import { request } from 'node:http';
/**
 * The OpenAPI document the server serves (`/api/v1/openapi.json`, generated from the route
 * schemas) against real responses: every operation in it is called, and every answer, success or
 * problem, must have a documented status and content type and a body valid against the
 * documented schema. Validation uses Ajv (JSON Schema 2020-12, the dialect of OpenAPI 3.1) with
 * ajv-formats, both taken from fastify's own dependency tree (`@fastify/ajv-compiler`), so the
 * server gains no dependency for this test.
 */
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintWidgetToken } from '../src/index.js';
import { enc, production, staging } from './admin/fixtures.js';
import { type TestServer, startServer } from './support/server.js';

interface Validator {
  (data: unknown): boolean;
  errors?: { instancePath: string; message?: string }[] | null;
}
interface Ajv {
  addSchema(schema: object, key: string): Ajv;
  compile(schema: object): Validator;
}

/** Ajv 2020 and ajv-formats, resolved through fastify → @fastify/ajv-compiler. */
function loadAjv(): Ajv {
  const fromServer = createRequire(import.meta.url);
  const fromCompiler = createRequire(
    createRequire(fromServer.resolve('fastify')).resolve('@fastify/ajv-compiler'),
  );
  const Ajv2020 = (fromCompiler('ajv/dist/2020') as { default: new (options: object) => Ajv }).default;
  const addFormats = (fromCompiler('ajv-formats') as { default: (ajv: Ajv) => void }).default;
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false });
  addFormats(ajv);
  return ajv;
}

interface Operation {
  responses: Record<string, { content?: Record<string, { schema: object }> }>;
}
interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
}

const S = 'fitness-staging';
const P = 'fitness-production';
const SECRET = 'w'.repeat(40);
let t: TestServer;
let doc: OpenApiDocument;
let ajv: Ajv;
/** Every answer checked, as `METHOD /template STATUS`. */
const checked = new Set<string>();
const problems: string[] = [];

beforeAll(async () => {
  t = await startServer({ [S]: staging(), [P]: production() }, { flagSets: [S, P], widgetSecret: SECRET });
  const answer = await t.call('GET', '/api/v1/openapi.json');
  expect(answer.status).toBe(200);
  doc = answer.body as OpenApiDocument;
  ajv = loadAjv();
  ajv.addSchema(doc, 'openapi.json');
});
afterAll(async () => t?.close());

const segment = (text: string) => encodeURIComponent(text.replace(/~/g, '~0').replace(/\//g, '~1'));

/** A raw answer: status, media type, body text. Event streams are left after their headers. */
function send(
  method: string,
  path: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<{ status: number; type: string | undefined; text: string }> {
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const req = request(
      `${t.url}${path}`,
      {
        method,
        agent: false,
        headers: {
          ...(options.token !== undefined && { authorization: `Bearer ${options.token}` }),
          ...(payload !== undefined && { 'content-type': 'application/json' }),
          ...options.headers,
        },
      },
      (res) => {
        const type = res.headers['content-type']?.split(';')[0]?.trim();
        if (type === 'text/event-stream') {
          resolve({ status: res.statusCode!, type, text: '' });
          res.destroy();
          return;
        }
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode!, type, text }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/**
 * Calls `template` (an OpenAPI path) with `params` and checks the answer against the document.
 * Resolves the parsed body.
 */
async function call(
  method: string,
  template: string,
  params: Record<string, string>,
  options: { token?: string; body?: unknown; headers?: Record<string, string>; query?: string } = {},
): Promise<{ status: number; body: unknown }> {
  const path =
    template.replace(/\{(\w+)\}/g, (_, name: string) => enc(params[name] ?? 'x')) + (options.query ?? '');
  const answer = await send(method, path, options);
  const name = `${method} ${template} ${answer.status}`;
  checked.add(name);
  const operation = doc.paths[template]?.[method.toLowerCase()];
  if (!operation) {
    problems.push(`${name}: not in the document`);
    return { status: answer.status, body: undefined };
  }
  const key = [String(answer.status), `${String(answer.status)[0]}XX`, 'default'].find(
    (k) => operation.responses[k],
  );
  if (key === undefined) {
    problems.push(`${name}: status not documented`);
    return { status: answer.status, body: undefined };
  }
  const content = operation.responses[key]!.content;
  if (answer.text === '' && answer.type !== 'text/event-stream') {
    if (content !== undefined && Object.keys(content).length > 0 && answer.status !== 304) {
      problems.push(`${name}: empty body, but the document describes one`);
    }
    return { status: answer.status, body: undefined };
  }
  if (answer.type === undefined || content?.[answer.type] === undefined) {
    problems.push(`${name}: content type ${answer.type} not documented`);
    return { status: answer.status, body: undefined };
  }
  if (answer.type === 'text/event-stream') return { status: answer.status, body: undefined };
  const body = JSON.parse(answer.text) as unknown;
  const pointer = [
    'paths',
    template,
    method.toLowerCase(),
    'responses',
    key,
    'content',
    answer.type,
    'schema',
  ]
    .map(segment)
    .join('/');
  const validate = ajv.compile({ $ref: `openapi.json#/${pointer}` });
  if (!validate(body)) {
    problems.push(
      `${name}: ${validate.errors?.map((e) => `${e.instancePath || '/'} ${e.message}`).join('; ')} in ${answer.text.slice(0, 300)}`,
    );
  }
  return { status: answer.status, body };
}

const asAdmin = (extra: { body?: unknown; headers?: Record<string, string> } = {}) => ({
  token: t.tokens.admin,
  ...extra,
});
const flag = { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off' };

describe('the served OpenAPI document', () => {
  it('is OpenAPI 3.1 and documents every admin and OFREP operation', () => {
    expect(doc.openapi).toBe('3.1.0');
    for (const path of [
      '/api/v1/flag-sets/{set}/flags/{key}/kill',
      '/api/v1/tokens',
      '/ofrep/v1/evaluate/flags',
    ]) {
      expect(Object.keys(doc.paths)).toContain(path);
    }
  });

  it('matches real answers of the admin API: successes and problems', async () => {
    const F = '/api/v1/flag-sets/{set}/flags/{key}';
    const set = { set: S };
    const key = (k: string) => ({ set: S, key: k });
    // Flag sets.
    await call('GET', '/api/v1/flag-sets', {}, { token: t.tokens.viewer });
    await call('GET', '/api/v1/flag-sets/{set}', set, { token: t.tokens.viewer });
    await call('GET', '/api/v1/flag-sets/{set}', { set: 'nope' }, { token: t.tokens.viewer });
    await call(
      'PUT',
      '/api/v1/flag-sets/{set}',
      { set: 'openapi-new' },
      asAdmin({ body: staging(), headers: { 'if-none-match': '*' } }),
    );
    await call(
      'PUT',
      '/api/v1/flag-sets/{set}',
      { set: 'openapi-new' },
      asAdmin({ body: staging(), headers: { 'if-match': '"v1"' } }),
    );
    await call(
      'PUT',
      '/api/v1/flag-sets/{set}',
      { set: 'openapi-new' },
      asAdmin({ body: staging(), headers: { 'if-match': '"v1"' } }),
    );
    await call(
      'PUT',
      '/api/v1/flag-sets/{set}',
      { set: 'openapi-new' },
      asAdmin({ body: { flags: { a: { ...flag, defaultVariant: 'x' } } }, headers: { 'if-match': '*' } }),
    );
    await call(
      'PUT',
      '/api/v1/flag-sets/{set}',
      { set: 'openapi-new' },
      asAdmin({ body: { flags: {}, extra: 1 }, headers: { 'if-match': '*' } }),
    );
    await call('PUT', '/api/v1/flag-sets/{set}', { set: 'openapi-new' }, asAdmin({ body: staging() }));
    await call(
      'PUT',
      '/api/v1/flag-sets/{set}',
      { set: 'openapi-new' },
      asAdmin({
        body: { flags: {}, metadata: { pad: 'x'.repeat(1_100_000) } },
        headers: { 'if-match': '*' },
      }),
    );
    await call('GET', '/api/v1/flag-sets/{set}/history', set, { token: t.tokens.viewer });
    await call('GET', '/api/v1/flag-sets/{set}/history', { set: 'openapi-new' }, { token: t.tokens.viewer });
    await call(
      'POST',
      '/api/v1/flag-sets/{set}/revert',
      { set: 'openapi-new' },
      asAdmin({ body: { version: 1 }, headers: { 'if-match': '*' } }),
    );
    await call(
      'POST',
      '/api/v1/flag-sets/{set}/revert',
      { set: 'openapi-new' },
      asAdmin({ body: { version: 99 }, headers: { 'if-match': '*' } }),
    );
    await call(
      'POST',
      '/api/v1/flag-sets/{set}/promote',
      { set: P },
      asAdmin({ body: { from: S, dryRun: true } }),
    );
    await call(
      'POST',
      '/api/v1/flag-sets/{set}/promote',
      { set: P },
      asAdmin({ body: { from: S, flags: ['layout'] }, headers: { 'if-match': '"v1"' } }),
    );
    await call(
      'POST',
      '/api/v1/flag-sets/{set}/promote',
      { set: P },
      asAdmin({ body: { from: S }, headers: { 'if-match': '"v1"' } }),
    );
    // Flags.
    await call('GET', '/api/v1/flag-sets/{set}/flags', set, { token: t.tokens.viewer });
    await call('GET', F, key('layout'), { token: t.tokens.viewer });
    await call('GET', F, key('nope'), { token: t.tokens.viewer });
    const created = await call('PUT', F, key('oa'), {
      token: t.tokens.editor,
      body: flag,
      headers: { 'if-none-match': '*' },
    });
    expect(created.status).toBe(201);
    const etag = (created.body as { etag: string }).etag;
    await call('PUT', F, key('oa'), { token: t.tokens.editor, body: flag, headers: { 'if-match': etag } });
    await call('PUT', F, key('oa'), { token: t.tokens.editor, body: flag, headers: { 'if-match': etag } });
    await call('PATCH', F, key('oa'), {
      token: t.tokens.editor,
      body: { metadata: { offVariant: 'off' } },
      headers: { 'if-match': '*' },
    });
    await call('PATCH', F, key('oa'), {
      token: t.tokens.editor,
      body: { defaultVariant: 'x' },
      headers: { 'if-match': '*' },
    });
    await call('PATCH', F, key('oa'), {
      token: t.tokens.editor,
      body: { state: 'OFF' },
      headers: { 'if-match': '*' },
    });
    await call('PATCH', F, key('oa'), { token: t.tokens.editor, body: { state: 'DISABLED' } });
    await call('PATCH', F, key('oa'), {
      token: t.tokens.viewer,
      body: { state: 'DISABLED' },
      headers: { 'if-match': '*' },
    });
    await call('PATCH', F, key('oa'), { body: { state: 'DISABLED' }, headers: { 'if-match': '*' } });
    await call('GET', `${F}/history`, key('oa'), { token: t.tokens.viewer });
    await call(
      'POST',
      `${F}/revert`,
      key('oa'),
      asAdmin({
        body: { version: (created.body as { version: number }).version },
        headers: { 'if-match': '*' },
      }),
    );
    await call(
      'POST',
      `${F}/revert`,
      key('layout'),
      asAdmin({ body: { version: 1 }, headers: { 'if-match': '*' } }),
    );
    // Intents.
    await call(
      'POST',
      `${F}/kill`,
      key('oa'),
      asAdmin({ body: { reason: 'INC-1' }, headers: { 'if-match': '*' } }),
    );
    await call('POST', `${F}/kill`, key('layout'), asAdmin({ body: {}, headers: { 'if-match': '*' } }));
    await call('POST', `${F}/restore`, key('layout'), asAdmin({ body: {}, headers: { 'if-match': '*' } }));
    await call('POST', `${F}/restore`, key('layout'), asAdmin({ body: {}, headers: { 'if-match': '*' } }));
    await call(
      'POST',
      `${F}/rollout`,
      key('new-checkout'),
      asAdmin({ body: { weights: { on: 10, off: 90 } }, headers: { 'if-match': '*' } }),
    );
    await call(
      'POST',
      `${F}/rollout`,
      key('new-checkout'),
      asAdmin({ body: { weights: { maybe: 1 } }, headers: { 'if-match': '*' } }),
    );
    await call(
      'POST',
      `${F}/rollout`,
      key('bookings-enabled'),
      asAdmin({ body: { weights: { on: 1 } }, headers: { 'if-match': '*' } }),
    );
    await call(
      'POST',
      `${F}/targeting`,
      key('new-checkout'),
      asAdmin({ body: { add: { variant: 'on', values: ['u1'] } }, headers: { 'if-match': '*' } }),
    );
    await call(
      'POST',
      `${F}/targeting`,
      key('new-checkout'),
      asAdmin({ body: { remove: { segment: 'beta-testers' } }, headers: { 'if-match': '"stale"' } }),
    );
    await call('DELETE', F, key('oa'), asAdmin({ headers: { 'if-match': '*' } }));
    await call('DELETE', F, key('oa'), asAdmin({ headers: { 'if-match': '*' } }));
    // Tokens.
    const token = await call(
      'POST',
      '/api/v1/tokens',
      {},
      asAdmin({
        body: {
          name: 'oa',
          role: 'client',
          flagSets: [S],
          origins: ['https://a.example'],
          ttlSeconds: 60,
          rateLimit: 5,
        },
      }),
    );
    await call(
      'POST',
      '/api/v1/tokens',
      {},
      asAdmin({ body: { name: 'oa', role: 'server', flagSets: ['nope'] } }),
    );
    await call('GET', '/api/v1/tokens', {}, asAdmin());
    const id = (token.body as { record: { id: string } }).record.id;
    await call('DELETE', '/api/v1/tokens/{id}', { id }, asAdmin());
    await call('DELETE', '/api/v1/tokens/{id}', { id: 'tok_0000000000000000' }, asAdmin());
    await call('GET', '/api/v1/tokens', {}, { token: `ens_admin_${'x'.repeat(32)}` });
    // Rollouts, schedules and experiment results (`src/rollouts/`), on a split flag of their own.
    const R = '/api/v1/flag-sets/{set}/rollouts';
    const rollout = { set: P, plan: 'oa-rollout' };
    await call(
      'PUT',
      F,
      { set: P, key: 'oa-rollout' },
      asAdmin({
        body: {
          ...flag,
          targeting: {
            fractional: [
              ['on', 0],
              ['off', 100],
            ],
          },
        },
        headers: { 'if-none-match': '*' },
      }),
    );
    const plan = {
      flagKey: 'oa-rollout',
      release: 'on',
      replace: 'off',
      stages: [{ percent: 10, minDuration: '1h' }, { percent: 100 }],
      guardrails: [{ metric: 'error', kind: 'proportion', direction: 'increase' }],
    };
    await call('POST', R, { set: P }, asAdmin({ body: plan }));
    await call(
      'POST',
      R,
      { set: P },
      asAdmin({ body: { ...plan, stages: [{ percent: 50 }, { percent: 5 }] } }),
    );
    await call('GET', R, { set: P }, { token: t.tokens.viewer });
    await call('GET', `${R}/{plan}`, rollout, { token: t.tokens.viewer });
    await call(
      'PUT',
      `${R}/{plan}`,
      rollout,
      asAdmin({
        body: { ...plan, stages: [{ percent: 20 }, { percent: 100 }] },
        headers: { 'if-match': '*' },
      }),
    );
    for (const action of ['pause', 'resume', 'abort'])
      await call(
        'POST',
        `${R}/{plan}/${action}`,
        rollout,
        asAdmin({ body: {}, headers: { 'if-match': '*' } }),
      );
    await call('POST', `${R}/{plan}/pause`, rollout, asAdmin({ body: {} }));
    const when = new Date(Date.now() + 86_400_000).toISOString();
    const scheduled = { flagKey: 'oa-rollout', at: when, action: { type: 'enable' } };
    await call(
      'POST',
      '/api/v1/flag-sets/{set}/schedules',
      { set: P },
      asAdmin({ body: { id: 'oa', ...scheduled } }),
    );
    await call('GET', '/api/v1/flag-sets/{set}/schedules', { set: P }, { token: t.tokens.viewer });
    await call(
      'DELETE',
      '/api/v1/flag-sets/{set}/schedules/{id}',
      { set: P, id: 'oa' },
      asAdmin({ headers: { 'if-match': '*' } }),
    );
    await call(
      'GET',
      '/api/v1/flag-sets/{set}/flags/{key}/experiment',
      { set: P, key: 'oa-rollout' },
      { token: t.tokens.viewer, query: '?metric=purchase' },
    );
    // The lifecycle (`src/lifecycle/`): report, code scans, sending the report, manifest, archive.
    const L = '/api/v1/flag-sets/{set}';
    await call('GET', `${L}/lifecycle`, { set: P }, { token: t.tokens.viewer });
    await call('GET', `${L}/lifecycle/code-references`, { set: P }, { token: t.tokens.viewer });
    await call(
      'PUT',
      `${L}/lifecycle/code-references`,
      { set: P },
      asAdmin({ body: { flags: { 'oa-rollout': 1 } } }),
    );
    await call('GET', `${L}/lifecycle/code-references`, { set: P }, { token: t.tokens.viewer });
    await call('POST', `${L}/lifecycle/notify`, { set: P }, asAdmin({ body: {} }));
    await call('GET', `${L}/openfeature/v0/manifest`, { set: P }, { token: t.tokens.viewer });
    const archived = { set: P, key: 'oa-rollout' };
    await call(
      'POST',
      `${F}/archive`,
      archived,
      asAdmin({ body: { reason: 'done' }, headers: { 'if-match': '*' } }),
    );
    await call('GET', `${L}/archive`, { set: P }, { token: t.tokens.viewer });
    await call('POST', `${F}/unarchive`, archived, asAdmin({ body: {}, headers: { 'if-none-match': '*' } }));
    await call('POST', `${F}/unarchive`, archived, asAdmin({ body: {}, headers: { 'if-none-match': '*' } }));

    expect(problems).toEqual([]);
    // Every admin operation answered at least one success that was checked.
    const admin = Object.entries(doc.paths)
      .filter(([path]) => path.startsWith('/api/v1/flag-sets') || path.startsWith('/api/v1/tokens'))
      .flatMap(([path, operations]) =>
        Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
      );
    const succeeded = admin.filter((op) => [...checked].some((c) => c.startsWith(`${op} 2`)));
    expect(succeeded).toEqual(admin);
    for (const status of [400, 401, 403, 404, 409, 412, 413, 422, 428]) {
      expect(
        [...checked].some((c) => c.endsWith(` ${status}`)),
        `a ${status} was checked`,
      ).toBe(true);
    }
  });

  it('matches a real answer of every operation in it, whatever module added it', async () => {
    const widget = mintWidgetToken({
      secret: SECRET,
      flagSet: S,
      flags: ['layout'],
      context: { targetingKey: 'u' },
    });
    for (const [template, operations] of Object.entries(doc.paths)) {
      for (const method of Object.keys(operations)) {
        const verb = method.toUpperCase();
        const token = template.startsWith('/ofrep/') ? t.tokens.server : t.tokens.admin;
        const params = { set: S, key: 'layout' };
        const body = ['POST', 'PUT', 'PATCH'].includes(verb)
          ? template.startsWith('/ofrep/')
            ? { context: { targetingKey: 'u' } }
            : {}
          : undefined;
        await call(verb, template, params, { token, ...(body !== undefined && { body }) });
        if (template.startsWith('/ofrep/'))
          await call(verb, template, params, { token: widget, ...(body !== undefined && { body }) });
      }
    }
    expect(problems).toEqual([]);
  });
});
