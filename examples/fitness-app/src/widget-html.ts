/**
 * The widget's HTML: one self-contained page (script and styles inline), because hosts load a
 * `ui://` template into a sandboxed iframe and the page should not depend on this server's origin.
 * The script is bundled with esbuild on first use and kept in memory.
 */
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { WIDGET_STYLES } from './widget/styles.js';

const ENTRY = fileURLToPath(new URL('./widget/main.ts', import.meta.url));

/** Options of {@link bundleWidgetScript}. */
export interface WidgetBundleOptions {
  /**
   * Minify the bundle (smaller download, unreadable in the browser's devtools).
   * @default true
   */
  minify?: boolean;
}

/**
 * Bundles the widget script (`src/widget/main.ts` with the OpenFeature web SDK and Ensign's web
 * provider) into one browser script. Workspace packages are read from their TypeScript sources
 * (the `source` export condition), so no package build is needed for the widget.
 */
export async function bundleWidgetScript(options: WidgetBundleOptions = {}): Promise<string> {
  const result = await build({
    entryPoints: [ENTRY],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    minify: options.minify ?? true,
    conditions: ['source'],
    legalComments: 'none',
    logLevel: 'silent',
  });
  const [output] = result.outputFiles;
  if (!output) throw new Error(`esbuild produced no output for the widget entry ${ENTRY}`);
  return output.text;
}

/** Wraps a bundled script into the widget page. `</script` in the bundle is escaped. */
export function widgetPage(script: string): string {
  const safeScript = script.replace(/<\/script/gi, '<\\/script');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Your bookings</title>
<style>${WIDGET_STYLES}</style>
</head>
<body>
<div id="root" aria-live="polite"></div>
<script>${safeScript}</script>
</body>
</html>`;
}

/**
 * Returns a function that yields the widget HTML, bundling once (the first call) and reusing the
 * result; a failed bundle is retried on the next call rather than cached.
 */
export function widgetHtmlLoader(options: WidgetBundleOptions = {}): () => Promise<string> {
  let html: Promise<string> | undefined;
  return () => {
    html ??= bundleWidgetScript(options)
      .then(widgetPage)
      .catch((error: unknown) => {
        html = undefined;
        throw error;
      });
    return html;
  };
}
