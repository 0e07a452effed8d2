/**
 * The code reference scanner on fixture repositories written by the test: OpenFeature calls,
 * generated accessors, each alias kind, keys the set lacks (and archived ones), `.gitignore`
 * at several levels with negation, binary files, huge files and generated files.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CodeReferenceScan,
  generateAccessors,
  isIgnored,
  parseIgnore,
  scanCodeReferences,
} from '../src/index.js';

const KEYS = ['new-checkout', 'layout-exp', 'dark-mode', 'search-v2', 'never-used'];
let root: string;

function write(path: string, content: string | Buffer): void {
  const full = join(root, path);
  mkdirSync(dirname(full), { recursive: true });
  writeFileSync(full, content);
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'ensign-refs-'));
  write(
    '.gitignore',
    ['# build output', 'dist/', '*.log', '!keep.log', 'vendor/**/*.js', '/top-only.ts', ''].join('\n'),
  );
  write(
    'src/checkout.ts',
    [
      "import { OpenFeature } from '@openfeature/server-sdk';",
      'const client = OpenFeature.getClient();',
      "// it's the new checkout",
      "export const on = await client.getBooleanValue('new-checkout', false, ctx);",
      'export const layout = await client.getStringDetails<"grid" | "list">("layout-exp", "list");',
      "export const typo = await client.getBooleanValue('new-chekout', false);",
      "export const gone = client.getBooleanValue('old-banner', false);",
      'export const dynamic = client.getBooleanValue(key, false);',
    ].join('\n'),
  );
  write(
    'src/flags.ts',
    generateAccessors({
      flags: { 'search-v2': { state: 'ENABLED', variants: { on: true }, defaultVariant: 'on' } },
    }).source,
  );
  write(
    'src/search.tsx',
    "import { searchV2 } from './flags';\nexport const results = await searchV2.value(client, ctx);\n",
  );
  write('src/constants.ts', "export const DARK_MODE = 'x';\nif (isEnabled(Flags.LAYOUT_EXP)) render();\n");
  write(
    'src/aliases.ts',
    'const layoutExp = 1;\nconst LayoutExp = 2;\nconst layout_exp = 3;\nconst dark_modes = 4;\n',
  );
  write('docs/guide.md', 'Turn on `dark-mode` in staging first.\nThe legacy_flag constant holds it.\n');
  write('config.yaml', 'theme: "dark.mode"\n');
  write('dist/bundle.js', "getBooleanValue('dark-mode', false)\n");
  write('app.log', 'dark-mode\n');
  write('keep.log', '"dark-mode"\n');
  write('top-only.ts', "'dark-mode'\n");
  write('nested/top-only.ts', "'dark-mode'\n");
  write('nested/.gitignore', '*.txt\n');
  write('nested/notes.txt', "'dark-mode'\n");
  write('nested/sub/x.ts', "getBooleanValue('dark-mode', false)\n");
  write('vendor/a/b/c.js', "'dark-mode'\n");
  write('vendor/a/b/c.ts', "'dark-mode'\n");
  write('node_modules/lib/index.js', "'dark-mode'\n");
  write(
    'image.png',
    Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0]), Buffer.from("'dark-mode'")]),
  );
  write('huge.txt', `'dark-mode'\n${'x'.repeat(2_000_000)}`);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const where = (scan: CodeReferenceScan, flagKey: string) =>
  scan.references
    .filter((r) => r.flagKey === flagKey)
    .map((r) => `${r.file}:${r.line}:${r.kind}${r.alias ? `=${r.alias}` : ''}`);

