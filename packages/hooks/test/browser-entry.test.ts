import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

describe('@ensign/hooks/browser', () => {
  it('bundles for the browser with no Node built-ins and no peer dependency at run time', async () => {
    const result = await build({
      entryPoints: [fileURLToPath(new URL('../src/browser.ts', import.meta.url))],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      minify: true,
      logLevel: 'silent',
      metafile: true,
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.every((path) => path.includes('packages/hooks/src/'))).toBe(true);
    const code = result.outputFiles[0]!.text;
    expect(code).not.toMatch(/\bprocess\.|require\(|node:/);
    // A budget that catches an accidental dependency pulled in, not a size goal (about 7 KB
    // gzipped; raised from 20,000 when byte-bounded keys and per-version flip logging came in).
    expect(code.length).toBeLessThan(24_000);
  });
});
