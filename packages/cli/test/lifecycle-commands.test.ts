/**
 * `ensign flag stale|archive|unarchive`, `ensign refs`, `ensign generate` and `ensign lint`
 * through the installed binary against a real server (memory store, evaluations counted by the
 * real `MetricsAggregator` into the server's state): exit codes, `--json` against the shipped
 * schemas, human output in 80 columns.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MetricsAggregator } from '@ensign/hooks';
import { StoreProvider } from '@ensign/store';
import { OpenFeature } from '@openfeature/server-sdk';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { assertBuilt, ensign, overWide } from './support/ensign.js';
import { type TempDir, shopFlags, tempDir } from './support/files.js';
import { assertSchema } from './support/schemas.js';
import { type TestServer, memoryBackend, quiet, startServer } from './support/server.js';

// Each step is a Node process (the installed binary); on a loaded machine a step can take seconds.
vi.setConfig({ testTimeout: 180_000, hookTimeout: 180_000 });

let server: TestServer;
let dir: TempDir;
let env: Record<string, string>;
const run = (args: string[], extra: Record<string, string> = {}) =>
  ensign(args, { env: { ...env, ...extra }, cwd: dir.path });

beforeAll(async () => {
  assertBuilt();
  server = await startServer(memoryBackend());
  await server.seed('shop', shopFlags());
  env = { ...server.env('editor'), ENSIGN_SET: 'shop' };
  dir = tempDir();
  // Evaluations through the real provider and aggregator: one known flag, one typo.
  const metrics = new MetricsAggregator({ sink: server.backend.state, autoFlush: false, logger: quiet });
  await OpenFeature.setProviderAndWait(
    'cli-lifecycle',
    new StoreProvider({ store: server.backend.store, flagSet: 'shop', logger: quiet }),
  );
  const client = OpenFeature.getClient('cli-lifecycle').addHooks(metrics);
  await client.getBooleanValue('checkout-v2', false, { targetingKey: 'u1' });
  await client.getBooleanValue('chekout-v2', false, { targetingKey: 'u1' });
  await metrics.close();
  await OpenFeature.close();
});
afterAll(async () => {
  await server?.close();
  dir?.remove();
});

describe('ensign flag stale', () => {
  it('prints the report in 80 columns, as JSON per its schema, and --check exits 1 when something needs doing', async () => {
    const human = await run(['flag', 'stale']);
    expect(human.code, human.stderr).toBe(0);
    expect(overWide(human.stdout)).toEqual([]);
    expect(human.stdout).toMatch(/^shop v\d+: 4 flags/);
    expect(human.stdout).toContain('unknown flags');
    expect(human.stdout).toContain('chekout-v2');
    const json = await run(['flag', 'stale', '--json']);
    assertSchema('flag-stale', json.json());
    expect(json.json<{ unknownFlags: { flagKey: string }[] }>().unknownFlags.map((u) => u.flagKey)).toEqual([
      'chekout-v2',
    ]);
    expect((await run(['flag', 'stale', '--check'])).code).toBe(1);
    const all = await run(['flag', 'stale', '--all']);
    expect(all.stdout).toContain('permanent (1)');
  });

  it('--refs scans a checkout so the stages know what code still uses', async () => {
    const code = join(dir.path, 'app');
    mkdirSync(code, { recursive: true });
    writeFileSync(join(code, 'checkout.ts'), "await client.getBooleanValue('checkout-v2', false);\n");
    const json = await run(['flag', 'stale', '--refs', code, '--json']);
    const report = json.json<{
      flags: { flagKey: string; codeReferences?: number }[];
      codeScan: { source: string };
    }>();
    assertSchema('flag-stale', report);
    expect(report.flags.find((f) => f.flagKey === 'checkout-v2')?.codeReferences).toBe(1);
    expect(report.flags.find((f) => f.flagKey === 'banner-text')?.codeReferences).toBe(0);
  });
});

describe('ensign flag archive and unarchive', () => {
  it('archive stops serving a flag and keeps it; unarchive restores it; both per their schemas', async () => {
    const archived = await run(['flag', 'archive', 'legacy-search', '--reason', 'off for a year', '--json']);
    expect(archived.code, archived.stderr).toBe(0);
    assertSchema('flag-archive', archived.json());
    expect(archived.json()).toMatchObject({ changed: true, archived: { reason: 'off for a year' } });
    expect((await server.backend.store.load('shop')).document.flags['legacy-search']).toBeUndefined();
    const again = await run(['flag', 'archive', 'legacy-search']);
    expect(again.stdout).toContain('already archived');
    const restored = await run(['flag', 'unarchive', 'legacy-search', '--json']);
    expect(restored.code, restored.stderr).toBe(0);
    assertSchema('flag-unarchive', restored.json());
    expect((await server.backend.store.load('shop')).document.flags['legacy-search']).toEqual(
      shopFlags().flags['legacy-search'],
    );
    const missing = await run(['flag', 'unarchive', 'legacy-search']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('not archived');
    const viewer = await run(['flag', 'archive', 'banner-text'], { ENSIGN_TOKEN: server.tokens.viewer });
    expect(viewer.code).toBe(4);
  });
});

describe('ensign refs', () => {
  it('finds references, unused flags and unknown keys; --check fails on the latter; --json per its schema', async () => {
    const code = join(dir.path, 'repo');
    mkdirSync(join(code, 'src'), { recursive: true });
    writeFileSync(join(code, '.gitignore'), 'build/\n');
    mkdirSync(join(code, 'build'));
    writeFileSync(join(code, 'build', 'out.js'), "getBooleanValue('nope', false)\n");
    writeFileSync(
      join(code, 'src', 'app.ts'),
      [
        "const a = await client.getBooleanValue('checkout-v2', false);",
        "const b = await client.getStringValue('banner-txt', 'plain');",
        'const c = PAYMENTS_ENABLED;',
      ].join('\n'),
    );
    const file = dir.write('shop.json', shopFlags());
    const human = await run(['refs', code, '--flags', file]);
    expect(human.code, human.stderr).toBe(0);
    expect(overWide(human.stdout)).toEqual([]);
    expect(human.stdout).toMatch(/files\/s/);
    expect(human.stdout).toContain('src/app.ts:2:');
    const checked = await run([
      'refs',
      code,
      '--flags',
      file,
      '--check',
      '--alias',
      'UPPER_SNAKE_CASE',
      '--json',
    ]);
    expect(checked.code).toBe(1);
    const out = checked.json<{
      counts: Record<string, number>;
      missing: { flagKey: string }[];
      unreferenced: string[];
    }>();
    assertSchema('refs', out);
    expect(out.counts).toMatchObject({ 'checkout-v2': 1, 'payments-enabled': 1, 'banner-text': 0 });
    expect(out.missing.map((m) => m.flagKey)).toEqual(['banner-txt']);
    expect(out.unreferenced).toEqual(['banner-text', 'legacy-search']);
    expect(checked.stderr).toContain('1 reference to flags that do not exist');
  });

  it('--upload keeps the scan in the server, where the report uses it', async () => {
    const code = join(dir.path, 'upload');
    mkdirSync(code, { recursive: true });
    writeFileSync(join(code, 'a.ts'), "client.getBooleanValue('checkout-v2', false);\n");
    const uploaded = await run([
      'refs',
      code,
      '--upload',
      '--source',
      'acme/shop',
      '--revision',
      'abc123',
      '--json',
    ]);
    expect(uploaded.code, uploaded.stderr).toBe(0);
    expect(uploaded.json()).toMatchObject({ uploaded: true, flagSet: 'shop' });
    const report = await run(['flag', 'stale', '--json']);
    expect(report.json()).toMatchObject({ codeScan: { source: 'acme/shop', revision: 'abc123' } });
    expect((await run(['refs', code, '--flags', 'x.json', '--upload'])).code).toBe(64);
  });
});

describe('ensign generate', () => {
  it('writes typed accessors from the live set, or prints them; a manifest with --format manifest', async () => {
    const out = join(dir.path, 'flags.ts');
    const written = await run(['generate', '--out', out, '--json']);
    expect(written.code, written.stderr).toBe(0);
    assertSchema('generate', written.json());
    expect(written.json<{ accessors: { name: string }[] }>().accessors.map((a) => a.name)).toContain(
      'checkoutV2',
    );
    const source = readFileSync(out, 'utf8');
    expect(source).toContain('ensign:generated');
    expect(source).toContain('flag set "shop"');
    const printed = await run(['generate', dir.write('shop2.json', shopFlags())]);
    expect(printed.stdout).toContain('export const bannerText: TypedFlag<string>');
    const manifest = await run(['generate', '--format', 'manifest']);
    expect(JSON.parse(manifest.stdout)).toMatchObject({
      flags: { 'checkout-v2': { flagType: 'boolean', defaultValue: false } },
    });
  });
});

describe('ensign lint', () => {
  it('checks nothing until conventions are turned on; then exits 1 on errors, per its schema', async () => {
    const file = dir.write('lint.json', shopFlags());
    const off = await run(['lint', file]);
    expect(off.code).toBe(0);
    expect(off.stdout).toContain('No convention is turned on');
    const recommended = await run(['lint', file, '--preset', 'recommended', '--json']);
    expect(recommended.code).toBe(1);
    assertSchema('lint', recommended.json());
    expect(recommended.json<{ issues: { flagKey: string; rule: string }[] }>().issues).toContainEqual(
      expect.objectContaining({ flagKey: 'legacy-search', rule: 'owner' }),
    );
    dir.write('ensign.config.json', { lint: { rules: { owner: 'warn' } } });
    const configured = await run(['lint', file]);
    expect(configured.code).toBe(0);
    expect(overWide(configured.stdout)).toEqual([]);
    expect(configured.stdout).toContain('legacy-search: no owner');
    dir.write('ensign.config.json', { lint: { rules: { owners: 'warn' } } });
    const bad = await run(['lint', file]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('unknown rule "owners"');
  });
});
