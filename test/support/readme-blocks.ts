/**
 * The TypeScript code blocks of a README, for compiling them as a user would. Conventions:
 * - ```` ```ts ````, ```` ```typescript ```` and ```` ```tsx ```` blocks are compiled, each as a
 *   module of its own;
 * - ```` ```ts prelude ```` blocks are prepended to every other block of the same README (shared
 *   declarations such as `declare const document: FlagSetDocument`), and not compiled alone;
 * - ```` ```ts no-compile ```` marks a block that is not compiled (say why next to it). Any other
 *   word after the language is refused, so a block cannot be skipped by accident.
 */
import { readFileSync } from 'node:fs';

/** One block to compile: where it came from and its full text (prelude included). */
export interface ReadmeBlock {
  readonly readme: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
  readonly tsx: boolean;
  readonly code: string;
}

/** What a README holds: the blocks to compile and the ones marked `no-compile`. */
export interface ReadmeBlocks {
  readonly compiled: ReadmeBlock[];
  readonly skipped: { readme: string; line: number }[];
}

const TS = /^(ts|typescript|tsx)$/;

/** Extracts the blocks of `path` (named `readme` in reports). */
export function readmeBlocks(path: string, readme: string): ReadmeBlocks {
  const lines = readFileSync(path, 'utf8').split('\n');
  const preludes: string[] = [];
  const blocks: { line: number; tsx: boolean; code: string }[] = [];
  const skipped: { readme: string; line: number }[] = [];
  for (let i = 0; i < lines.length; i++) {
    const fence = /^```(\S*)\s*(.*)$/.exec(lines[i]!);
    if (!fence) continue;
    const [, language = '', marker = ''] = fence;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i]!); i++) body.push(lines[i]!);
    if (!TS.test(language)) continue;
    const code = body.join('\n');
    if (marker === 'prelude') preludes.push(code);
    else if (marker === 'no-compile') skipped.push({ readme, line: start + 1 });
    else if (marker === '') blocks.push({ line: start + 1, tsx: language === 'tsx', code });
    else
      throw new Error(
        `${readme}:${start + 1}: unknown code block marker "${marker}" (use prelude or no-compile)`,
      );
  }
  const prelude = preludes.join('\n');
  return {
    compiled: blocks.map((b) => ({
      readme,
      line: b.line,
      tsx: b.tsx,
      code: `${prelude}\n${b.code}\nexport {};\n`,
    })),
    skipped,
  };
}
