/**
 * The previous release of `@ensign/redis-provider`, built from this repository's history, so that
 * upgrade tests run its real writers and providers beside this release's on one Redis. Its sources
 * are taken from git at {@link PREVIOUS_RELEASE} and bundled with esbuild (the OpenFeature SDK and
 * ioredis stay external, resolved from the workspace like an app's would be).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** The last commit that landed before the change feed moved to the audit log. */
export const PREVIOUS_RELEASE = '27715609f6dd94c2e276a7a704200996f70f7cb0';

/** The parts of the previous release's API the upgrade tests use. */
export interface PreviousRelease {
  RedisFlagStore: new (
    options: Record<string, unknown>,
  ) => {
    putFlag(
      set: string,
      key: string,
      flag: unknown,
      options?: Record<string, unknown>,
    ): Promise<{ version: number }>;
    patchFlag(
      set: string,
      key: string,
      patch: unknown,
      options?: Record<string, unknown>,
    ): Promise<{ version: number }>;
    replaceFlagSet(
      set: string,
      document: unknown,
      options?: Record<string, unknown>,
    ): Promise<{ version: number }>;
    version(set: string): Promise<number>;
    close(): Promise<void>;
  };
  RedisProvider: new (
    options: Record<string, unknown>,
  ) => {
    readonly version: number;
    initialize(): Promise<void>;
    onClose(): Promise<void>;
    resolveBooleanEvaluation(
      key: string,
      fallback: boolean,
      context: object,
    ): Promise<{ value: boolean; reason?: string }>;
    resolveStringEvaluation(
      key: string,
      fallback: string,
      context: object,
    ): Promise<{ value: string; reason?: string }>;
  };
}

/** Extracts, bundles and imports the previous release; `cleanup` removes what it wrote. */
export async function loadPreviousRelease(): Promise<{ release: PreviousRelease; cleanup: () => void }> {
  const tree = mkdtempSync(join(root, 'node_modules', '.ensign-previous-'));
  const cleanup = () => rmSync(tree, { recursive: true, force: true });
  try {
    const archive = execFileSync('git', [
      '-C',
      root,
      'archive',
      PREVIOUS_RELEASE,
      'packages/core/src',
      'packages/redis-provider/src',
    ]);
    mkdirSync(join(tree, 'src'), { recursive: true });
    execFileSync('tar', ['-x', '-C', join(tree, 'src')], { input: archive });
    const outfile = join(tree, 'previous.mjs');
    await build({
      entryPoints: [join(tree, 'src/packages/redis-provider/src/index.ts')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      outfile,
      alias: { '@ensign/core': join(tree, 'src/packages/core/src/index.ts') },
      // The old core's own dependencies (re2js) resolve from today's core package.
      nodePaths: [join(root, 'packages/core/node_modules')],
      external: ['ioredis', '@openfeature/server-sdk', '@openfeature/core'],
      logLevel: 'silent',
    });
    const release = (await import(pathToFileURL(outfile).href)) as PreviousRelease;
    return { release, cleanup };
  } catch (error) {
    cleanup();
    throw new Error(`could not build the previous release ${PREVIOUS_RELEASE} from git history`, {
      cause: error,
    });
  }
}
