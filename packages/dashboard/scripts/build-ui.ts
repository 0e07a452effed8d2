/**
 * Builds the dashboard into `dist-ui/`: one ES module bundle (Preact, uPlot, the app) and its
 * stylesheet, with content hashes in their names, the engine chunk (`@ensign/core`) split off and
 * loaded on the flag page only, and `index.html` naming them. No inline script or style anywhere,
 * so the server's strict CSP holds. Writes `dist-ui/size.json` (bytes and gzipped bytes of every
 * file and of the whole app) and prints the gzipped total.
 *
 * Run by the root `pnpm build` (after `tsc -b`); `pnpm --filter @ensign/dashboard build:ui` alone.
 */
import { copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = join(root, 'dist-ui');

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const result = await build({
  absWorkingDir: root,
  entryPoints: { app: 'src/ui/main.tsx' },
  bundle: true,
  splitting: true,
  format: 'esm',
  target: 'es2022',
  platform: 'browser',
  minify: true,
  sourcemap: false,
  jsx: 'automatic',
  jsxImportSource: 'preact',
  // Workspace packages from their TypeScript sources (the `source` export condition).
  conditions: ['source'],
  entryNames: '[name]-[hash]',
  chunkNames: 'chunk-[hash]',
  assetNames: '[name]-[hash]',
  outdir: out,
  metafile: true,
  legalComments: 'none',
  logLevel: 'warning',
});

const outputs = Object.entries(result.metafile.outputs);
const entry = outputs.find(([, o]) => o.entryPoint === 'src/ui/main.tsx');
if (!entry) throw new Error('build-ui: no entry output');
const script = basename(entry[0]);
const style = entry[1].cssBundle ? basename(entry[1].cssBundle) : undefined;
copyFileSync(join(root, 'src/ui/icon.svg'), join(out, 'icon.svg'));
writeFileSync(
  join(out, 'index.html'),
  [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<title>Ensign</title>',
    '<link rel="icon" href="icon.svg" type="image/svg+xml">',
    ...(style ? [`<link rel="stylesheet" href="${style}">`] : []),
    `<script type="module" src="${script}"></script>`,
    '</head>',
    '<body><div id="app"></div></body>',
    '</html>',
    '',
  ].join('\n'),
);

const files = readdirSync(out).filter((f) => statSync(join(out, f)).isFile());
const sizes = files.map((file) => {
  const body = readFileSync(join(out, file));
  return { file, bytes: body.length, gzip: gzipSync(body, { level: 9 }).length };
});
const initial = sizes.filter((s) => s.file === 'index.html' || s.file === script || s.file === style);
const sum = (list: typeof sizes) =>
  list.reduce((a, s) => ({ bytes: a.bytes + s.bytes, gzip: a.gzip + s.gzip }), { bytes: 0, gzip: 0 });
const report = { files: sizes, total: sum(sizes), initial: sum(initial) };
writeFileSync(join(out, 'size.json'), `${JSON.stringify(report, null, 2)}\n`);
const kb = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
console.log(
  `dashboard: ${files.length} files in dist-ui/, ${kb(report.total.gzip)} gzipped in all (${kb(report.initial.gzip)} for the first page; the rule engine loads on the flag page)`,
);