describe(scanCodeReferences.name, () => {
  it('finds OpenFeature calls and quoted keys, with file, line, column and context', () => {
    const scan = scanCodeReferences(root, { flagKeys: KEYS, archivedKeys: ['old-banner'] });
    expect(where(scan, 'new-checkout')).toEqual(['src/checkout.ts:4:call']);
    const ref = scan.references.find((r) => r.flagKey === 'new-checkout')!;
    expect(ref.column).toBe(49);
    expect(ref.contextStart).toBe(2);
    expect(ref.context).toHaveLength(5);
    expect(ref.context[2]).toContain("getBooleanValue('new-checkout'");
    // A generic type argument between the method and its parenthesis.
    expect(where(scan, 'layout-exp')).toEqual(['src/checkout.ts:5:call']);
    expect(where(scan, 'search-v2')).toEqual(['src/search.tsx:2:accessor=searchV2']);
  });

  it('reports calls to keys the set lacks (archived ones as such), and flags no code mentions', () => {
    const scan = scanCodeReferences(root, { flagKeys: KEYS, archivedKeys: ['old-banner'] });
    expect(scan.missing.map((m) => [m.flagKey, m.file, m.line, m.archived])).toEqual([
      ['new-chekout', 'src/checkout.ts', 6, false],
      ['old-banner', 'src/checkout.ts', 7, true],
    ]);
    expect(scan.missingCounts).toEqual({ 'new-chekout': 1, 'old-banner': 1 });
    expect(scan.unreferenced).toEqual(['never-used']);
    expect(scan.counts['never-used']).toBe(0);
  });

  it('honours .gitignore at every level, with negation and anchoring, and never enters node_modules', () => {
    const scan = scanCodeReferences(root, { flagKeys: KEYS });
    expect(where(scan, 'dark-mode').sort()).toEqual(
      [
        'docs/guide.md:1:literal',
        'keep.log:1:literal',
        'nested/sub/x.ts:1:call',
        'nested/top-only.ts:1:literal',
        'vendor/a/b/c.ts:1:literal',
      ].sort(),
    );
    // dist/, app.log, /top-only.ts, nested/notes.txt, vendor/a/b/c.js
    expect(scan.files.ignored).toBe(5);
    const everything = scanCodeReferences(root, { flagKeys: KEYS, gitignore: false });
    expect(where(everything, 'dark-mode')).toContain('dist/bundle.js:1:call');
    expect(where(everything, 'dark-mode').some((w) => w.startsWith('node_modules/'))).toBe(false);
    const extra = scanCodeReferences(root, { flagKeys: KEYS, ignore: ['docs/', '*.log'] });
    expect(where(extra, 'dark-mode').some((w) => w.startsWith('docs/') || w.startsWith('keep.log'))).toBe(
      false,
    );
  });

  it('skips binary, huge and generated files, and counts them', () => {
    const scan = scanCodeReferences(root, { flagKeys: KEYS });
    expect(scan.files).toMatchObject({ binary: 1, tooLarge: 1, generated: 1 });
    const roomy = scanCodeReferences(root, { flagKeys: KEYS, maxFileBytes: 10_000_000 });
    expect(roomy.files.tooLarge).toBe(0);
    expect(where(roomy, 'dark-mode')).toContain('huge.txt:1:literal');
    expect(where(roomy, 'dark-mode').some((w) => w.startsWith('image.png'))).toBe(false);
  });

  it('matches each alias kind only when asked: case conversions, literal aliases, patterns', () => {
    const plain = scanCodeReferences(root, { flagKeys: KEYS });
    expect(where(plain, 'layout-exp')).toEqual(['src/checkout.ts:5:call']);
    const camel = scanCodeReferences(root, { flagKeys: KEYS, aliases: ['camelCase'] });
    expect(where(camel, 'layout-exp')).toContain('src/aliases.ts:1:alias=layoutExp');
    expect(where(camel, 'layout-exp')).not.toContain('src/aliases.ts:2:alias=LayoutExp');
    const pascal = scanCodeReferences(root, { flagKeys: KEYS, aliases: ['PascalCase'] });
    expect(where(pascal, 'layout-exp')).toContain('src/aliases.ts:2:alias=LayoutExp');
    const snake = scanCodeReferences(root, { flagKeys: KEYS, aliases: ['snake_case'] });
    expect(where(snake, 'layout-exp')).toContain('src/aliases.ts:3:alias=layout_exp');
    // Whole identifiers only: dark_modes is not dark_mode.
    expect(where(snake, 'dark-mode').some((w) => w.includes('dark_modes'))).toBe(false);
    const upper = scanCodeReferences(root, { flagKeys: KEYS, aliases: ['UPPER_SNAKE_CASE'] });
    expect(where(upper, 'dark-mode')).toContain('src/constants.ts:1:alias=DARK_MODE');
    const dotted = scanCodeReferences(root, { flagKeys: KEYS, aliases: ['dot.case'] });
    expect(where(dotted, 'dark-mode')).toContain('config.yaml:1:alias=dark.mode');
    const literal = scanCodeReferences(root, {
      flagKeys: KEYS,
      literalAliases: { 'new-checkout': ['legacy_flag'] },
    });
    expect(where(literal, 'new-checkout')).toContain('docs/guide.md:2:alias=legacy_flag');
    const pattern = scanCodeReferences(root, {
      flagKeys: KEYS,
      patterns: ['isEnabled\\(Flags\\.{UPPER_SNAKE_CASE}\\)'],
    });
    expect(where(pattern, 'layout-exp')).toContain('src/constants.ts:2:pattern=isEnabled(Flags.LAYOUT_EXP)');
    expect(() => scanCodeReferences(root, { flagKeys: KEYS, patterns: ['no placeholder'] })).toThrow(
      /exactly one placeholder/,
    );
  });

  it('keeps at most maxReferencesPerFlag in detail, counting all', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ensign-refs-many-'));
    try {
      writeFileSync(join(dir, 'many.ts'), Array.from({ length: 40 }, () => "f('new-checkout');").join('\n'));
      const scan = scanCodeReferences(dir, { flagKeys: KEYS, maxReferencesPerFlag: 10, contextLines: 0 });
      expect(scan.counts['new-checkout']).toBe(40);
      expect(scan.references).toHaveLength(10);
      expect(scan.references[0]!.context).toEqual(["f('new-checkout');"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('gitignore rules', () => {
  it('follow gitignore(5): anchoring, directories only, **, classes, escapes, negation order', () => {
    const rules = parseIgnore(
      [
        '*.tmp',
        '/build',
        'logs/',
        'a/**/z',
        'docs/**',
        '[Tt]emp?.txt',
        '\\#hash',
        '\\!bang',
        'trail\\ ',
        '!important.tmp',
      ].join('\n'),
      '',
    );
    const ignored = (path: string, dir = false) => isIgnored(rules, path, dir);
    expect(ignored('x/y.tmp')).toBe(true);
    expect(ignored('important.tmp')).toBe(false);
    expect(ignored('build', true)).toBe(true);
    expect(ignored('src/build', true)).toBe(false);
    expect(ignored('logs', true)).toBe(true);
    expect(ignored('logs', false)).toBe(false);
    expect(ignored('a/z')).toBe(true);
    expect(ignored('a/b/c/z')).toBe(true);
    expect(ignored('docs/x/y.md')).toBe(true);
    expect(ignored('docs', true)).toBe(false);
    expect(ignored('Temp1.txt')).toBe(true);
    expect(ignored('temp12.txt')).toBe(false);
    expect(ignored('#hash')).toBe(true);
    expect(ignored('!bang')).toBe(true);
    expect(ignored('trail ')).toBe(true);
    const nested = [...rules, ...parseIgnore('*.md\n!keep.md', 'sub')];
    expect(isIgnored(nested, 'sub/a.md', false)).toBe(true);
    expect(isIgnored(nested, 'sub/keep.md', false)).toBe(false);
    expect(isIgnored(nested, 'top.md', false)).toBe(false);
  });
});
