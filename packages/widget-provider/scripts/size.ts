/**
 * Measures the widget entry as users ship it: bundled, minified and gzipped, without the
 * OpenFeature SDK (which the app bundles once for all its providers).
 * Run: `pnpm exec tsx packages/widget-provider/scripts/size.ts`
 */
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

/** The size budget of the widget entry, minified and gzipped. */
export const WIDGET_GZIP_BUDGET_BYTES = 4096;

/** Sizes of the widget entry bundle. */
export interface WidgetBundleSize {
  minifiedBytes: number;
  gzipBytes: number;
}

/** Bundles `src/widget/index.ts` minified, with `@openfeature/*` external, and gzips it. */
export async function measureWidgetBundle(): Promise<WidgetBundleSize> {
  const result = await build({
    entryPoints: [fileURLToPath(new URL('../src/widget/index.ts', import.meta.url))],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    external: ['@openfeature/web-sdk', '@openfeature/core'],
    write: false,
    logLevel: 'silent',
  });
  const code = result.outputFiles[0]?.contents ?? new Uint8Array();
  return { minifiedBytes: code.byteLength, gzipBytes: gzipSync(code, { level: 9 }).byteLength };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { minifiedBytes, gzipBytes } = await measureWidgetBundle();
  console.log(
    `@ensign/widget-provider/widget: ${minifiedBytes} B minified, ${gzipBytes} B gzipped ` +
      `(budget ${WIDGET_GZIP_BUDGET_BYTES} B, OpenFeature SDK excluded)`,
  );
}
