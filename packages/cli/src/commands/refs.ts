/**
 * `ensign refs [PATH]`: where a codebase uses each flag of a set (TypeScript and JavaScript:
 * OpenFeature calls, generated accessors; every text file: quoted keys, aliases, patterns),
 * which flags it never mentions, and which keys its OpenFeature calls name that the set does
 * not hold (bugs; `--check` fails CI on them). `--upload` keeps the counts in the server, so the
 * lifecycle report can tell "ready for code removal" from "ready to archive".
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { CodeReferenceScan } from '@ensign/lifecycle';
import type { CommandContext } from '../context.js';
import { usageError } from '../errors.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { refsText } from '../render/lifecycle.js';
import { setPath, withApi } from './admin-api.js';
import { type FlagSourceOptions, readFlagSource } from './flag-source.js';
import { type RefsCommandLine, loadRefsConfig, scanOptionsOf } from './refs-config.js';

/** Options of `refs`. */
export interface RefsOptions extends FlagSourceOptions, RefsCommandLine {
  config?: string;
  check?: boolean;
  upload?: boolean;
  source?: string;
  revision?: string;
}

/** The `--json` output of `refs` (schemas/refs.schema.json). */
export interface RefsOutput extends Omit<CodeReferenceScan, 'durationMs'> {
  /** Where the flags came from: a file, or `set "<name>"`. */
  readonly origin: string;
  readonly flagSet?: string;
  readonly durationMs: number;
  readonly filesPerSecond: number;
  /** Kept in the server as the set's latest scan (`--upload`). */
  readonly uploaded: boolean;
}

/** The commit checked out in `root`, read from `.git` without running git (absent: unknown). */
function gitRevision(root: string): string | undefined {
  try {
    const git = join(root, '.git');
    const head = readFileSync(join(git, 'HEAD'), 'utf8').trim();
    if (!head.startsWith('ref: ')) return head;
    const ref = join(git, head.slice(5));
    return existsSync(ref) ? readFileSync(ref, 'utf8').trim() : undefined;
  } catch {
    return undefined;
  }
}

/** `ensign refs [PATH]`. */
export async function refs(
  path: string | undefined,
  options: RefsOptions,
  context: CommandContext,
): Promise<ExitCode> {
  const root = resolve(path ?? '.');
  if (!existsSync(root)) throw usageError(`cannot scan ${root}: it does not exist`);
  if (options.upload && options.flags !== undefined)
    throw usageError('--upload keeps the scan for a live set: give --set, not --flags');
  const config = loadRefsConfig(root, options.config);
  const scanOptions = scanOptionsOf(config, options);
  const source = await readFlagSource(undefined, options, context);
  const { scanCodeReferences } = await import('@ensign/lifecycle');
  const scan = scanCodeReferences(root, {
    ...scanOptions,
    flagKeys: Object.keys(source.document.flags),
    archivedKeys: source.archived,
  });
  let uploaded = false;
  if (options.upload) {
    const revision = options.revision ?? gitRevision(root);
    await withApi(context, options, (call) =>
      call({
        method: 'PUT',
        path: `${setPath(source.flagSet!)}/lifecycle/code-references`,
        body: {
          source: options.source ?? basename(root),
          ...(revision !== undefined && { revision }),
          flags: scan.counts,
          missing: scan.missingCounts,
        },
      }),
    );
    uploaded = true;
  }
  const output: RefsOutput = {
    ...scan,
    origin: source.origin,
    ...(source.flagSet !== undefined && { flagSet: source.flagSet }),
    durationMs: Math.round(scan.durationMs),
    filesPerSecond: Math.round(scan.files.scanned / Math.max(scan.durationMs / 1000, 1e-6)),
    uploaded,
  };
  context.output.result(output, refsText);
  if (options.check && scan.missing.length > 0) {
    context.output.note(
      `--check: ${scan.missing.length} reference${scan.missing.length === 1 ? '' : 's'} to flags that do not exist`,
    );
    return EXIT.failure;
  }
  return EXIT.ok;
}
