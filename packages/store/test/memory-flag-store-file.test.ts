/**
 * `MemoryFlagStore` with `file`: the embedded default of a single-machine server keeps its flags,
 * versions, history and change-feed positions across a restart, writes the file atomically, and
 * refuses a file it cannot trust by naming it.
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FlagDefinition } from '@ensign/core';
import { afterAll, describe, expect, it } from 'vitest';
import { type AuditEntry, MemoryFlagStore } from '../src/index.js';
import { testFlagStore } from '../src/testing/index.js';
import { until } from './fixtures/harness.js';

const silent = { error: () => {}, warn: () => {}, info: () => {}, debug: () => {} };
const flag = (defaultVariant: 'on' | 'off'): FlagDefinition => ({
  state: 'ENABLED',
  variants: { on: true, off: false },
  defaultVariant,
});

const root = mkdtempSync(join(tmpdir(), 'ensign-flag-file-'));
let files = 0;
const newFile = () => join(root, `dir-${++files}`, 'flags.json');
afterAll(() => rmSync(root, { recursive: true, force: true }));

// The whole contract holds with a file behind the store.
testFlagStore(
  `${MemoryFlagStore.name} with file`,
  async (options) => new MemoryFlagStore({ ...options, logger: silent, file: newFile() }),
);

describe(`${MemoryFlagStore.name} file`, () => {
  it('keeps sets, versions, documents, history and positions across a restart', async () => {
    const file = newFile();
    const first = new MemoryFlagStore({ file, logger: silent });
    await first.replaceFlagSet('app', {
      flags: { a: flag('on') },
      $evaluators: { beta: { in: [{ var: 'tier' }, ['beta']] } },
      metadata: { owner: 'team' },
    });
    await first.patchFlag('app', 'a', { state: 'DISABLED' }, { actor: 'alice', reason: 'INC-42' });
    await first.putFlag('__proto__', 'x', flag('off'));
    const before = await first.load('app');
    const history = await first.history('app');
    await first.close();

    const second = new MemoryFlagStore({ file, logger: silent });
    expect(await second.load('app')).toEqual(before);
    expect(await second.history('app')).toEqual(history);
    expect(history[0]).toMatchObject({ version: 2, actor: 'alice', reason: 'INC-42', operation: 'patch' });
    expect((await second.load('__proto__')).document.flags).toEqual({ x: flag('off') });
    expect(await second.version('app')).toBe(2);

    // Following from a position taken before the restart delivers exactly the writes after it.
    const seen: AuditEntry[] = [];
    const feed = await second.follow('app', before.position, (entry) => seen.push(entry));
    const { version } = await second.putFlag('app', 'b', flag('off'));
    await until(() => seen.length === 1, 'the write after the restart');
    expect(seen.map((e) => e.version)).toEqual([3]);
    expect(version).toBe(3);
    // New log ids continue after the ones kept, so positions stay ordered across restarts.
    const [newest, previous] = await second.history('app', { limit: 2 });
    const ms = (id: string) => id.split('-').map(Number) as [number, number];
    const [nm, ns] = ms(newest!.id);
    const [pm, ps] = ms(previous!.id);
    expect(nm > pm || (nm === pm && ns > ps)).toBe(true);
    await feed.unsubscribe();
    await second.close();
  });

  it('seeds only the sets the file does not hold yet', async () => {
    const file = newFile();
    const first = new MemoryFlagStore({
      file,
      logger: silent,
      flagSets: { app: { flags: { a: flag('on') } } },
    });
    await first.patchFlag('app', 'a', { defaultVariant: 'off' }, { actor: 'bob' });
    await first.close();
    const second = new MemoryFlagStore({
      file,
      logger: silent,
      flagSets: { app: { flags: { a: flag('on') } }, other: { flags: { o: flag('on') } } },
    });
    expect(await second.load('app')).toMatchObject({ version: 2, document: { flags: { a: flag('off') } } });
    expect(await second.load('other')).toMatchObject({ version: 1, document: { flags: { o: flag('on') } } });
    const third = new MemoryFlagStore({ file, logger: silent });
    expect(await third.version('other')).toBe(1);
  });

  it('keeps the trimmed log, not the whole history, and writes owner-only, leaving no temporary file', async () => {
    const file = newFile();
    const store = new MemoryFlagStore({ file, logger: silent, maxLogLength: 3 });
    for (let i = 0; i < 6; i++) await store.putFlag('app', 'a', flag(i % 2 ? 'on' : 'off'));
    const reopened = new MemoryFlagStore({ file, logger: silent, maxLogLength: 3 });
    expect((await reopened.history('app')).map((e) => e.version)).toEqual([6, 5, 4]);
    expect(readdirSync(join(file, '..'))).toEqual(['flags.json']);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({
      format: 'ensign-memory-flag-store',
      formatVersion: 1,
    });
  });

  it('refuses a write it cannot save, and changes nothing', async () => {
    const file = newFile();
    const store = new MemoryFlagStore({ file, logger: silent });
    await store.putFlag('app', 'a', flag('on'));
    const seen: AuditEntry[] = [];
    await store.follow('app', (await store.load('app')).position, (entry) => seen.push(entry));
    // A directory where the file should be: the rename over it fails.
    rmSync(file);
    mkdirSync(file);
    await expect(store.patchFlag('app', 'a', { state: 'DISABLED' })).rejects.toThrow(
      new RegExp(`cannot write the file ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}.*nothing was changed`),
    );
    expect(await store.load('app')).toMatchObject({ version: 1, document: { flags: { a: flag('on') } } });
    expect(await store.history('app')).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 20));
    expect(seen).toEqual([]);
    expect(readdirSync(join(file, '..'))).toEqual(['flags.json']);
    await store.close();
  });

  it('names the file when it is not valid JSON or not a store file', () => {
    const cases: [string, RegExp][] = [
      ['{"format": "ensign-memory-flag-st', /is not valid JSON/],
      ['{"sets": []}', /"format" is not "ensign-memory-flag-store"/],
      ['{"format": "ensign-memory-flag-store", "formatVersion": 9, "sets": []}', /format version 9 is not 1/],
      [
        '{"format": "ensign-memory-flag-store", "formatVersion": 1, "sets": [{"flagSet": "a", "version": 1, "document": {"flags": {}}, "log": [{"id": "1-0", "version": 2}]}]}',
        /set "a": log versions are not increasing/,
      ],
      [
        '{"format": "ensign-memory-flag-store", "formatVersion": 1, "sets": [{"flagSet": "a", "version": 1, "document": {}, "log": []}]}',
        /set "a": document.flags is not an object/,
      ],
    ];
    for (const [text, why] of cases) {
      const file = newFile();
      mkdirSync(join(file, '..'), { recursive: true });
      writeFileSync(file, text);
      let error: unknown;
      try {
        new MemoryFlagStore({ file, logger: silent });
      } catch (e) {
        error = e;
      }
      expect(error, text).toBeInstanceOf(Error);
      expect((error as Error).message).toContain(`the file ${file} (option "file") is not a flag-store file`);
      expect((error as Error).message).toMatch(why);
      // The file is left as it was for the operator to inspect.
      expect(readFileSync(file, 'utf8')).toBe(text);
    }
  });

  it('starts empty when the file does not exist yet, and creates its directory on the first write', async () => {
    const file = newFile();
    const store = new MemoryFlagStore({ file, logger: silent });
    expect(existsSync(file)).toBe(false);
    expect(await store.version('app')).toBe(0);
    await store.putFlag('app', 'a', flag('on'));
    expect(existsSync(file)).toBe(true);
  });
});
