/**
 * Typed accessors as app code uses them: generated from a flag set, compiled by `tsc` in strict
 * mode (a wrong key or type is a compile error), then run through the OpenFeature client over
 * the real store provider. Also the OpenFeature CLI manifests of the same set.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { FlagSetDocument } from '@ensign/core';
import { MemoryFlagStore, StoreProvider } from '@ensign/store';
import { OpenFeature } from '@openfeature/server-sdk';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  GENERATED_MARKER,
  accessorName,
  generateAccessors,
  inCase,
  manifestEnvelopeOf,
  manifestFileOf,
} from '../src/index.js';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const quiet = { error() {}, warn() {}, info() {}, debug() {} };

const document: FlagSetDocument = {
  flags: {
    'new-checkout': {
      state: 'ENABLED',
      variants: { on: true, off: false },
      defaultVariant: 'off',
      targeting: { if: [{ '==': [{ var: 'tier' }, 'pro'] }, 'on', 'off'] },
      metadata: {
        kind: 'release',
        owner: 'payments',
        description: 'The new checkout flow */ with a comment end',
        expiresAt: '2026-09-01',
      },
    },
    new_checkout: { state: 'ENABLED', variants: { a: 'x', b: 'y' }, defaultVariant: 'a' },
    'layout-experiment': {
      state: 'ENABLED',
      variants: { grid: 'grid', list: 'list' },
      defaultVariant: 'list',
      metadata: { kind: 'experiment' },
    },
    'max-items': { state: 'ENABLED', variants: { few: 5, many: 50 }, defaultVariant: 'many' },
    'discount-rate': { state: 'ENABLED', variants: { low: 0.05, high: 0.2 }, defaultVariant: 'low' },
    'theme-config': {
      state: 'ENABLED',
      variants: { dark: { bg: '#000' }, light: { bg: '#fff' } },
      defaultVariant: 'light',
    },
    'bookings-enabled': {
      state: 'DISABLED',
      variants: { on: true, off: false },
      defaultVariant: 'on',
      metadata: { kind: 'ops', offVariant: 'off' },
    },
    '2fa-login': { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'on' },
    delete: { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off' },
    mixed: { state: 'ENABLED', variants: { a: true, b: 'b' }, defaultVariant: 'a' },
  },
};

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ensign-generate-'));
  // The app's dependencies: the OpenFeature SDK, resolved as an app would (node_modules).
  symlinkSync(join(packageDir, 'node_modules'), join(dir, 'node_modules'), 'dir');
  mkdirSync(join(dir, 'src'));
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await OpenFeature.close();
});

/** Compiles `files` (names under src/) with strict settings; resolves the diagnostics as text. */
function compile(files: string[]): string[] {
  const program = ts.createProgram(
    files.map((f) => join(dir, 'src', f)),
    {
      strict: true,
      noEmit: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      skipLibCheck: true,
      types: [],
      noUncheckedIndexedAccess: true,
      exactOptionalPropertyTypes: true,
    },
  );
  return ts
    .getPreEmitDiagnostics(program)
    .map(
      (d) =>
        `${d.file ? `${d.file.fileName.split('/').pop()}:` : ''} TS${d.code} ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`,
    );
}

