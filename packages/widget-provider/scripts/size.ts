/**
 * Measures the widget entries as users ship them: bundled, minified and gzipped, without the
 * OpenFeature SDK (which the app bundles once for all its providers).
 * - `/widget`: the web provider every widget loads (budget 4 KB);
 * - `/live`: what an app that opts in to live refresh loads on top of it (the `/widget` modules
 *   it shares are not counted again), and both together.
 * Run: `pnpm --filter @ensign/widget-provider size`
 */
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { type Plugin, build } from 'esbuild';

/** The size budget of the widget entry, minified and gzipped. */
export const WIDGET_GZIP_BUDGET_BYTES = 4096;
/** The budget of the widget and live entries together: what an app that opts in ships. */
export const LIVE_GZIP_BUDGET_BYTES = 8192;

/** Sizes of one bundle. */
export interface WidgetBundleSize {
  minifiedBytes: number;
  gzipBytes: number;
  /** The minified code. */
  code: string;
}

const source = (path: string) => fileURLToPath(new URL(`../src/${path}`, import.meta.url));

/** Leaves the widget entry's own modules out, as an app that loads both ships them once. */
const widgetModulesExternal: Plugin = {
  name: 'widget-modules-external',
  setup(builder) {
    builder.onResolve({ filter: /\/widget\/(widget-flag-provider|host)\.js$/ }, (args) => ({
      path: args.path,
      external: true,
    }));
  },
};

async function measure(contents: string, plugins: Plugin[] = []): Promise<WidgetBundleSize> {
  const result = await build({
    stdin: { contents, resolveDir: source(''), loader: 'ts' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    external: ['@openfeature/web-sdk', '@openfeature/core'],
    plugins,
    write: false,
    logLevel: 'silent',
  });
  const code = result.outputFiles[0]?.contents ?? new Uint8Array();
  return {
    minifiedBytes: code.byteLength,
    gzipBytes: gzipSync(code, { level: 9 }).byteLength,
    code: new TextDecoder().decode(code),
  };
}

/** Bundles `src/widget/index.ts` minified, with `@openfeature/*` external, and gzips it. */
export function measureWidgetBundle(): Promise<WidgetBundleSize> {
  return measure("export * from './widget/index.ts';");
}

/** The live entry alone (what opting in adds) and the widget and live entries together. */
export async function measureLiveBundle(): Promise<{
  alone: WidgetBundleSize;
  withWidget: WidgetBundleSize;
}> {
  return {
    alone: await measure("export * from './live/index.ts';", [widgetModulesExternal]),
    withWidget: await measure("export * from './widget/index.ts';\nexport * from './live/index.ts';"),
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const widget = await measureWidgetBundle();
  const live = await measureLiveBundle();
  const line = (name: string, size: WidgetBundleSize, budget: string) =>
    console.log(`${name}: ${size.minifiedBytes} B minified, ${size.gzipBytes} B gzipped (${budget})`);
  line('@ensign/widget-provider/widget', widget, `budget ${WIDGET_GZIP_BUDGET_BYTES} B`);
  line('@ensign/widget-provider/live, added on top', live.alone, 'the widget modules it shares not counted');
  line('/widget + /live together', live.withWidget, `budget ${LIVE_GZIP_BUDGET_BYTES} B`);
  console.log('OpenFeature SDK excluded from all three.');
}
