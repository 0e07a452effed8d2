/**
 * Real answers of the server validated against the upstream OFREP document
 * (`open-feature/protocol` `service/openapi.yaml`, committed as JSON: see
 * `ofrep/upstream/README.md`), not against our own generated one.
 *
 * Two corrections are applied to a copy of the upstream schema, each shown necessary below with
 * the upstream document's own examples:
 * 1. `evaluationSuccess.reason` has an `enum` without `DEFAULT` (or any vendor reason). Upstream
 *    removed that enum on purpose ("feat: Allow any reason", #20: the OpenFeature spec lets a
 *    reason be any string) and a later documentation rewrite put it back. We send flagd's reason
 *    table, whose `DEFAULT` is an OpenFeature standard reason.
 * 2. The value `oneOf` [boolean, string, integer, float, object, codeDefault] cannot be satisfied
 *    by any answer that has a value: `codeDefaultFlag` constrains nothing, so it matches every
 *    object alongside the real type (and an integer matches both integerFlag and floatFlag). It is
 *    read as `anyOf`, which is what the schema means.
 * The validator is the Ajv that fastify itself uses (JSON Schema 2020-12, as OpenAPI 3.1 says).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintWidgetToken } from '../src/index.js';
import { closeServer } from './ofrep/close.js';
import { ofrepFlags } from './ofrep/flags.js';
import { SseReader } from './ofrep/sse-reader.js';
import { type Answer, type TestServer, startServer } from './support/server.js';

interface ValidateFunction {
  (data: unknown): boolean;
  errors?: { instancePath: string; keyword: string; message?: string }[] | null;
}
interface Ajv {
  addSchema(schema: object, key: string): Ajv;
  addFormat(name: string, format: true): Ajv;
  getSchema(ref: string): ValidateFunction | undefined;
}
type AjvClass = new (options: Record<string, unknown>) => Ajv;

// Ajv is not a dependency of ours: reach the copy fastify validates with.
const viaFastify = createRequire(createRequire(import.meta.url).resolve('fastify'));
const viaCompiler = createRequire(viaFastify.resolve('@fastify/ajv-compiler'));
const Ajv2020 = viaCompiler('ajv/dist/2020') as AjvClass;
const addFormats = viaCompiler('ajv-formats') as (ajv: Ajv) => Ajv;

type Json = Record<string, unknown>;
const upstream = JSON.parse(
  readFileSync(new URL('./ofrep/upstream/openapi.json', import.meta.url), 'utf8'),
) as {
  info: { version: string };
  paths: Record<string, { post: { responses: Json } }>;
  components: { schemas: Json };
};

function corrected(): typeof upstream {
  const doc = structuredClone(upstream);
  const success = doc.components.schemas.evaluationSuccess as { allOf: [Json & { properties: Json }, Json] };
  delete (success.allOf[0].properties.reason as Json).enum;
  const values = success.allOf[1];
  values.anyOf = values.oneOf;
  delete values.oneOf;
  return doc;
}

function validator(doc: object): (schema: string) => ValidateFunction {
  const ajv = addFormats(new Ajv2020({ strict: false, allErrors: true }));
  ajv.addFormat('float', true);
  ajv.addSchema(doc, 'ofrep');
  return (schema) => {
    const validate = ajv.getSchema(`ofrep#/components/schemas/${schema}`);
    if (!validate) throw new Error(`no schema ${schema}`);
    return validate;
  };
}

const strict = validator(upstream);
const schema = validator(corrected());

/** Asserts `data` is valid under `name`, showing Ajv's errors when not. */
function expectValid(name: string, data: unknown): void {
  const validate = schema(name);
  const valid = validate(data);
  expect(valid ? [] : validate.errors, `${name}: ${JSON.stringify(data)}`).toEqual([]);
}

const SECRET = 'w'.repeat(40);
let t: TestServer;
beforeAll(async () => {
  t = await startServer({ shop: ofrepFlags() }, { widgetSecret: SECRET });
});
afterAll(async () => closeServer(t));

const post = (path: string, body: unknown, token = t.tokens.server) =>
  t.call('POST', path, { token, body: typeof body === 'string' ? body : JSON.stringify(body) });

/** The statuses upstream declares for a path. */
const declared = (path: string) => Object.keys(upstream.paths[path]?.post.responses ?? {}).map(Number);

