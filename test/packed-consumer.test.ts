/**
 * What users get: every package packed as it would be published, installed with npm into a fresh
 * project outside the workspace, then
 * - every package's manifest names versions (no `workspace:`) and every export target exists;
 * - every export loads in plain Node;
 * - every TypeScript block of every README type-checks against the installed `.d.ts` (so an
 *   example can no longer rot or miss an import);
 * - a small program runs on the memory store (a write, the change feed, an evaluation);
 * - a widget bundled with esbuild holds exactly one copy of the OpenFeature web SDK and core.
 * Needs the built `dist/` (the test command builds first) and the npm registry (or npm's cache)
 * for the third-party dependencies of the install.
 */
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ReadmeBlock, readmeBlocks } from './support/readme-blocks.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const packages = readdirSync(join(root, 'packages')).filter((p) =>
  existsSync(join(root, 'packages', p, 'package.json')),
);

interface Manifest {
  name: string;
  version: string;
  exports: Record<string, Record<string, string>>;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

const manifestOf = (dir: string) => JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest;
const rootManifest = manifestOf(root);
/** The version the workspace itself uses for a third-party package (so the install matches what was tested). */
function workspaceVersion(name: string): string {
  for (const m of [rootManifest, ...packages.map((p) => manifestOf(join(root, 'packages', p)))]) {
    const v = m.devDependencies?.[name] ?? m.dependencies?.[name];
    if (v && !v.startsWith('workspace:')) return v;
  }
  throw new Error(`no workspace version for ${name}`);
}

let app: string;
const installed = new Map<string, Manifest>();

beforeAll(() => {
  app = mkdtempSync(join(tmpdir(), 'ensign-consumer-'));
  const tarballs = join(app, 'tarballs');
  mkdirSync(tarballs);
  const dependencies: Record<string, string> = {};
  for (const pkg of packages) {
    const out = execFileSync('pnpm', ['pack', '--pack-destination', tarballs], {
      cwd: join(root, 'packages', pkg),
      encoding: 'utf8',
    });
    const tarball = out.trim().split('\n').at(-1)!.trim();
    dependencies[manifestOf(join(root, 'packages', pkg)).name] = `file:${tarball}`;
  }
  // What an app adds itself: the OpenFeature SDKs (peers), its Redis client, TypeScript and a bundler.
  for (const name of [
    '@openfeature/server-sdk',
    '@openfeature/web-sdk',
    '@openfeature/core',
    'ioredis',
    '@opentelemetry/api-logs',
    '@types/node',
    'typescript',
    'esbuild',
  ]) {
    dependencies[name] = workspaceVersion(name);
  }
  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify({ name: 'consumer', private: true, type: 'module', dependencies }, null, 2),
  );
  execFileSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: app,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  for (const pkg of packages) {
    const name = manifestOf(join(root, 'packages', pkg)).name;
    installed.set(pkg, manifestOf(join(app, 'node_modules', name)));
  }
}, 300_000);

afterAll(() => {
  if (app) rmSync(app, { recursive: true, force: true });
});

function node(script: string): string {
  return execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: app,
    encoding: 'utf8',
  });
}

