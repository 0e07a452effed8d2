import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
};

/** Packages imported by the published sources (`import … from '<pkg>'`, types included). */
function importedPackages(): Set<string> {
  const files = readdirSync(join(root, 'src'), { recursive: true, encoding: 'utf8' }).filter((file) =>
    file.endsWith('.ts'),
  );
  const packages = new Set<string>();
  for (const file of files) {
    const source = readFileSync(join(root, 'src', file), 'utf8');
    for (const [, specifier] of source.matchAll(/\bfrom\s+'([^'.][^']*)'/g)) {
      const parts = (specifier as string).split('/');
      packages.add(parts[0]?.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] as string));
    }
  }
  return packages;
}

describe('package.json', () => {
  it('lists as runtime dependencies only packages the sources import', () => {
    const imported = importedPackages();
    expect(imported.size).toBeGreaterThan(0);
    expect(Object.keys(manifest.dependencies ?? {}).filter((dep) => !imported.has(dep))).toEqual([]);
  });

  it('declares every package the sources import, the OpenFeature SDKs as peers', () => {
    const declared = { ...manifest.dependencies, ...manifest.peerDependencies };
    expect([...importedPackages()].filter((pkg) => !(pkg in declared))).toEqual([]);
    expect(Object.keys(manifest.peerDependencies ?? {})).toEqual(
      expect.arrayContaining(['@openfeature/web-sdk', '@openfeature/server-sdk']),
    );
  });
});
