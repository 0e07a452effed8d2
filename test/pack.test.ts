/**
 * Packs every package as it would be published and imports it as a user would: from a folder
 * outside the workspace, through its `exports` map, in plain Node (no TypeScript, no `source`
 * condition). Needs the built `dist/` (the test command builds first).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const packages = ['core', 'store', 'redis-provider', 'widget-provider', 'hooks'];

interface PackedManifest {
  name: string;
  version: string;
  exports: Record<string, Record<string, string>>;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

let app: string;
const manifests = new Map<string, PackedManifest>();

beforeAll(() => {
  app = mkdtempSync(join(tmpdir(), 'ensign-pack-'));
  const tarballs = join(app, 'tarballs');
  mkdirSync(tarballs);
  for (const pkg of packages) {
    const dir = join(root, 'packages', pkg);
    const out = execFileSync('pnpm', ['pack', '--pack-destination', tarballs], {
      cwd: dir,
      encoding: 'utf8',
    });
    const tarball = out.trim().split('\n').at(-1)!.trim();
    const target = join(app, 'node_modules', '@ensign', pkg);
    mkdirSync(target, { recursive: true });
    execFileSync('tar', ['-xzf', tarball, '-C', target, '--strip-components=1']);
    const manifest = JSON.parse(readFileSync(join(target, 'package.json'), 'utf8')) as PackedManifest;
    manifests.set(pkg, manifest);
    // Third-party dependencies come from the workspace's install, linked as npm would place them.
    for (const dep of Object.keys({ ...manifest.dependencies, ...manifest.peerDependencies })) {
      if (dep.startsWith('@ensign/')) continue;
      const link = join(app, 'node_modules', dep);
      const source = join(dir, 'node_modules', dep);
      if (existsSync(link) || !existsSync(source)) continue;
      mkdirSync(dirname(link), { recursive: true });
      symlinkSync(realpathSync(source), link);
    }
  }
}, 120_000);

afterAll(() => {
  if (app) rmSync(app, { recursive: true, force: true });
});

describe('published packages', () => {
  it.each(packages)('%s: workspace references are replaced by versions', (pkg) => {
    const manifest = manifests.get(pkg)!;
    for (const range of Object.values({ ...manifest.dependencies })) {
      expect(range).not.toContain('workspace:');
    }
  });

  it.each(packages)('%s: every export target is in the tarball', (pkg) => {
    const manifest = manifests.get(pkg)!;
    const base = join(app, 'node_modules', '@ensign', pkg);
    for (const [entry, conditions] of Object.entries(manifest.exports)) {
      for (const [condition, target] of Object.entries(conditions)) {
        expect(existsSync(join(base, target)), `${pkg} ${entry} ${condition} → ${target}`).toBe(true);
      }
    }
  });

  it.each(packages)('%s: imports in plain Node from outside the workspace', (pkg) => {
    const manifest = manifests.get(pkg)!;
    // `@ensign/store/testing` is a vitest suite: it loads only inside a vitest run.
    const specifiers = Object.keys(manifest.exports)
      .filter((entry) => entry !== './testing')
      .map((entry) => (entry === '.' ? manifest.name : `${manifest.name}/${entry.slice(2)}`));
    const script = `
      const names = {};
      for (const s of ${JSON.stringify(specifiers)}) names[s] = Object.keys(await import(s)).length;
      console.log(JSON.stringify(names));`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: app,
      encoding: 'utf8',
    });
    const counts = JSON.parse(out) as Record<string, number>;
    for (const specifier of specifiers) expect(counts[specifier], specifier).toBeGreaterThan(0);
  });

  it('core evaluates a flag from the packed build', () => {
    const script = `
      import { compileFlagSet } from '@ensign/core';
      const set = compileFlagSet({ flags: { f: { state: 'ENABLED', variants: { on: true, off: false },
        defaultVariant: 'off', targeting: { fractional: [['on', 50], ['off', 50]] } } } });
      console.log(JSON.stringify(set.evaluate('f', 'boolean', false, { targetingKey: 'user-1' })));`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: app,
      encoding: 'utf8',
    });
    const details = JSON.parse(out) as { reason: string; variant: string };
    expect(details.reason).toBe('TARGETING_MATCH');
    expect(['on', 'off']).toContain(details.variant);
  });
});
