/**
 * `FirestoreFlagStore` against the official Firestore emulator: the store conformance suite, the
 * document layout, racing writers on two clients, a commit whose answer is lost, a write repeated
 * with its id, trimming, permissions and flags corrupted by hand.
 */
import { type FlagDefinition, compileFlagSet } from '@ensign/core';
import { type CommitOutcome, StorePermissionError, planWrite } from '@ensign/store';
import { testFlagStore } from '@ensign/store/testing';
import { Firestore, Timestamp } from '@google-cloud/firestore';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FirestoreEmulator, findEmulator, userToken } from '../../../test/support/firestore-emulator.js';
import { memoryLogger } from '../../store/test/fixtures/harness.js';
import { FirestoreFlagStore, type FirestoreFlagStoreOptions, documentId } from '../src/index.js';
import { LossyProxy } from './support/lossy-proxy.js';

const PROJECT = 'demo-ensign';
const silent = { error: () => {}, warn: () => {}, info: () => {}, debug: () => {} };
const boolFlag: FlagDefinition = {
  state: 'ENABLED',
  variants: { on: true, off: false },
  defaultVariant: 'on',
};

let emulator: FirestoreEmulator;
beforeAll(async () => {
  emulator = await FirestoreEmulator.start();
});
afterAll(async () => {
  await emulator?.stop();
});

testFlagStore(
  FirestoreFlagStore.name,
  async (options) =>
    new FirestoreFlagStore({ settings: emulator.settings(PROJECT), ...options, logger: silent }),
);

/** Exposes one commit, to repeat it as a client would after a lost answer. */
class RepeatingStore extends FirestoreFlagStore {
  async commitTwice(flagSet: string, flagKey: string, flag: FlagDefinition): Promise<CommitOutcome[]> {
    const snapshot = await this.readForWrite(flagSet, flagKey);
    const plan = planWrite(snapshot, { operation: 'put', flagKey, flag });
    const request = {
      flagSet,
      plan,
      snapshot,
      guard: 'flag' as const,
      options: {},
      writeId: 'repeated-write',
    };
    return [await this.commit(request), await this.commit(request)];
  }
}

