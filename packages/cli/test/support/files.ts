/** Flag files for tests: the fixture, copied into a temporary directory and edited per test. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FlagDefinition, FlagSetDocument } from '@ensign/core';

/** The fixture `shop.flags.json`, parsed. */
export function shopFlags(): FlagSetDocument {
  return JSON.parse(
    readFileSync(new URL('../fixtures/shop.flags.json', import.meta.url), 'utf8'),
  ) as FlagSetDocument;
}

/** A flag of a document (for edits in tests). */
export function flagOf(document: FlagSetDocument, key: string): FlagDefinition {
  const flag = document.flags[key];
  if (!flag) throw new Error(`no flag ${key}`);
  return flag;
}

/** A temporary directory, removed by `remove()`. */
export interface TempDir {
  readonly path: string;
  /** Writes `document` as JSON to `name` in the directory; returns the path. */
  write(name: string, document: unknown): string;
  remove(): void;
}

/** Creates a temporary directory. */
export function tempDir(prefix = 'ensign-cli-'): TempDir {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return {
    path,
    write(name, document) {
      const file = join(path, name);
      writeFileSync(file, typeof document === 'string' ? document : `${JSON.stringify(document, null, 2)}\n`);
      return file;
    },
    remove: () => rmSync(path, { recursive: true, force: true }),
  };
}
