/** The admin API's flag and flag-set routes over real HTTP and the memory store. */
import { compileFlagSet } from '@ensign/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { body, enc, ifMatch, issues, production, readFlag, staging } from './admin/fixtures.js';
import { type TestServer, startServer } from './support/server.js';

const S = 'fitness-staging';
const P = 'fitness-production';
const flagPath = (key: string, set = S) => `/api/v1/flag-sets/${set}/flags/${enc(key)}`;
let t: TestServer;

beforeAll(async () => {
  t = await startServer({ [S]: staging(), [P]: production() }, { flagSets: [S, P] });
});
afterAll(async () => t?.close());

describe('flag sets', () => {
  it('lists the sets named at start with their versions and ETags', async () => {
    const answer = await t.call('GET', '/api/v1/flag-sets', { token: t.tokens.viewer });
    expect(answer.status).toBe(200);
    const sets = body(answer).flagSets as {
      flagSet: string;
      version: number;
      etag: string;
      createdBy: string;
    }[];
    expect(sets.map((s) => s.flagSet)).toEqual([P, S]);
    expect(sets[0]).toMatchObject({ version: 1, etag: '"v1"', createdBy: 'server' });
  });

  it('refuses, at start, a set name the API could not address', async () => {
    await expect(startServer({}, { flagSets: ['fitness', '{tagged}'] })).rejects.toThrow(
      /option flagSets\[1\] "\{tagged\}" is not a flag-set id/,
    );
  });

  it('exports a set as a flagd document with its version as ETag, and imports it back only at that version', async () => {
    const exported = await t.call('GET', `/api/v1/flag-sets/${P}`, { token: t.tokens.viewer });
    expect(exported.status).toBe(200);
    expect(exported.headers.get('etag')).toBe('"v1"');
    expect(body(exported).$schema).toBe('https://flagd.dev/schema/v0/flags.json');
    expect(body(exported).flags).toEqual(production().flags);

    const document = structuredClone(exported.body) as ReturnType<typeof production>;
    document.flags['bookings-enabled']!.defaultVariant = 'off';
    const imported = await t.call('PUT', `/api/v1/flag-sets/${P}?reason=${enc('sync from git')}`, {
      token: t.tokens.admin,
      body: document,
      headers: ifMatch('"v1"'),
    });
    expect(imported).toMatchObject({ status: 200, body: { flagSet: P, version: 2, etag: '"v2"' } });
    expect(imported.headers.get('etag')).toBe('"v2"');

    // The same import again is based on version 1: refused, nothing written.
    const stale = await t.call('PUT', `/api/v1/flag-sets/${P}`, {
      token: t.tokens.admin,
      body: document,
      headers: ifMatch('"v1"'),
    });
    expect(stale.status).toBe(412);
    expect(body(stale)).toMatchObject({ expectedVersion: 1, currentVersion: 2 });
    expect(await t.store.version(P)).toBe(2);
  });

  it('creates a set with If-None-Match: * (once), lists it with its creator, and refuses sets it does not know', async () => {
    const created = await t.call('PUT', '/api/v1/flag-sets/fitness-dev', {
      token: t.tokens.admin,
      body: { flags: {} },
      headers: { 'if-none-match': '*' },
    });
    expect(created).toMatchObject({ status: 201, body: { version: 1 } });
    const again = await t.call('PUT', '/api/v1/flag-sets/fitness-dev', {
      token: t.tokens.admin,
      body: { flags: {} },
      headers: { 'if-none-match': '*' },
    });
    expect(again.status).toBe(412);
    const star = await t.call('PUT', '/api/v1/flag-sets/fitness-nowhere', {
      token: t.tokens.admin,
      body: { flags: {} },
      headers: ifMatch('*'),
    });
    expect(star.status).toBe(404);
    expect(await t.store.version('fitness-nowhere')).toBe(0);
    const sets = body(await t.call('GET', '/api/v1/flag-sets', { token: t.tokens.viewer })).flagSets as {
      flagSet: string;
      createdBy: string;
    }[];
    expect(sets.find((s) => s.flagSet === 'fitness-dev')?.createdBy).toMatch(
      /^test-admin \(tok_[0-9a-f]{16}\)$/,
    );

    for (const [method, path] of [
      ['GET', '/api/v1/flag-sets/nope'],
      ['GET', '/api/v1/flag-sets/nope/flags'],
      ['GET', '/api/v1/flag-sets/nope/history'],
      ['GET', '/api/v1/flag-sets/nope/flags/a'],
    ] as const) {
      const answer = await t.call(method, path, { token: t.tokens.viewer });
      expect(answer.status, path).toBe(404);
      expect(body(answer).type).toBe('https://ensign.dev/problems/flag-set-not-found');
    }
    const write = await t.call('PUT', '/api/v1/flag-sets/nope/flags/a', {
      token: t.tokens.admin,
      body: { state: 'ENABLED', variants: { on: true }, defaultVariant: 'on' },
      headers: { 'if-none-match': '*' },
    });
    expect(write.status).toBe(404);
    expect(await t.store.version('nope')).toBe(0);
  });

  it('refuses an invalid import as a whole, naming every problem by pointer and flag key', async () => {
    const before = await t.store.load(S);
    const document = staging();
    document.flags.layout!.defaultVariant = 'tiles';
    (document.flags['new-checkout']!.variants as Record<string, unknown>).off = 'no';
    const answer = await t.call('PUT', `/api/v1/flag-sets/${S}`, {
      token: t.tokens.admin,
      body: document,
      headers: ifMatch(`"v${before.version}"`),
    });
    expect(answer.status).toBe(422);
    expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const pointers = issues(answer).map((i) => [i.pointer, i.flagKey]);
    expect(pointers).toContainEqual(['/flags/layout/defaultVariant', 'layout']);
    expect(
      pointers.some(([p, k]) => p?.startsWith('/flags/new-checkout/variants') && k === 'new-checkout'),
    ).toBe(true);
    expect(await t.store.load(S)).toEqual(before);
  });

  it('reverts the whole set as its own action, compare-and-set on the set version', async () => {
    const set = 'fitness-revert';
    await t.call('PUT', `/api/v1/flag-sets/${set}`, {
      token: t.tokens.admin,
      body: staging(),
      headers: { 'if-none-match': '*' },
    });
    const v1 = (await t.store.load(set)).document;
    await t.store.patchFlag(set, 'layout', { defaultVariant: 'grid' });
    await t.store.deleteFlag(set, 'bookings-enabled');
    const missing = await t.call('POST', `/api/v1/flag-sets/${set}/revert`, {
      token: t.tokens.admin,
      body: { version: 1 },
    });
    expect(missing.status).toBe(428);
    const stale = await t.call('POST', `/api/v1/flag-sets/${set}/revert`, {
      token: t.tokens.admin,
      body: { version: 1 },
      headers: ifMatch('"v2"'),
    });
    expect(stale.status).toBe(412);
    const reverted = await t.call('POST', `/api/v1/flag-sets/${set}/revert`, {
      token: t.tokens.admin,
      body: { version: 1, reason: 'bad deploy' },
      headers: ifMatch('"v3"'),
    });
    expect(reverted).toMatchObject({ status: 200, body: { version: 4, etag: '"v4"' } });
    expect((await t.store.load(set)).document).toEqual(v1);
    const [entry] = await t.store.history(set, { limit: 1 });
    expect(entry).toMatchObject({
      operation: 'revert',
      reason: 'bad deploy',
      actor: expect.stringMatching(/^test-admin/),
    });
    const beyond = await t.call('POST', `/api/v1/flag-sets/${set}/revert`, {
      token: t.tokens.admin,
      body: { version: 99 },
      headers: ifMatch('*'),
    });
    expect(beyond).toMatchObject({
      status: 409,
      body: { type: 'https://ensign.dev/problems/history-unavailable' },
    });
  });
});