describe(FirestoreFlagStore.name, () => {
  const stores: FirestoreFlagStore[] = [];
  const proxies: LossyProxy[] = [];
  let admin: Firestore;
  beforeAll(async () => {
    await emulator.reset(PROJECT);
    admin = new Firestore(emulator.settings(PROJECT));
  });
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((s) => s.close()));
    await Promise.all(proxies.splice(0).map((p) => p.stop()));
  });
  afterAll(async () => {
    await admin?.terminate();
  });
  const open = (options: FirestoreFlagStoreOptions = {}) => {
    const store = new FirestoreFlagStore({
      settings: emulator.settings(PROJECT),
      logger: silent,
      ...options,
    });
    stores.push(store);
    return store;
  };

  it('lays a set out as documents: the set, each flag as JSON text, one log entry per version', async () => {
    const store = open({ collection: 'ff' });
    // Nested arrays, which Firestore refuses as values, are safe inside JSON text.
    const split: FlagDefinition = {
      state: 'ENABLED',
      variants: { a: 'a', b: 'b' },
      defaultVariant: 'a',
      targeting: { fractional: [{ var: 'targetingKey' }, ['a', 50], ['b', 50]] },
    };
    const document = {
      flags: { split, plain: boolFlag },
      $evaluators: { e: true },
      metadata: { owner: 'x' },
    };
    await store.replaceFlagSet('app', document, { actor: 'alice', reason: 'import' });
    expect((await admin.doc('ff/app').get()).data()).toEqual({
      flagSet: 'app',
      version: 1,
      metadata: '{"owner":"x"}',
      evaluators: '{"e":true}',
    });
    expect((await admin.doc('ff/app/flags/split').get()).data()).toEqual({
      key: 'split',
      flag: JSON.stringify(split),
    });
    const entry = await admin.doc('ff/app/log/0000000000000001').get();
    expect(entry.data()).toMatchObject({
      version: 1,
      operation: 'replace',
      actor: 'alice',
      reason: 'import',
    });
    expect(entry.get('writeId')).toEqual(expect.any(String));
    expect(entry.get('at')).toBeInstanceOf(Timestamp);
    expect(JSON.parse(entry.get('after') as string)).toEqual(document);
    expect(JSON.parse(entry.get('before') as string)).toEqual({ flags: {} });
    expect((await store.load('app')).position).toBe('0000000000000001');
    expect(store.address).toBe(`firestore://${emulator.address}/projects/${PROJECT}/databases/(default)`);
    // A whole-set write stores only the flags that changed, and removes the ones dropped.
    await store.replaceFlagSet('app', { flags: { split } });
    expect((await admin.collection('ff/app/flags').get()).docs.map((d) => d.id)).toEqual(['split']);
    expect((await admin.doc('ff/app').get()).data()).toEqual({ flagSet: 'app', version: 2 });
  });

  it('escapes any flag key and set id into a document id, and reads them back', async () => {
    const store = open();
    const set = 'team/a.b';
    const long = '🚀'.repeat(128); // 512 bytes of UTF-8, too long once escaped: a hashed id
    const keys = ['__proto__', 'a/b', '.', '..', 'with space', 'ünï-🚀', '%41', long];
    for (const key of keys) await store.putFlag(set, key, boolFlag);
    expect(Object.keys((await store.load(set)).document.flags).sort()).toEqual([...keys].sort());
    expect(documentId('__proto__')).toBe('%5F_proto__');
    expect(documentId('a/b')).toBe('a%2Fb');
    expect(documentId('..')).toBe('%2E.');
    expect(documentId(long)).toMatch(/^~[0-9a-f]{64}$/);
    const ids = (await admin.collection(`flagSets/${documentId(set)}/flags`).get()).docs.map((d) => d.id);
    expect(ids).toHaveLength(keys.length);
    await store.deleteFlag(set, long);
    expect(await store.version(set)).toBe(keys.length + 1);
  });

  it('two writers on two clients racing on one set both succeed in turn: every write lands once', async () => {
    const logger = memoryLogger();
    const a = open({ maxWriteRetries: 100, logger });
    const b = open({ maxWriteRetries: 100, logger });
    const set = 'race-two-clients';
    await a.putFlag(set, 'shared', boolFlag);
    const perWriter = 12;
    const writes = (store: FirestoreFlagStore, who: string) =>
      (async () => {
        for (let i = 0; i < perWriter; i++) {
          if (i % 2) await store.putFlag(set, `f${i % 3}`, boolFlag, { actor: who });
          else await store.patchFlag(set, 'shared', { metadata: { [who]: i } }, { actor: who });
        }
      })();
    await Promise.all([writes(a, 'a'), writes(b, 'b')]);
    const n = perWriter * 2 + 1;
    expect(await a.version(set)).toBe(n);
    const log = await b.history(set, { limit: 1000 });
    expect(log.map((e) => e.version)).toEqual(Array.from({ length: n }, (_, i) => n - i));
    for (const who of ['a', 'b']) expect(log.filter((e) => e.actor === who)).toHaveLength(perWriter);
    // Each entry's "before" is exactly the previous entry's "after" for that flag: nothing lost.
    const last = new Map<string, unknown>();
    for (const entry of [...log].reverse()) {
      expect(entry.before).toEqual(last.get(entry.flagKey!) ?? null);
      last.set(entry.flagKey!, entry.after);
    }
    // They did race: commits failed their precondition and were read and made again.
    expect(
      logger.lines.filter((line) => /does not match the required base version|FAILED_PRECONDITION/.test(line))
        .length,
    ).toBeGreaterThan(0);
    const lastPatch = log.find((e) => e.flagKey === 'shared')!;
    expect((await a.load(set)).document.flags.shared).toEqual(lastPatch.after);
  });

  it('a commit whose answer is lost is applied once and answers with its version', async () => {
    const proxy = await LossyProxy.start(emulator.port);
    proxies.push(proxy);
    const logger = memoryLogger();
    const store = open({ settings: { projectId: PROJECT, host: proxy.address, ssl: false }, logger });
    const set = 'lost-answer';
    await store.putFlag(set, 'a', boolFlag);
    // The commit carries the audit entry, so only it holds the actor's name.
    const marker = Buffer.from('actor-whose-answer-is-lost');
    const lost = proxy.loseAnswerTo((request) => request.includes(marker));
    const result = await store.patchFlag(set, 'a', { state: 'DISABLED' }, { actor: marker.toString() });
    await lost;
    expect(proxy.lost).toBe(1);
    expect(result).toEqual({ version: 2 });
    expect(await store.version(set)).toBe(2);
    expect((await store.history(set)).map((e) => [e.version, e.actor])).toEqual([
      [2, marker.toString()],
      [1, 'unknown'],
    ]);
    expect(logger.lines.some((line) => /was applied at version 2/.test(line))).toBe(true);
  });

  it('a commit repeated with the same write id answers with the first outcome, writing nothing more', async () => {
    const store = new RepeatingStore({ settings: emulator.settings(PROJECT), logger: silent });
    stores.push(store);
    const outcomes = await store.commitTwice('repeat', 'a', boolFlag);
    expect(outcomes).toEqual([
      { committed: true, version: 1 },
      { committed: true, version: 1 },
    ]);
    expect(await store.history('repeat')).toHaveLength(1);
  });

  it('keeps maxLogLength entries, deleting the one that falls out with each write and older ones once', async () => {
    const long = open({ maxLogLength: 10 });
    const set = 'trim';
    for (let i = 0; i < 12; i++)
      await long.putFlag(set, 'a', { ...boolFlag, defaultVariant: i % 2 ? 'on' : 'off' });
    const versions = async () =>
      (await admin.collection(`flagSets/${set}/log`).get()).docs.map((d) => d.get('version') as number);
    expect(await versions()).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    const short = new FirestoreFlagStore({
      settings: emulator.settings(PROJECT),
      maxLogLength: 4,
      logger: silent,
    });
    await short.putFlag(set, 'b', boolFlag);
    await short.close(); // waits for the sweep
    expect(await versions()).toEqual([10, 11, 12, 13]);
  });

  it('a flag corrupted by hand breaks only itself: loaded raw, warned about once, isolated by the evaluator', async () => {
    const warnings: string[] = [];
    const store = open({
      logger: { ...silent, warn: (...args: unknown[]) => warnings.push(args.join(' ')) },
    });
    await store.putFlag('hand', 'good', boolFlag);
    await admin
      .doc('flagSets/hand/flags/broken')
      .set({ key: 'broken', flag: '{"state": "ENABLED", variants' });
    const snapshot = await store.load('hand');
    expect(snapshot.document.flags.broken).toBe('{"state": "ENABLED", variants');
    expect(warnings.filter((w) => w.includes('flag "broken" cannot be read'))).toHaveLength(1);
    await store.load('hand');
    expect(warnings).toHaveLength(1);
    const compiled = compileFlagSet(snapshot.document, { invalidFlags: 'isolate' });
    expect(compiled.evaluate('good', 'boolean', false).value).toBe(true);
    expect(compiled.evaluate('broken', 'boolean', false)).toMatchObject({ errorCode: 'PARSE_ERROR' });
    await expect(store.patchFlag('hand', 'broken', { state: 'DISABLED' })).rejects.toThrow(
      /replace it with putFlag/,
    );
    await store.putFlag('hand', 'other', boolFlag);
    await store.putFlag('hand', 'broken', boolFlag);
    expect((await store.load('hand')).document.flags.broken).toEqual(boolFlag);
  });

  it('turns PERMISSION_DENIED into StorePermissionError naming what was refused', async () => {
    const project = 'demo-ensign-rules';
    await emulator.setRules(
      project,
      `rules_version = '2';
service cloud.firestore {
  match /databases/{database}/documents {
    match /{document=**} {
      allow read: if request.auth != null && request.auth.uid == 'reader';
      allow write: if false;
    }
  }
}`,
    );
    const owner = open({ settings: emulator.settings(project) });
    await owner.putFlag('guarded', 'a', boolFlag);
    const as = (uid: string) =>
      open({ settings: emulator.settings(project, { Authorization: `Bearer ${userToken(project, uid)}` }) });
    const reader = as('reader');
    expect((await reader.load('guarded')).version).toBe(1);
    const refused = await reader.putFlag('guarded', 'b', boolFlag).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(StorePermissionError);
    expect(refused).toMatchObject({ flagSet: 'guarded', operation: 'write' });
    const stranger = as('stranger');
    // (The emulator answers a refused read of documents only after about 7 s: one such read.)
    await expect(stranger.load('guarded')).rejects.toMatchObject({
      name: 'StorePermissionError',
      operation: 'read',
    });
    await expect(stranger.follow('guarded', '', () => {})).rejects.toMatchObject({
      name: 'StorePermissionError',
      operation: 'read',
    });
  });

  it('uses a client it was given without terminating it', async () => {
    const store = new FirestoreFlagStore({ firestore: admin, logger: silent });
    await store.putFlag('borrowed', 'a', boolFlag);
    await store.close();
    expect((await admin.doc('flagSets/borrowed').get()).get('version')).toBe(1);
    expect(() => new FirestoreFlagStore({ firestore: admin, settings: {} })).toThrow(/either firestore/);
  });

  it('without the emulator, the test support says which package to install and where', () => {
    const error = (() => {
      try {
        findEmulator({ PATH: '/nonexistent' }, '/nonexistent/cloud_firestore_emulator');
      } catch (caught) {
        return caught as Error;
      }
    })();
    expect(error?.message).toMatch(/google-cloud-cli-firestore-emulator/);
    expect(error?.message).toContain('https://cloud.google.com/sdk/docs/install');
  });

  it('refuses a position that is not one of its own', async () => {
    const store = open();
    await expect(store.follow('positions', '1700000000000-0', () => {})).rejects.toThrow(
      /not a position in the change feed/,
    );
  });
});
