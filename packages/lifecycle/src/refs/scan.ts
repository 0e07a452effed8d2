/**
 * `scanCodeReferences`: where a codebase uses each flag of a set, with file, line and context
 * lines; which flags it never mentions (safe to delete from the set, once launched or
 * inactive); which keys its OpenFeature calls name that the set lacks (bugs: they always get
 * the code default). TypeScript and JavaScript get call and accessor matching; every other text
 * file gets plain matching (quoted keys, aliases, patterns). Binary files (a NUL byte in their
 * first 8,000 bytes, as git decides) and huge ones are skipped and counted, as are generated
 * accessor files (their keys are definitions, not uses).
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { resolve } from 'node:path';
import { GENERATED_MARKER } from '../generate/accessors.js';
import type { KeyCase } from '../names.js';
import { type ReferenceKind, ReferenceMatcher, type TextHit } from './matcher.js';
import { walkFiles } from './walk.js';

/** One use of a flag. */
export interface CodeReference {
  readonly flagKey: string;
  /** Relative to the scanned root, `/`-separated. */
  readonly file: string;
  /** 1-based. */
  readonly line: number;
  /** 1-based, in UTF-16 code units. */
  readonly column: number;
  readonly kind: ReferenceKind;
  /** The text found when it is not the key (an alias, an accessor, a pattern match). */
  readonly alias?: string;
  /** The lines around it (`contextLines` before and after), each at most 200 characters. */
  readonly context: readonly string[];
  /** The 1-based line number of `context[0]`. */
  readonly contextStart: number;
}

/** A key named in an OpenFeature call that the set does not hold. */
export interface MissingReference extends Omit<CodeReference, 'kind'> {
  /** The key was archived: code still evaluates a flag nobody serves. */
  readonly archived: boolean;
}

/** Options of {@link scanCodeReferences}. */
export interface CodeReferenceOptions {
  /** The set's flag keys. */
  flagKeys: Iterable<string>;
  /** Keys archived in the set (their calls are reported as such). */
  archivedKeys?: Iterable<string>;
  /** Case conversions matched as aliases. @default [] */
  aliases?: readonly KeyCase[];
  /** Extra names per flag key (a constant holding it). */
  literalAliases?: Readonly<Record<string, readonly string[]>>;
  /** Patterns with one placeholder (`{key}`, `{camelCase}`, …); see `MatcherOptions.patterns`. */
  patterns?: readonly string[];
  /** More paths to leave out, in `.gitignore` syntax relative to the root. */
  ignore?: readonly string[];
  /** Honour `.gitignore` files. @default true */
  gitignore?: boolean;
  /** Lines of context before and after each reference. @default 2 */
  contextLines?: number;
  /** Files larger than this are skipped (bytes). @default 1048576 */
  maxFileBytes?: number;
  /** References kept in detail per flag (all are counted). @default 25 */
  maxReferencesPerFlag?: number;
  /** Missing references kept in detail (all are counted). @default 1000 */
  maxMissingReferences?: number;
}

/** What a scan found. */
export interface CodeReferenceScan {
  readonly root: string;
  readonly files: {
    readonly scanned: number;
    readonly ignored: number;
    readonly binary: number;
    readonly tooLarge: number;
    readonly generated: number;
  };
  readonly bytes: number;
  readonly durationMs: number;
  /** References per flag key of the set (0 included). */
  readonly counts: Readonly<Record<string, number>>;
  /** Keys of the set with no reference. */
  readonly unreferenced: readonly string[];
  /** References in detail, by flag key then file and line (at most `maxReferencesPerFlag` each). */
  readonly references: readonly CodeReference[];
  /** References per key the set lacks. */
  readonly missingCounts: Readonly<Record<string, number>>;
  readonly missing: readonly MissingReference[];
}

/** Extensions that get JavaScript matching (calls and accessors). */
const JAVASCRIPT = /\.(?:[cm]?[jt]sx?|vue|svelte|astro)$/i;
/** Bytes git looks at to decide that a file is binary. */
const BINARY_PROBE = 8_000;
const MAX_CONTEXT_WIDTH = 200;

/**
 * Reads a file into `buffer` (or a larger one) through one descriptor: open, fstat for the size
 * limit, read, close (a separate `stat` by path costs as much as the read). `undefined` when it
 * cannot be read, `'too-large'` beyond `maxBytes`.
 */
function readSmallFile(
  path: string,
  maxBytes: number,
  buffer: Buffer,
): { buffer: Buffer; length: number } | 'too-large' | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return undefined;
  }
  try {
    const size = fstatSync(fd).size;
    if (size > maxBytes) return 'too-large';
    let target = buffer;
    if (size + 1 > target.length) target = Buffer.allocUnsafe(Math.max(size + 1, target.length * 2));
    let length = 0;
    // Read to the end: a file may grow between fstat and read (up to the buffer).
    for (
      let n = readSync(fd, target, 0, target.length, 0);
      n > 0;
      n = readSync(fd, target, length, target.length - length, length)
    ) {
      length += n;
      if (length === target.length) break;
    }
    return length > maxBytes ? 'too-large' : { buffer: target, length };
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** Line starts of a text, computed once per file with hits. */
function lineStarts(text: string): number[] {
  const starts = [0];
  for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) starts.push(at + 1);
  return starts;
}