describe('flags', () => {
  it('lists flags with their ETags and reads one with its ETag header', async () => {
    const list = await t.call('GET', `/api/v1/flag-sets/${S}/flags`, { token: t.tokens.viewer });
    expect(list.status).toBe(200);
    const flags = body(list).flags as { key: string; etag: string }[];
    expect(flags.map((f) => f.key)).toEqual(['bookings-enabled', 'layout', 'new-checkout']);
    const one = await readFlag(t, S, 'layout');
    expect(one.status).toBe(200);
    expect(one.flag).toEqual(staging().flags.layout);
    expect(one.etag).toBe(flags.find((f) => f.key === 'layout')?.etag);
    expect((await readFlag(t, S, 'nope')).status).toBe(404);
  });

  it('creates with If-None-Match: *, replaces only at the ETag read, and answers 412 on a stale edit', async () => {
    const flag = { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off' };
    const created = await t.call('PUT', flagPath('dark-mode'), {
      token: t.tokens.editor,
      body: flag,
      headers: { 'if-none-match': '*' },
    });
    expect(created.status).toBe(201);
    const etag = created.headers.get('etag')!;
    expect(body(created)).toMatchObject({ flagSet: S, flagKey: 'dark-mode', changed: true, etag, flag });
    expect((await readFlag(t, S, 'dark-mode')).etag).toBe(etag);

    const twice = await t.call('PUT', flagPath('dark-mode'), {
      token: t.tokens.editor,
      body: flag,
      headers: { 'if-none-match': '*' },
    });
    expect(twice.status).toBe(412);
    expect(body(twice)).toMatchObject({
      type: 'https://ensign.dev/problems/flag-conflict',
      flagKey: 'dark-mode',
      currentEtag: etag,
    });

    const replaced = await t.call('PUT', flagPath('dark-mode'), {
      token: t.tokens.editor,
      body: { ...flag, defaultVariant: 'on' },
      headers: ifMatch(etag),
    });
    expect(replaced.status).toBe(200);
    const stale = await t.call('PUT', flagPath('dark-mode'), {
      token: t.tokens.editor,
      body: flag,
      headers: ifMatch(etag),
    });
    expect(stale.status).toBe(412);
    expect(body(stale).currentEtag).toBe(replaced.headers.get('etag'));
    expect((await readFlag(t, S, 'dark-mode')).flag).toMatchObject({ defaultVariant: 'on' });

    // If-Match: * means "it exists": it never creates.
    const star = await t.call('PUT', flagPath('never-made'), {
      token: t.tokens.editor,
      body: flag,
      headers: ifMatch('*'),
    });
    expect(star.status).toBe(404);
    expect((await readFlag(t, S, 'never-made')).status).toBe(404);
  });

  it('never refuses an edit of one flag because another flag changed', async () => {
    const a = await readFlag(t, S, 'bookings-enabled');
    const b = await readFlag(t, S, 'layout');
    const versionBefore = await t.store.version(S);
    const first = await t.call('PATCH', flagPath('bookings-enabled'), {
      token: t.tokens.editor,
      body: { metadata: { kind: 'kill-switch', owner: 'ops' } },
      headers: ifMatch(a.etag),
    });
    expect(first.status).toBe(200);
    // `layout` was read before the set's version moved on; its own ETag still holds.
    const second = await t.call('PATCH', flagPath('layout'), {
      token: t.tokens.editor,
      body: { defaultVariant: 'cards' },
      headers: ifMatch(b.etag),
    });
    expect(second.status).toBe(200);
    expect(body(second).version).toBe(versionBefore + 2);
  });

  it('patches fields (null removes one) and answers the flag as written with its new ETag', async () => {
    const { etag } = await readFlag(t, S, 'new-checkout');
    const answer = await t.call('PATCH', `${flagPath('new-checkout')}?reason=${enc('INC-1 rollback')}`, {
      token: t.tokens.editor,
      body: { targeting: null, defaultVariant: 'on' },
      headers: ifMatch(etag),
    });
    expect(answer.status).toBe(200);
    const { targeting: _gone, ...expected } = { ...staging().flags['new-checkout']!, defaultVariant: 'on' };
    expect(body(answer).flag).toEqual(expected);
    const read = await readFlag(t, S, 'new-checkout');
    expect(read.flag).toEqual(expected);
    expect(body(answer).etag).toBe(read.etag);
    expect(answer.headers.get('etag')).toBe(read.etag);
    const [entry] = await t.store.history(S, { flagKey: 'new-checkout', limit: 1 });
    expect(entry).toMatchObject({
      operation: 'patch',
      reason: 'INC-1 rollback',
      actor: expect.stringMatching(/^test-editor \(tok_/),
    });
  });

  it('deletes only at the ETag read', async () => {
    const flag = { state: 'ENABLED', variants: { on: true }, defaultVariant: 'on' };
    const created = await t.call('PUT', flagPath('temp'), {
      token: t.tokens.editor,
      body: flag,
      headers: { 'if-none-match': '*' },
    });
    const etag = created.headers.get('etag')!;
    await t.call('PATCH', flagPath('temp'), {
      token: t.tokens.editor,
      body: { state: 'DISABLED' },
      headers: ifMatch(etag),
    });
    const stale = await t.call('DELETE', flagPath('temp'), {
      token: t.tokens.editor,
      headers: ifMatch(etag),
    });
    expect(stale.status).toBe(412);
    const current = (await readFlag(t, S, 'temp')).etag;
    const deleted = await t.call('DELETE', flagPath('temp'), {
      token: t.tokens.editor,
      headers: ifMatch(current),
    });
    expect(deleted).toMatchObject({ status: 200, body: { changed: true, flag: null, etag: '"absent"' } });
    expect((await readFlag(t, S, 'temp')).status).toBe(404);
    const again = await t.call('DELETE', flagPath('temp'), { token: t.tokens.editor, headers: ifMatch('*') });
    expect(again.status).toBe(404);
  });

  it('requires a precondition on every write (428) and refuses malformed ones (400)', async () => {
    const flag = { state: 'ENABLED', variants: { on: true }, defaultVariant: 'on' };
    const before = await t.store.load(S);
    const none = await t.call('PUT', flagPath('layout'), { token: t.tokens.editor, body: flag });
    expect(none.status).toBe(428);
    expect(body(none).type).toBe('https://ensign.dev/problems/precondition-required');
    for (const headers of [
      { 'if-match': 'W/"abc"' } as Record<string, string>,
      { 'if-match': 'abc' },
      { 'if-match': '"a", "b"' },
      { 'if-match': '*', 'if-none-match': '*' },
    ]) {
      const answer = await t.call('PUT', flagPath('layout'), { token: t.tokens.editor, body: flag, headers });
      expect(answer.status, JSON.stringify(headers)).toBe(400);
    }
    const patchCreate = await t.call('PATCH', flagPath('layout'), {
      token: t.tokens.editor,
      body: { state: 'DISABLED' },
      headers: { 'if-none-match': '*' },
    });
    expect(patchCreate.status).toBe(400);
    expect(await t.store.load(S)).toEqual(before);
  });

  it('refuses bad bodies with problem documents naming the field, the flag key and the pointer', async () => {
    const before = await t.store.load(S);
    const unknown = await t.call('PUT', flagPath('layout'), {
      token: t.tokens.editor,
      body: { state: 'ENABLED', variants: { a: 1 }, defaultVariant: 'a', colour: 'red' },
      headers: ifMatch('*'),
    });
    expect(unknown.status).toBe(400);
    expect(issues(unknown)).toContainEqual({
      pointer: '/colour',
      flagKey: 'layout',
      message: 'is not an allowed field',
    });

    const wrongType = await t.call('PATCH', flagPath('layout'), {
      token: t.tokens.editor,
      body: { state: 'OFF' },
      headers: ifMatch('*'),
    });
    expect(wrongType.status).toBe(400);
    expect(issues(wrongType)[0]).toMatchObject({ pointer: '/state', flagKey: 'layout' });

    const invalid = await t.call('PATCH', flagPath('layout'), {
      token: t.tokens.editor,
      body: { defaultVariant: 'tiles' },
      headers: ifMatch('*'),
    });
    expect(invalid.status).toBe(422);
    expect(issues(invalid)).toEqual([
      {
        pointer: '/flags/layout/defaultVariant',
        flagKey: 'layout',
        message: expect.stringContaining('"tiles"'),
      },
    ]);
    const rule = await t.call('PATCH', flagPath('layout'), {
      token: t.tokens.editor,
      body: { targeting: { if: [{ no_such_operator: [1] }, 'grid', null] } },
      headers: ifMatch('*'),
    });
    expect(rule.status).toBe(422);
    expect(issues(rule)[0]).toMatchObject({
      flagKey: 'layout',
      pointer: expect.stringMatching(/^\/flags\/layout\/targeting/),
    });

    const malformed = await t.call('PUT', flagPath('layout'), {
      token: t.tokens.editor,
      body: '{"state": ',
      headers: ifMatch('*'),
    });
    expect(malformed.status).toBe(400);
    const text = await t.call('PUT', flagPath('layout'), {
      token: t.tokens.editor,
      body: 'state=ENABLED',
      headers: { ...ifMatch('*'), 'content-type': 'application/xml' },
    });
    expect(text.status).toBe(415);
    const huge = await t.call('PUT', flagPath('layout'), {
      token: t.tokens.editor,
      body: { state: 'ENABLED', variants: { a: 'x'.repeat(1_100_000) }, defaultVariant: 'a' },
      headers: ifMatch('*'),
    });
    expect(huge.status).toBe(413);
    expect(huge.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const deep = await t.call('PUT', flagPath('layout'), {
      token: t.tokens.editor,
      body: `{"state":"ENABLED","variants":{"a":${'['.repeat(100_000)}${']'.repeat(100_000)}},"defaultVariant":"a"}`,
      headers: ifMatch('*'),
    });
    expect(deep.status).toBe(422);
    const longKey = await t.call('GET', flagPath('k'.repeat(257)), { token: t.tokens.viewer });
    expect(longKey.status).toBe(400);
    expect(await t.store.load(S)).toEqual(before);
  });

  it('accepts flag keys of any characters up to 256, URL-encoded', async () => {
    for (const key of ['k'.repeat(256), 'checkout/v2 ünïcode ✓', '__proto__']) {
      const put = await t.call('PUT', flagPath(key, 'fitness-dev'), {
        token: t.tokens.admin,
        body: { state: 'ENABLED', variants: { on: true }, defaultVariant: 'on' },
        headers: { 'if-none-match': '*' },
      });
      expect(put.status, key).toBe(201);
      expect(body(put).flagKey).toBe(key);
      expect((await readFlag(t, 'fitness-dev', key)).status).toBe(200);
    }
  });
});

describe('history and reverting one flag', () => {
  it('shows who changed what, when and why, with before, after and the changes by pointer', async () => {
    const set = 'fitness-history';
    await t.call('PUT', `/api/v1/flag-sets/${set}`, {
      token: t.tokens.admin,
      body: staging(),
      headers: { 'if-none-match': '*' },
    });
    const { etag } = await readFlag(t, set, 'new-checkout');
    await t.call('POST', `/api/v1/flag-sets/${set}/flags/new-checkout/rollout`, {
      token: t.tokens.admin,
      body: { weights: { on: 25, off: 75 }, reason: 'ramp up' },
      headers: ifMatch(etag),
    });
    await t.call('PATCH', `/api/v1/flag-sets/${set}/flags/layout`, {
      token: t.tokens.admin,
      body: { defaultVariant: 'grid' },
      headers: ifMatch('*'),
    });

    const history = await t.call('GET', `/api/v1/flag-sets/${set}/flags/new-checkout/history`, {
      token: t.tokens.viewer,
    });
    expect(history.status).toBe(200);
    const entries = body(history).entries as Record<string, unknown>[];
    expect(entries.map((e) => e.version)).toEqual([2, 1]);
    expect(entries[0]).toMatchObject({
      operation: 'put',
      flagKey: 'new-checkout',
      reason: 'ramp up',
      actor: expect.stringMatching(/^test-admin \(tok_/),
      changes: [
        { op: 'replace', path: '/flags/new-checkout/targeting/fractional/0/1', before: 5, after: 25 },
        { op: 'replace', path: '/flags/new-checkout/targeting/fractional/1/1', before: 95, after: 75 },
      ],
    });
    // The import is a whole-set write, narrowed to the flag.
    expect(entries[1]).toMatchObject({
      operation: 'replace',
      flagKey: 'new-checkout',
      before: null,
      after: staging().flags['new-checkout'],
      changes: [{ op: 'add', path: '/flags/new-checkout', after: staging().flags['new-checkout'] }],
    });

    const setHistory = await t.call('GET', `/api/v1/flag-sets/${set}/history?limit=2`, {
      token: t.tokens.viewer,
    });
    const setEntries = body(setHistory).entries as Record<string, unknown>[];
    expect(setEntries.map((e) => [e.version, e.flagKey])).toEqual([
      [3, 'layout'],
      [2, 'new-checkout'],
    ]);
    expect(setEntries[0]!.changes).toEqual([
      { op: 'replace', path: '/flags/layout/defaultVariant', before: 'list', after: 'grid' },
    ]);
    const bad = await t.call('GET', `/api/v1/flag-sets/${set}/history?limit=0`, { token: t.tokens.viewer });
    expect(bad.status).toBe(400);
    const unknownQuery = await t.call('GET', `/api/v1/flag-sets/${set}/history?offset=3`, {
      token: t.tokens.viewer,
    });
    expect(unknownQuery.status).toBe(400);
  });

  it('reverts one flag to its definition at a version, touching no other flag', async () => {
    const set = 'fitness-flag-revert';
    await t.call('PUT', `/api/v1/flag-sets/${set}`, {
      token: t.tokens.admin,
      body: staging(),
      headers: { 'if-none-match': '*' },
    });
    await t.store.patchFlag(set, 'layout', { defaultVariant: 'grid' }); // v2
    await t.store.patchFlag(set, 'bookings-enabled', { state: 'DISABLED' }); // v3
    await t.store.patchFlag(set, 'layout', { defaultVariant: 'cards' }); // v4
    const { etag } = await readFlag(t, set, 'layout');
    const stale = await t.call('POST', `/api/v1/flag-sets/${set}/flags/layout/revert`, {
      token: t.tokens.admin,
      body: { version: 1 },
      headers: ifMatch('"stale"'),
    });
    expect(stale.status).toBe(412);
    const reverted = await t.call('POST', `/api/v1/flag-sets/${set}/flags/layout/revert`, {
      token: t.tokens.admin,
      body: { version: 1, reason: 'back to list' },
      headers: ifMatch(etag),
    });
    expect(reverted).toMatchObject({
      status: 200,
      body: { changed: true, toVersion: 1, version: 5, flag: staging().flags.layout },
    });
    const after = (await t.store.load(set)).document;
    expect(after.flags.layout).toEqual(staging().flags.layout);
    expect(after.flags['bookings-enabled']!.state).toBe('DISABLED');
    const again = await t.call('POST', `/api/v1/flag-sets/${set}/flags/layout/revert`, {
      token: t.tokens.admin,
      body: { version: 1 },
      headers: ifMatch('*'),
    });
    expect(again).toMatchObject({ status: 200, body: { changed: false, version: 5 } });
    // A flag that did not exist then is removed by reverting it to then.
    await t.call('PUT', `/api/v1/flag-sets/${set}/flags/late`, {
      token: t.tokens.admin,
      body: { state: 'ENABLED', variants: { on: true }, defaultVariant: 'on' },
      headers: { 'if-none-match': '*' },
    });
    const removed = await t.call('POST', `/api/v1/flag-sets/${set}/flags/late/revert`, {
      token: t.tokens.admin,
      body: { version: 1 },
      headers: ifMatch('*'),
    });
    expect(removed).toMatchObject({ status: 200, body: { flag: null, etag: '"absent"' } });
    expect(compileFlagSet((await t.store.load(set)).document).keys()).not.toContain('late');
  });
});