describe('packages as users install them (npm, outside the workspace)', () => {
  it.each(packages)('%s: names versions, not workspace references, and ships every export target', (pkg) => {
    const manifest = installed.get(pkg)!;
    for (const field of ['dependencies', 'peerDependencies'] as const) {
      for (const [dep, range] of Object.entries(manifest[field] ?? {})) {
        expect(range, `${pkg} ${field} ${dep}`).not.toMatch(/^workspace:/);
      }
    }
    const base = join(app, 'node_modules', manifest.name);
    for (const [entry, conditions] of Object.entries(manifest.exports)) {
      for (const [condition, target] of Object.entries(conditions)) {
        expect(existsSync(join(base, target)), `${pkg} ${entry} ${condition} → ${target}`).toBe(true);
      }
    }
  });

  it.each(packages)('%s: every export loads in plain Node', (pkg) => {
    const manifest = installed.get(pkg)!;
    // `@ensign/store/testing` is a vitest suite: it loads only inside a vitest run.
    const specifiers = Object.keys(manifest.exports)
      .filter((entry) => entry !== './testing')
      .map((entry) => (entry === '.' ? manifest.name : `${manifest.name}/${entry.slice(2)}`));
    const counts = JSON.parse(
      node(
        `const n = {}; for (const s of ${JSON.stringify(specifiers)}) n[s] = Object.keys(await import(s)).length; console.log(JSON.stringify(n));`,
      ),
    ) as Record<string, number>;
    for (const specifier of specifiers) expect(counts[specifier], specifier).toBeGreaterThan(0);
  });

  it('type-checks every TypeScript block of every README against the installed types', () => {
    const readmes = [
      'README.md',
      ...packages.map((p) => `packages/${p}/README.md`),
      ...readdirSync(join(root, 'examples')).map((e) => `examples/${e}/README.md`),
    ].filter((r) => existsSync(join(root, r)));
    const blocks: ReadmeBlock[] = [];
    for (const readme of readmes) blocks.push(...readmeBlocks(join(root, readme), readme).compiled);
    expect(blocks.length).toBeGreaterThan(15);
    const dir = join(app, 'readme');
    mkdirSync(dir);
    const origin = new Map<string, string>();
    const files = blocks.map((block, i) => {
      const file = `block-${i}.${block.tsx ? 'tsx' : 'ts'}`;
      writeFileSync(join(dir, file), block.code);
      origin.set(file, `${block.readme} (block at line ${block.line})`);
      return file;
    });
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          lib: ['ES2023', 'DOM', 'DOM.Iterable'],
          types: ['node'],
          strict: true,
          noEmit: true,
          skipLibCheck: false,
          jsx: 'react-jsx',
        },
        files,
      }),
    );
    let output = '';
    try {
      execFileSync(join(app, 'node_modules', '.bin', 'tsc'), ['-p', join(dir, 'tsconfig.json')], {
        encoding: 'utf8',
      });
    } catch (error) {
      output = String((error as { stdout?: string }).stdout ?? error);
    }
    // Name each failure by README and line, not by the generated file.
    const named = output.replace(/(block-\d+\.tsx?)\((\d+),\d+\)/g, (_m, file: string, line: string) => {
      return `${origin.get(file)} line ${line} of the block with its prelude`;
    });
    expect(named).toBe('');
  }, 120_000);

  it('runs a small program on the memory store: a write, the change feed, an evaluation', () => {
    const out = node(`
      import { OpenFeature } from '@openfeature/server-sdk';
      import { MemoryFlagStore, StoreProvider } from '@ensign/store';
      const store = new MemoryFlagStore({ flagSets: { app: { flags: {
        checkout: { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'on' } } } } });
      const provider = new StoreProvider({ store, flagSet: 'app' });
      await OpenFeature.setProviderAndWait(provider);
      const client = OpenFeature.getClient();
      const before = await client.getBooleanDetails('checkout', false);
      const changed = new Promise((r) => client.addHandler('PROVIDER_CONFIGURATION_CHANGED', r));
      await store.patchFlag('app', 'checkout', { state: 'DISABLED' }, { actor: 'oncall', reason: 'INC-1' });
      await changed;
      const after = await client.getBooleanDetails('checkout', true);
      console.log(JSON.stringify({ name: provider.metadata.name, before: before.reason, after: after.reason }));
      await OpenFeature.close();`);
    expect(JSON.parse(out)).toEqual({ name: 'ensign-memory', before: 'STATIC', after: 'DISABLED' });
  });

  it('bundles a widget with exactly one copy of the OpenFeature web SDK and core', () => {
    writeFileSync(
      join(app, 'widget.ts'),
      `import { OpenFeature } from '@openfeature/web-sdk';
       import { WidgetFlagProvider } from '@ensign/widget-provider/widget';
       import { WebExposureHook, BeaconSink } from '@ensign/hooks/browser';
       OpenFeature.addHooks(new WebExposureHook({ sinks: [new BeaconSink({ url: '/exposures' })] }));
       await OpenFeature.setProviderAndWait(new WidgetFlagProvider());
       console.log(OpenFeature.getClient().getBooleanValue('x', false));`,
    );
    const meta = JSON.parse(
      execFileSync(
        join(app, 'node_modules', '.bin', 'esbuild'),
        [
          'widget.ts',
          '--bundle',
          '--format=esm',
          '--platform=browser',
          '--outfile=widget.js',
          '--metafile=meta.json',
          '--log-level=error',
        ],
        { cwd: app, encoding: 'utf8' },
      ) || readFileSync(join(app, 'meta.json'), 'utf8'),
    ) as { inputs: Record<string, unknown> };
    const copies = (name: string) =>
      new Set(
        Object.keys(meta.inputs)
          .map((input) => new RegExp(`^(.*node_modules/${name})/`).exec(input)?.[1])
          .filter((dir): dir is string => dir !== undefined),
      );
    expect([...copies('@openfeature/web-sdk')]).toHaveLength(1);
    expect([...copies('@openfeature/core')]).toHaveLength(1);
    expect([...copies('@openfeature/server-sdk')]).toHaveLength(0);
  });
});