function lineOf(starts: readonly number[], index: number): number {
  let low = 0;
  let high = starts.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (starts[mid]! <= index) low = mid;
    else high = mid - 1;
  }
  return low;
}

/**
 * Scans `root` for references to the flags of a set.
 * @example
 * const scan = scanCodeReferences('.', { flagKeys: Object.keys(document.flags), aliases: ['camelCase'] });
 * for (const ref of scan.missing) console.error(`${ref.file}:${ref.line}: unknown flag ${ref.flagKey}`);
 */
export function scanCodeReferences(root: string, options: CodeReferenceOptions): CodeReferenceScan {
  const started = performance.now();
  const base = resolve(root);
  const keys = [...new Set(options.flagKeys)];
  const archived = new Set(options.archivedKeys ?? []);
  const matcher = new ReferenceMatcher({
    flagKeys: keys,
    ...(options.aliases !== undefined && { aliases: options.aliases }),
    ...(options.literalAliases !== undefined && { literalAliases: options.literalAliases }),
    ...(options.patterns !== undefined && { patterns: options.patterns }),
  });
  const contextLines = options.contextLines ?? 2;
  const maxBytes = options.maxFileBytes ?? 1_048_576;
  const perFlag = options.maxReferencesPerFlag ?? 25;
  const maxMissing = options.maxMissingReferences ?? 1_000;
  const counts = new Map<string, number>(keys.map((k) => [k, 0]));
  const missingCounts = new Map<string, number>();
  const references: CodeReference[] = [];
  const missing: MissingReference[] = [];
  const files = { scanned: 0, binary: 0, tooLarge: 0, generated: 0 };
  let bytes = 0;
  // One buffer for every file (grown as needed): a scan allocates per file only its text.
  let buffer: Buffer = Buffer.allocUnsafe(64 * 1024);

  const walk = walkFiles(
    base,
    (relative, absolute) => {
      const read = readSmallFile(absolute, maxBytes, buffer);
      if (read === undefined) return;
      if (read === 'too-large') {
        files.tooLarge++;
        return;
      }
      buffer = read.buffer;
      if (buffer.subarray(0, Math.min(BINARY_PROBE, read.length)).includes(0)) {
        files.binary++;
        return;
      }
      const text = buffer.toString('utf8', 0, read.length);
      if (text.slice(0, 500).includes(GENERATED_MARKER)) {
        files.generated++;
        return;
      }
      files.scanned++;
      bytes += read.length;
      const hits = matcher.find(text, JAVASCRIPT.test(relative));
      if (hits.length === 0) return;
      const starts = lineStarts(text);
      const where = (hit: TextHit) => {
        const line = lineOf(starts, hit.index);
        const first = Math.max(0, line - contextLines);
        const last = Math.min(starts.length - 1, line + contextLines);
        const context: string[] = [];
        for (let l = first; l <= last; l++) {
          const end = l + 1 < starts.length ? starts[l + 1]! - 1 : text.length;
          context.push(text.slice(starts[l], end).replace(/\r$/, '').slice(0, MAX_CONTEXT_WIDTH));
        }
        return {
          flagKey: hit.flagKey,
          file: relative,
          line: line + 1,
          column: hit.index - starts[line]! + 1,
          ...(hit.alias !== undefined && { alias: hit.alias }),
          context,
          contextStart: first + 1,
        };
      };
      for (const hit of hits) {
        if (hit.missing) {
          missingCounts.set(hit.flagKey, (missingCounts.get(hit.flagKey) ?? 0) + 1);
          if (missing.length < maxMissing)
            missing.push({ ...where(hit), archived: archived.has(hit.flagKey) });
          continue;
        }
        const n = (counts.get(hit.flagKey) ?? 0) + 1;
        counts.set(hit.flagKey, n);
        if (n <= perFlag) references.push({ ...where(hit), kind: hit.kind });
      }
    },
    {
      ...(options.gitignore !== undefined && { gitignore: options.gitignore }),
      ...(options.ignore !== undefined && { ignore: options.ignore }),
    },
  );
  references.sort((a, b) =>
    a.flagKey !== b.flagKey
      ? a.flagKey < b.flagKey
        ? -1
        : 1
      : a.file !== b.file
        ? a.file < b.file
          ? -1
          : 1
        : a.line - b.line,
  );
  return {
    root: base,
    files: { ...files, ignored: walk.ignored },
    bytes,
    durationMs: performance.now() - started,
    counts: Object.fromEntries([...counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
    unreferenced: keys.filter((k) => counts.get(k) === 0).sort(),
    references,
    missingCounts: Object.fromEntries(missingCounts),
    missing,
  };
}
