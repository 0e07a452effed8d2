/**
 * Intent-level actions over real HTTP: kill and restore in both modes (exactly restoring), the
 * rollout weights of a split, adding people and segments to a rule, promotion with a diff.
 */
import { type FlagDefinition, type FlagSetDocument, compileFlagSet } from '@ensign/core';
import { MemoryFlagStore } from '@ensign/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { body, enc, ifMatch, issues, production, readFlag, staging } from './admin/fixtures.js';
import { type TestServer, quiet, startServer } from './support/server.js';

const S = 'fitness-staging';
const P = 'fitness-production';
let t: TestServer;
let sets = 0;

beforeAll(async () => {
  t = await startServer({ [S]: staging(), [P]: production() }, { flagSets: [S, P] });
});
afterAll(async () => t?.close());

/** A fresh set holding `document`, created through the API. */
async function freshSet(document: FlagSetDocument = staging()): Promise<string> {
  const set = `intents-${++sets}`;
  const answer = await t.call('PUT', `/api/v1/flag-sets/${set}`, {
    token: t.tokens.admin,
    body: document,
    headers: { 'if-none-match': '*' },
  });
  expect(answer.status).toBe(201);
  return set;
}

const action = (set: string, key: string, verb: string, payload: unknown, etag: string | null = '*') =>
  t.call('POST', `/api/v1/flag-sets/${set}/flags/${enc(key)}/${verb}`, {
    token: t.tokens.admin,
    body: payload,
    headers: ifMatch(etag),
  });

/** What every evaluation of `key` gives for many users and contexts. */
async function outcomes(set: string, key: string): Promise<Set<string>> {
  const compiled = compileFlagSet((await t.store.load(set)).document);
  const seen = new Set<string>();
  for (let i = 0; i < 200; i++) {
    const context = {
      targetingKey: `user-${i}`,
      tier: i % 2 ? 'pro' : 'free',
      email: `u${i}@beta.example.com`,
    };
    const result = compiled.evaluate(key, 'boolean', true, context);
    seen.add(`${result.reason}:${String(result.value)}:${result.variant ?? ''}`);
  }
  return seen;
}