describe(generateAccessors.name, () => {
  it('names accessors after their keys, distinctly, and leaves out flags of mixed types', () => {
    const file = generateAccessors(document, { flagSet: 'shop', version: 7 });
    expect(file.accessors.map((a) => [a.flagKey, a.name, a.type])).toEqual([
      ['2fa-login', 'flag2faLogin', 'boolean'],
      ['bookings-enabled', 'bookingsEnabled', 'boolean'],
      ['delete', 'deleteFlag', 'boolean'],
      ['discount-rate', 'discountRate', 'number'],
      ['layout-experiment', 'layoutExperiment', 'string'],
      ['max-items', 'maxItems', 'number'],
      ['new-checkout', 'newCheckout', 'boolean'],
      ['new_checkout', 'newCheckout2', 'string'],
      ['theme-config', 'themeConfig', 'object'],
    ]);
    expect(file.skipped).toEqual([{ flagKey: 'mixed', reason: 'its variants are not all of one type' }]);
    expect(file.source).toContain(GENERATED_MARKER);
    expect(file.source).toContain('flag set "shop", version 7');
    // A description cannot end the doc comment early.
    expect(file.source).toContain('with a comment end');
    expect(file.source).not.toMatch(/flow \*\/ with/);
  });

  it('compiles under strict tsc, and a wrong key or type does not', () => {
    writeFileSync(join(dir, 'src', 'flags.ts'), generateAccessors(document, { flagSet: 'shop' }).source);
    writeFileSync(
      join(dir, 'src', 'app.ts'),
      [
        "import type { Client } from '@openfeature/server-sdk';",
        "import { FLAG_KEYS, type FlagKey, bookingsEnabled, discountRate, newCheckout, themeConfig } from './flags.js';",
        'export async function run(client: Client) {',
        "  const on: boolean = await newCheckout.value(client, { targetingKey: 'u1', tier: 'pro' });",
        '  const rate: number = await discountRate.value(client);',
        '  const theme = await themeConfig.details(client);',
        "  const key: FlagKey = 'max-items';",
        '  return { on, rate, theme: theme.value, kill: await bookingsEnabled.value(client), key, all: FLAG_KEYS.length };',
        '}',
      ].join('\n'),
    );
    expect(compile(['app.ts'])).toEqual([]);
    writeFileSync(
      join(dir, 'src', 'bad.ts'),
      [
        "import type { Client } from '@openfeature/server-sdk';",
        "import { newChekout, newCheckout, type FlagKey } from './flags.js';",
        'export async function run(client: Client) {',
        '  const label: string = await newCheckout.value(client);',
        "  const key: FlagKey = 'new-chekout';",
        '  return { label, key, typo: newChekout };',
        '}',
      ].join('\n'),
    );
    const problems = compile(['bad.ts']);
    expect(problems.some((p) => p.includes('TS2724') || p.includes('TS2305'))).toBe(true); // no accessor newChekout
    expect(problems.some((p) => p.includes("Type 'boolean' is not assignable to type 'string'"))).toBe(true);
    expect(problems.some((p) => p.includes('"new-chekout"'))).toBe(true);
  });

  it('evaluates through the OpenFeature client over the real store provider', async () => {
    const compiled = ts.transpileModule(generateAccessors(document).source, {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    });
    const modulePath = join(dir, 'flags.mjs');
    writeFileSync(modulePath, compiled.outputText);
    const flags = (await import(pathToFileURL(modulePath).href)) as Record<
      string,
      {
        key: string;
        value(client: unknown, context?: object): Promise<unknown>;
        details(client: unknown): Promise<{ reason: string; value: unknown }>;
      }
    >;
    const { mixed: _invalid, ...valid } = document.flags;
    const store = new MemoryFlagStore({ flagSets: { shop: { flags: valid } }, logger: quiet });
    await OpenFeature.setProviderAndWait(
      'generated',
      new StoreProvider({ store, flagSet: 'shop', logger: quiet }),
    );
    const client = OpenFeature.getClient('generated');
    expect(await flags.newCheckout!.value(client, { targetingKey: 'u1', tier: 'pro' })).toBe(true);
    expect(await flags.newCheckout!.value(client, { targetingKey: 'u1', tier: 'free' })).toBe(false);
    expect(await flags.maxItems!.value(client)).toBe(50);
    expect(await flags.themeConfig!.value(client)).toEqual({ bg: '#fff' });
    // A disabled kill switch gives the code default, which is its declared off variant.
    expect(await flags.bookingsEnabled!.details(client)).toMatchObject({ reason: 'DISABLED', value: false });
    await store.deleteFlag('shop', 'max-items');
    // A flag deleted later: the accessor's default, as flagd gives a missing flag.
    await expect.poll(() => flags.maxItems!.details(client)).toMatchObject({ value: 50, reason: 'ERROR' });
    await store.close();
  });
});

describe('manifests (OpenFeature CLI)', () => {
  it('describe every flag of one type with its type and code default', () => {
    const envelope = manifestEnvelopeOf(document);
    expect(envelope.flags.find((f) => f.key === 'new-checkout')).toEqual({
      key: 'new-checkout',
      type: 'boolean',
      description: 'The new checkout flow */ with a comment end',
      defaultValue: false,
    });
    expect(envelope.flags.find((f) => f.key === 'max-items')?.type).toBe('integer');
    expect(envelope.flags.find((f) => f.key === 'discount-rate')).toMatchObject({
      type: 'float',
      defaultValue: 0.05,
    });
    expect(envelope.flags.find((f) => f.key === 'bookings-enabled')?.defaultValue).toBe(false);
    expect(envelope.flags.map((f) => f.key)).not.toContain('mixed');
    const file = manifestFileOf({
      flags: { ...document.flags, ...JSON.parse('{"__proto__": {"state":"ENABLED","variants":{"a":1}}}') },
    });
    expect(file.flags['theme-config']).toEqual({ flagType: 'object', defaultValue: { bg: '#fff' } });
    expect(Object.hasOwn(file.flags, '__proto__')).toBe(true);
  });
});

describe('key spellings', () => {
  it('convert keys between cases, as the scanner and the generator both use them', () => {
    expect(inCase('release_newCheckoutV2', 'camelCase')).toBe('releaseNewCheckoutV2');
    expect(inCase('new-checkout', 'PascalCase')).toBe('NewCheckout');
    expect(inCase('newCheckout', 'snake_case')).toBe('new_checkout');
    expect(inCase('new-checkout', 'UPPER_SNAKE_CASE')).toBe('NEW_CHECKOUT');
    expect(inCase('New Checkout', 'kebab-case')).toBe('new-checkout');
    expect(inCase('new_checkout', 'dot.case')).toBe('new.checkout');
    expect(inCase('---', 'camelCase')).toBeUndefined();
    expect(accessorName('class')).toBe('classFlag');
  });
});