describe('OFREP answers against the upstream openapi.yaml', () => {
  it('is the v0.3 document, and needs the two corrections (shown with its own examples)', () => {
    expect(upstream.info.version).toBe('0.3.0');
    const example = { key: 'discount-banner', value: true, reason: 'TARGETING_MATCH', variant: 'enabled' };
    expect(strict('evaluationSuccess')(example)).toBe(false);
    expect(schema('evaluationSuccess')(example)).toBe(true);
    expect(strict('evaluationSuccess')({ key: 'k', reason: 'DISABLED' })).toBe(true); // no value: only codeDefault
    expect(strict('evaluationSuccess')({ key: 'k', value: 1, reason: 'DEFAULT', variant: 'a' })).toBe(false);
    expect(schema('evaluationSuccess')({ key: 'k', value: 1, reason: 'DEFAULT', variant: 'a' })).toBe(true);
    // Everything else is checked as written: a wrong type still fails.
    expect(schema('evaluationSuccess')({ key: 'k', value: 1, reason: 7 })).toBe(false);
    expect(schema('evaluationFailure')({ key: 'k', errorCode: 'NOPE' })).toBe(false);
  });

  it('single-flag answers: successes, failures and not-found, with declared statuses', async () => {
    const single = '/ofrep/v1/evaluate/flags/{key}';
    const cases: [string, unknown, number, string][] = [
      ['banner', { context: { targetingKey: 'u1' } }, 200, 'serverEvaluationSuccess'],
      ['checkout-layout', { context: { targetingKey: 'u1', tier: 'pro' } }, 200, 'serverEvaluationSuccess'],
      ['checkout-layout', { context: { targetingKey: 'u1' } }, 200, 'serverEvaluationSuccess'],
      ['admin-tools', { context: {} }, 200, 'serverEvaluationSuccess'],
      ['internal-pricing', { context: { country: 'CA' } }, 200, 'serverEvaluationSuccess'],
      ['secret-discount', { context: { email: 'x@vip.example' } }, 200, 'serverEvaluationSuccess'],
      ['runtime-broken', { context: { pick: 'b' } }, 200, 'serverEvaluationSuccess'],
      ['runtime-broken', { context: { pick: 'zz' } }, 400, 'evaluationFailure'],
      ['banner', { context: { targetingKey: 7 } }, 400, 'evaluationFailure'],
      ['banner', '{"context":', 400, 'evaluationFailure'],
      ['no-such-flag', { context: {} }, 404, 'flagNotFound'],
    ];
    for (const [key, body, status, name] of cases) {
      const answer = await post(`/ofrep/v1/evaluate/flags/${key}`, body);
      expect(answer.status, key).toBe(status);
      expect(declared(single)).toContain(status);
      expectValid(name, answer.body);
    }
    // The upstream request example is accepted as is.
    const example = (upstream.paths[single] as unknown as { post: { requestBody: Json } }).post.requestBody;
    const request = ((example.content as Json)['application/json'] as Json).example;
    expect((await post('/ofrep/v1/evaluate/flags/banner', request)).status).toBe(200);
  });

  it('bulk answers for server, client and widget tokens, failures and 304', async () => {
    const bulk = '/ofrep/v1/evaluate/flags';
    const widget = mintWidgetToken({
      secret: SECRET,
      flagSet: 'shop',
      flags: ['banner', 'checkout-layout'],
      context: { targetingKey: 'u9', tier: 'pro' },
    });
    const answers: Answer[] = [
      await post(bulk, { context: { targetingKey: 'u1', tier: 'pro', country: 'US', pick: 'zz' } }),
      await post(bulk, { context: { targetingKey: 'u1' } }, t.tokens.client),
      await post(bulk, { context: {} }, widget),
    ];
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expectValid('bulkEvaluationSuccess', answer.body);
    }
    const items = (answers[0]!.body as { flags: Json[] }).flags;
    expect(items.some((item) => item.errorCode === 'GENERAL')).toBe(true);
    expect(items.some((item) => !('value' in item) && item.reason === 'DISABLED')).toBe(true);
    for (const body of ['[]', { context: 'u1' }, '{"context":{"__proto__":{}}}']) {
      const failure = await post(bulk, body);
      expect(failure.status).toBe(400);
      expectValid('bulkEvaluationFailure', failure.body);
    }
    const etag = answers[0]!.headers.get('etag')!;
    const notModified = await t.call('POST', bulk, {
      token: t.tokens.server,
      body: { context: { targetingKey: 'u1', tier: 'pro', country: 'US', pick: 'zz' } },
      headers: { 'if-none-match': etag },
    });
    expect([notModified.status, notModified.body]).toEqual([304, '']);
    for (const status of [200, 304, 400]) expect(declared(bulk)).toContain(status);
  });

  it('refusals: bare 401/403, and 429 with a Retry-After the bulk schema accepts', async () => {
    const retryAfter = (
      upstream.paths['/ofrep/v1/evaluate/flags']?.post.responses['429'] as {
        headers: { 'Retry-After': { schema: Json } };
      }
    ).headers['Retry-After'].schema;
    const ajv = addFormats(new Ajv2020({ strict: false }));
    const limited = await startServer({ shop: ofrepFlags() }, { rateLimit: 1 });
    try {
      let answer: Answer | undefined;
      for (let i = 0; i < 5 && answer?.status !== 429; i++) {
        answer = await limited.call('POST', '/ofrep/v1/evaluate/flags', {
          token: limited.tokens.server,
          body: { context: {} },
        });
      }
      expect(answer?.status).toBe(429);
      expect(answer?.body).toBe('');
      const seconds = Number(answer?.headers.get('retry-after'));
      expect(
        (ajv as unknown as { validate(s: object, d: unknown): boolean }).validate(retryAfter, seconds),
      ).toBe(true);
    } finally {
      await closeServer(limited);
    }
    expect((await post('/ofrep/v1/evaluate/flags', { context: {} }, 'nope')).body).toBe('');
    expect((await post('/ofrep/v1/evaluate/flags', { context: {} }, t.tokens.viewer)).body).toBe('');
  });

  it('event-stream notices: the sseEvent envelope and its sseEventData', async () => {
    const answer = await post('/ofrep/v1/evaluate/flags', { context: {} });
    const link = (answer.body as { eventStreams: Json[] }).eventStreams[0]!;
    expectValid('eventStream', link);
    const reader = await SseReader.open(String(link.url));
    try {
      await t.store.patchFlag('shop', 'kill-cart', { state: 'DISABLED' }, { actor: 'oncall' });
      const event = await reader.next();
      expect(event).toBeDefined();
      expectValid('sseEvent', {
        data: event!.data,
        event: event!.event,
        id: event!.id,
        retry: reader.retries[0],
      });
      expectValid('sseEventData', JSON.parse(event!.data));
    } finally {
      reader.close();
      await t.store.patchFlag('shop', 'kill-cart', { state: 'ENABLED' }, { actor: 'oncall' });
    }
  });
});