describe('kill and restore', () => {
  it('serves the declared off variant to everyone, says so, and restores exactly the definition before', async () => {
    const set = await freshSet();
    const before = await readFlag(t, set, 'new-checkout');
    const killed = await action(set, 'new-checkout', 'kill', { reason: 'INC-812' }, before.etag);
    expect(killed.status).toBe(200);
    expect(body(killed)).toMatchObject({ changed: true, mode: 'off-variant', offVariant: 'off' });
    const flag = body(killed).flag as FlagDefinition;
    expect(flag).toMatchObject({ state: 'ENABLED', defaultVariant: 'off' });
    expect(flag.targeting).toBeUndefined();
    expect(flag.metadata).toMatchObject({
      killReason: 'INC-812',
      killMode: 'off-variant',
      killedBy: expect.stringMatching(/^test-admin \(tok_/),
      killedAt: expect.any(String),
    });
    expect(await outcomes(set, 'new-checkout')).toEqual(new Set(['STATIC:false:off']));

    const again = await action(set, 'new-checkout', 'kill', {});
    expect(again).toMatchObject({
      status: 200,
      body: { changed: false, mode: 'off-variant', version: body(killed).version },
    });

    const restored = await action(
      set,
      'new-checkout',
      'restore',
      { reason: 'fixed' },
      killed.headers.get('etag'),
    );
    expect(restored.status).toBe(200);
    expect(body(restored)).toMatchObject({
      changed: true,
      restoredFrom: { killVersion: body(killed).version, killedBy: expect.stringMatching(/^test-admin/) },
    });
    const after = await readFlag(t, set, 'new-checkout');
    expect(after.flag).toEqual(before.flag);
    expect(after.etag).toBe(before.etag);
    const [entry] = await t.store.history(set, { flagKey: 'new-checkout', limit: 1 });
    expect(entry).toMatchObject({ reason: 'fixed', actor: expect.stringMatching(/^test-admin/) });
  });

  it('disables a flag without an off variant (callers get their defaults), and restores it exactly', async () => {
    const set = await freshSet();
    const before = await readFlag(t, set, 'layout');
    const killed = await action(set, 'layout', 'kill', {}, before.etag);
    expect(body(killed)).toMatchObject({ changed: true, mode: 'disabled' });
    expect(body(killed).offVariant).toBeUndefined();
    expect((body(killed).flag as FlagDefinition).state).toBe('DISABLED');
    expect((body(killed).flag as FlagDefinition).metadata).not.toHaveProperty('killReason');
    expect(await outcomes(set, 'layout')).toEqual(new Set(['DISABLED:true:']));
    await action(set, 'layout', 'restore', {});
    const after = await readFlag(t, set, 'layout');
    expect(after.flag).toEqual(before.flag);
    expect(after.etag).toBe(before.etag);
  });

  it('accepts killSwitchOffVariant as the off variant, and falls back to DISABLED (with a note) when it names none', async () => {
    const document = staging();
    document.flags['bookings-enabled']!.metadata = { kind: 'kill-switch', killSwitchOffVariant: 'off' };
    document.flags.layout!.metadata = { offVariant: 'tiles' };
    const set = await freshSet(document);
    expect(body(await action(set, 'bookings-enabled', 'kill', {}))).toMatchObject({
      mode: 'off-variant',
      offVariant: 'off',
    });
    expect(await outcomes(set, 'bookings-enabled')).toEqual(new Set(['STATIC:false:off']));
    const fallback = await action(set, 'layout', 'kill', {});
    expect(body(fallback)).toMatchObject({ mode: 'disabled', note: expect.stringContaining('"tiles"') });
  });

  it('refuses to restore a flag that is not killed, or that was changed after its kill (409, nothing written)', async () => {
    const set = await freshSet();
    const notKilled = await action(set, 'layout', 'restore', {});
    expect(notKilled).toMatchObject({
      status: 409,
      body: { type: 'https://ensign.dev/problems/not-killed', flagKey: 'layout' },
    });

    const killed = await action(set, 'new-checkout', 'kill', {});
    const edited = await t.call('PATCH', `/api/v1/flag-sets/${set}/flags/new-checkout`, {
      token: t.tokens.admin,
      body: { metadata: { ...(body(killed).flag as FlagDefinition).metadata, owner: 'payments' } },
      headers: ifMatch(killed.headers.get('etag')),
    });
    expect(edited.status).toBe(200);
    const version = await t.store.version(set);
    const refused = await action(set, 'new-checkout', 'restore', {});
    expect(refused.status).toBe(409);
    expect(body(refused)).toMatchObject({
      type: 'https://ensign.dev/problems/changed-since-kill',
      flagKey: 'new-checkout',
    });
    expect(await t.store.version(set)).toBe(version);

    const stale = await action(set, 'layout', 'kill', {}, '"not-the-etag"');
    expect(stale.status).toBe(412);
    expect(await t.store.version(set)).toBe(version);
  });

  it('answers 409 when the audit log no longer reaches the kill', async () => {
    const store = new MemoryFlagStore({ flagSets: { short: staging() }, maxLogLength: 2, logger: quiet });
    const small = await startServer({}, { store, flagSets: ['short'] });
    try {
      const call = (verb: string, key: string) =>
        small.call('POST', `/api/v1/flag-sets/short/flags/${key}/${verb}`, {
          token: small.tokens.admin,
          body: {},
          headers: ifMatch('*'),
        });
      expect((await call('kill', 'new-checkout')).status).toBe(200);
      await store.patchFlag('short', 'layout', { defaultVariant: 'grid' });
      await store.patchFlag('short', 'layout', { defaultVariant: 'cards' });
      const answer = await call('restore', 'new-checkout');
      expect(answer).toMatchObject({
        status: 409,
        body: { type: 'https://ensign.dev/problems/history-unavailable' },
      });
      expect((await store.load('short')).document.flags['new-checkout']!.metadata).toHaveProperty('killedAt');
    } finally {
      await small.close();
    }
  });
});

describe('rollout weights', () => {
  it('sets the weights of the one fractional split, keeping bucket order and the rest of the rule', async () => {
    const set = await freshSet();
    const { etag } = await readFlag(t, set, 'layout');
    const answer = await action(
      set,
      'layout',
      'rollout',
      { weights: { cards: 90, list: 10 }, reason: 'cards win' },
      etag,
    );
    expect(answer.status).toBe(200);
    expect(body(answer).weights).toEqual({ list: 10, cards: 90 });
    expect((body(answer).flag as FlagDefinition).targeting).toEqual({
      if: [
        { in: [{ var: 'tier' }, ['pro', 'business']] },
        'grid',
        {
          fractional: [
            ['list', 10],
            ['cards', 90],
          ],
        },
      ],
    });
    const same = await action(set, 'layout', 'rollout', { weights: { list: 10, cards: 90 } });
    expect(body(same).changed).toBe(false);

    // Users who had `on` at 5 % keep it at 25 %.
    const before = compileFlagSet((await t.store.load(set)).document);
    await action(set, 'new-checkout', 'rollout', { weights: { on: 25, off: 75 } });
    const after = compileFlagSet((await t.store.load(set)).document);
    let on = 0;
    for (let i = 0; i < 2000; i++) {
      const context = { targetingKey: `user-${i}` };
      const was = before.evaluate('new-checkout', 'boolean', false, context).value;
      const now = after.evaluate('new-checkout', 'boolean', false, context).value;
      if (was) expect(now).toBe(true);
      if (now) on++;
    }
    expect(on / 2000).toBeGreaterThan(0.2);
    expect(on / 2000).toBeLessThan(0.3);
  });

  it('refuses a flag without exactly one split (409) and a variant the flag lacks (422 at the field)', async () => {
    const set = await freshSet();
    const version = await t.store.version(set);
    const none = await action(set, 'bookings-enabled', 'rollout', { weights: { on: 50, off: 50 } });
    expect(none).toMatchObject({
      status: 409,
      body: { type: 'https://ensign.dev/problems/no-single-split' },
    });
    const unknown = await action(set, 'new-checkout', 'rollout', { weights: { on: 50, maybe: 50 } });
    expect(unknown.status).toBe(422);
    expect(issues(unknown)).toEqual([
      { pointer: '/weights/maybe', flagKey: 'new-checkout', message: expect.stringContaining('"maybe"') },
    ]);
    const zero = await action(set, 'new-checkout', 'rollout', { weights: { on: 0, off: 0 } });
    expect(zero.status).toBe(422);
    const negative = await action(set, 'new-checkout', 'rollout', { weights: { on: -1 } });
    expect(negative.status).toBe(400);
    expect(issues(negative)[0]).toMatchObject({ pointer: '/weights/on', flagKey: 'new-checkout' });
    expect(await t.store.version(set)).toBe(version);
  });
});

describe('targeting', () => {
  it('adds users and a segment before the old rule, moves users between variants, and removes them', async () => {
    const set = await freshSet();
    const add = await action(set, 'new-checkout', 'targeting', {
      add: { variant: 'on', values: ['alice', 'bob'] },
    });
    expect(add.status).toBe(200);
    expect((body(add).flag as FlagDefinition).targeting).toEqual({
      if: [
        { in: [{ var: 'targetingKey' }, ['alice', 'bob']] },
        'on',
        {
          fractional: [
            ['on', 5],
            ['off', 95],
          ],
        },
      ],
    });
    await action(set, 'new-checkout', 'targeting', { add: { variant: 'off', values: ['bob'] } });
    const segment = await action(set, 'new-checkout', 'targeting', {
      add: { variant: 'on', segment: 'beta-testers' },
    });
    expect((body(segment).flag as FlagDefinition).targeting).toEqual({
      if: [
        { in: [{ var: 'targetingKey' }, ['bob']] },
        'off',
        { in: [{ var: 'targetingKey' }, ['alice']] },
        'on',
        { $ref: 'beta-testers' },
        'on',
        {
          fractional: [
            ['on', 5],
            ['off', 95],
          ],
        },
      ],
    });
    const compiled = compileFlagSet((await t.store.load(set)).document);
    expect(compiled.evaluate('new-checkout', 'boolean', false, { targetingKey: 'alice' }).value).toBe(true);
    expect(
      compiled.evaluate('new-checkout', 'boolean', true, { targetingKey: 'bob', email: 'b@beta.example.com' })
        .value,
    ).toBe(false);
    expect(
      compiled.evaluate('new-checkout', 'boolean', false, {
        targetingKey: 'zed',
        email: 'z@beta.example.com',
      }).value,
    ).toBe(true);

    const again = await action(set, 'new-checkout', 'targeting', {
      add: { variant: 'on', segment: 'beta-testers' },
    });
    expect(body(again).changed).toBe(false);
    await action(set, 'new-checkout', 'targeting', { remove: { values: ['alice', 'bob'] } });
    const removed = await action(set, 'new-checkout', 'targeting', { remove: { segment: 'beta-testers' } });
    expect((body(removed).flag as FlagDefinition).targeting).toEqual(
      staging().flags['new-checkout']!.targeting,
    );

    const byEmail = await action(set, 'bookings-enabled', 'targeting', {
      add: { variant: 'off', values: ['ops@example.com'], attribute: 'email' },
    });
    expect((body(byEmail).flag as FlagDefinition).targeting).toEqual({
      if: [{ in: [{ var: 'email' }, ['ops@example.com']] }, 'off'],
    });
    await action(set, 'bookings-enabled', 'targeting', {
      remove: { values: ['ops@example.com'], attribute: 'email' },
    });
    expect((await readFlag(t, set, 'bookings-enabled')).flag).toEqual(staging().flags['bookings-enabled']);
  });

  it('refuses unknown variants and segments at their field, and malformed changes', async () => {
    const set = await freshSet();
    const version = await t.store.version(set);
    const variant = await action(set, 'new-checkout', 'targeting', {
      add: { variant: 'maybe', values: ['a'] },
    });
    expect(variant.status).toBe(422);
    expect(issues(variant)[0]).toMatchObject({ pointer: '/add/variant', flagKey: 'new-checkout' });
    const segment = await action(set, 'new-checkout', 'targeting', {
      add: { variant: 'on', segment: 'vips' },
    });
    expect(segment.status).toBe(422);
    expect(issues(segment)[0]).toMatchObject({ pointer: '/add/segment' });
    for (const payload of [
      {},
      { add: { variant: 'on' } },
      { add: { variant: 'on', values: ['a'], segment: 'beta-testers' } },
      { add: { variant: 'on', values: [] } },
      { add: { variant: 'on', values: ['a'] }, remove: { values: ['a'] } },
      { remove: { variant: 'on', values: ['a'] } },
    ]) {
      expect((await action(set, 'new-checkout', 'targeting', payload)).status, JSON.stringify(payload)).toBe(
        400,
      );
    }
    expect(await t.store.version(set)).toBe(version);
  });
});

describe('promotion', () => {
  it('plans with a diff (dry run, nothing written), then applies exactly that plan compare-and-set on the target', async () => {
    const from = await freshSet();
    const to = await freshSet(production());
    const before = await t.store.load(to);
    const plan = await t.call('POST', `/api/v1/flag-sets/${to}/promote`, {
      token: t.tokens.admin,
      body: { from, dryRun: true },
    });
    expect(plan.status).toBe(200);
    expect(body(plan)).toMatchObject({
      from,
      fromVersion: 1,
      to,
      toVersion: 1,
      applied: false,
      version: 1,
      flags: { added: ['layout'], removed: [], changed: ['new-checkout'] },
    });
    expect(body(plan).changes).toEqual([
      { op: 'replace', path: '/flags/new-checkout/targeting/fractional/0/1', before: 0, after: 5 },
      { op: 'replace', path: '/flags/new-checkout/targeting/fractional/1/1', before: 100, after: 95 },
      { op: 'add', path: '/flags/layout', after: staging().flags.layout },
    ]);
    expect(await t.store.load(to)).toEqual(before);

    const missing = await t.call('POST', `/api/v1/flag-sets/${to}/promote`, {
      token: t.tokens.admin,
      body: { from },
    });
    expect(missing.status).toBe(428);
    await t.store.patchFlag(to, 'bookings-enabled', { defaultVariant: 'off' }); // someone else: v2
    const stale = await t.call('POST', `/api/v1/flag-sets/${to}/promote`, {
      token: t.tokens.admin,
      body: { from },
      headers: ifMatch('"v1"'),
    });
    expect(stale).toMatchObject({ status: 412, body: { currentVersion: 2 } });
    const pinned = await t.call('POST', `/api/v1/flag-sets/${to}/promote`, {
      token: t.tokens.admin,
      body: { from, fromVersion: 0 },
      headers: ifMatch('"v2"'),
    });
    expect(pinned.status).toBe(412);
    const applied = await t.call('POST', `/api/v1/flag-sets/${to}/promote`, {
      token: t.tokens.admin,
      body: { from, fromVersion: 1, reason: 'release 42' },
      headers: ifMatch('"v2"'),
    });
    expect(applied).toMatchObject({ status: 200, body: { applied: true, version: 3, etag: '"v3"' } });
    const target = (await t.store.load(to)).document;
    expect(target.flags).toEqual(staging().flags);
    expect(target.metadata).toEqual({ environment: 'production' });
    const [entry] = await t.store.history(to, { limit: 1 });
    expect(entry).toMatchObject({
      operation: 'replace',
      reason: 'release 42',
      actor: expect.stringMatching(/^test-admin/),
    });
  });

  it('promotes named flags with the segments they use, leaving the other flags of the target alone', async () => {
    const document = staging();
    document.flags['new-checkout']!.targeting = { if: [{ $ref: 'beta-testers' }, 'on', null] };
    const from = await freshSet(document);
    const target = production();
    delete target.$evaluators;
    target.flags.extra = { state: 'ENABLED', variants: { on: true }, defaultVariant: 'on' };
    const to = await freshSet(target);
    const applied = await t.call('POST', `/api/v1/flag-sets/${to}/promote`, {
      token: t.tokens.admin,
      body: { from, flags: ['new-checkout'] },
      headers: ifMatch('"v1"'),
    });
    expect(applied.status).toBe(200);
    expect(body(applied).flags).toEqual({ added: [], removed: [], changed: ['new-checkout'] });
    expect(body(applied).changes).toContainEqual({
      op: 'add',
      path: '/$evaluators',
      after: staging().$evaluators,
    });
    const after = (await t.store.load(to)).document;
    expect(after.flags.extra).toEqual(target.flags.extra);
    expect(after.flags['new-checkout']).toEqual(document.flags['new-checkout']);
    expect(after.$evaluators).toEqual(staging().$evaluators);

    const unknownFlag = await t.call('POST', `/api/v1/flag-sets/${to}/promote`, {
      token: t.tokens.admin,
      body: { from, flags: ['nope'], dryRun: true },
    });
    expect(unknownFlag.status).toBe(404);
    const unknownSet = await t.call('POST', `/api/v1/flag-sets/${to}/promote`, {
      token: t.tokens.admin,
      body: { from: 'nope', dryRun: true },
    });
    expect(unknownSet.status).toBe(404);
  });

  it('creates a new environment by promotion with If-None-Match: *, and lists it', async () => {
    const from = await freshSet();
    const applied = await t.call('POST', '/api/v1/flag-sets/fitness-eu/promote', {
      token: t.tokens.admin,
      body: { from },
      headers: { 'if-none-match': '*' },
    });
    expect(applied).toMatchObject({ status: 200, body: { applied: true, version: 1 } });
    const list = body(await t.call('GET', '/api/v1/flag-sets', { token: t.tokens.viewer })).flagSets as {
      flagSet: string;
    }[];
    expect(list.map((s) => s.flagSet)).toContain('fitness-eu');
    const editorElsewhere = await t.call('POST', `/api/v1/flag-sets/${P}/promote`, {
      token: t.tokens.editor,
      body: { from: S, dryRun: true },
    });
    expect(editorElsewhere.status).toBe(403);
  });
});
