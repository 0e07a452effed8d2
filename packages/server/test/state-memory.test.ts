/**
 * `MemoryServerState`: the conformance suite in process and with a file, and what only the file
 * does: it survives a restart, is written atomically with owner-only permissions, refuses a write
 * it cannot save, and names itself when it is corrupt.
 */
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryServerState } from '../src/index.js';
import { testServerState } from '../src/state/testing/index.js';

const root = mkdtempSync(join(tmpdir(), 'ensign-state-'));
let files = 0;
const newFile = () => join(root, `dir-${++files}`, 'state.json');
afterAll(() => rmSync(root, { recursive: true, force: true }));

testServerState(MemoryServerState.name, async () => new MemoryServerState());

/** Each state opens its own file; reopening it is a restart. */
const fileOf = new WeakMap<object, string>();
testServerState(
  `${MemoryServerState.name} with file`,
  async () => {
    const file = newFile();
    const state = new MemoryServerState({ file });
    fileOf.set(state, file);
    return state;
  },
  {
    reopen: async (state) => {
      const file = fileOf.get(state)!;
      await state.close();
      const again = new MemoryServerState({ file });
      fileOf.set(again, file);
      return again;
    },
  },
);

describe(`${MemoryServerState.name} file`, () => {
  it('writes owner-only, atomically, leaving no temporary file, in a recognisable format', async () => {
    const file = newFile();
    const state = new MemoryServerState({ file });
    await state.put('tokens', 'hash', { role: 'admin' });
    expect(readdirSync(join(file, '..'))).toEqual(['state.json']);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({
      format: 'ensign-server-state',
      formatVersion: 1,
      documents: [['tokens', 'hash', { value: { role: 'admin' }, version: 1 }]],
    });
  });

  it('writes counters within counterFlushMs, and all of them on close', async () => {
    const file = newFile();
    const state = new MemoryServerState({ file, counterFlushMs: 50 });
    await state.increment('usage', 'tok', { calls: 1 });
    await new Promise((r) => setTimeout(r, 150));
    expect(await new MemoryServerState({ file }).counters('usage', 'tok')).toEqual({ calls: 1 });
    await state.increment('usage', 'tok', { calls: 1 });
    await state.close();
    expect(await new MemoryServerState({ file }).counters('usage', 'tok')).toEqual({ calls: 2 });
  });

  it('refuses a write it cannot save, and keeps the state as it was', async () => {
    const file = newFile();
    const state = new MemoryServerState({ file });
    await state.put('webhooks', 'wh_1', { url: 'https://example.com' });
    const lease = await state.acquireLease('webhooks:app', 'a', 60_000);
    rmSync(file);
    mkdirSync(file); // the rename over a directory fails
    await expect(state.put('webhooks', 'wh_1', { url: 'changed' })).rejects.toThrow(
      /cannot write the file .*state\.json/,
    );
    await expect(state.put('webhooks', 'wh_2', {})).rejects.toThrow(/nothing was changed/);
    await expect(state.delete('webhooks', 'wh_1')).rejects.toThrow(/cannot write/);
    await expect(state.acquireLease('other', 'a', 60_000)).rejects.toThrow(/cannot write/);
    expect(await state.get('webhooks', 'wh_1')).toEqual({
      value: { url: 'https://example.com' },
      version: 1,
    });
    expect([...(await state.list('webhooks')).keys()]).toEqual(['wh_1']);
    rmSync(file, { recursive: true });
    // The failed lease grant left nothing behind: its first real grant is token 1.
    expect((await state.acquireLease('other', 'a', 60_000))?.token).toBe(1);
    expect((await state.acquireLease('webhooks:app', 'a', 60_000))?.token).toBe(lease!.token);
  });

  it('names the file when it is not valid JSON or not a server-state file, and leaves it alone', () => {
    const cases: [string, RegExp][] = [
      ['{"documents": [', /is not valid JSON/],
      ['[]', /"format" is not "ensign-server-state"/],
      ['{"format": "ensign-server-state", "formatVersion": 2}', /format version 2 is not 1/],
      [
        '{"format": "ensign-server-state", "formatVersion": 1, "documents": [["tokens", "h", {"version": 0, "value": 1}]], "counters": [], "leases": []}',
        /a document is malformed/,
      ],
      [
        '{"format": "ensign-server-state", "formatVersion": 1, "documents": [], "counters": [], "leases": [["l", {"token": "1", "expiresAt": 0}]]}',
        /a lease is malformed/,
      ],
    ];
    for (const [text, why] of cases) {
      const file = newFile();
      mkdirSync(join(file, '..'), { recursive: true });
      writeFileSync(file, text);
      expect(() => new MemoryServerState({ file }), text).toThrow(why);
      expect(() => new MemoryServerState({ file })).toThrow(
        `the file ${file} (option "file") is not a server-state file`,
      );
      expect(readFileSync(file, 'utf8')).toBe(text);
    }
  });

  it('measures expiry by its clock (leases and documents)', async () => {
    let now = 1_000_000;
    const state = new MemoryServerState({ now: () => now });
    await state.put('idem', 'k', 1, { ttlMs: 100 });
    const lease = await state.acquireLease('l', 'a', 100);
    expect(lease).toEqual({ owner: 'a', token: 1, expiresAt: 1_000_100 });
    now += 99;
    expect(await state.get('idem', 'k')).toBeDefined();
    expect(await state.acquireLease('l', 'b', 100)).toBeUndefined();
    now += 1;
    expect(await state.get('idem', 'k')).toBeUndefined();
    expect(await state.acquireLease('l', 'b', 100)).toEqual({ owner: 'b', token: 2, expiresAt: 1_000_200 });
  });
});
