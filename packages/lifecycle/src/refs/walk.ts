/**
 * Walking a source tree as git sees it: `.gitignore` files at every level (and
 * `.git/info/exclude`), the caller's ignore patterns, never `.git` or `node_modules` and never a
 * symbolic link (a link can leave the tree or loop). Synchronous on purpose: for many small files
 * a plain loop of `readdirSync` is faster than promise scheduling, and a scan has nothing else to
 * do meanwhile.
 */
import { type Dirent, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { type IgnoreRule, isIgnored, parseIgnore } from './gitignore.js';

/** Names never entered, whatever the ignore files say. */
const NEVER = new Set(['.git', 'node_modules']);

/** Options of {@link walkFiles}. */
export interface WalkOptions {
  /** Read `.gitignore` files and `.git/info/exclude`. @default true */
  gitignore?: boolean;
  /** More patterns in `.gitignore` syntax, relative to the root. */
  ignore?: readonly string[];
}

/** What a walk found besides files. */
export interface WalkStats {
  /** Files and directories left out by ignore rules. */
  ignored: number;
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * Calls `onFile` with each file's path relative to `root` (`/`-separated) and absolute, in
 * directory order.
 */
export function walkFiles(
  root: string,
  onFile: (relative: string, absolute: string) => void,
  options: WalkOptions = {},
): WalkStats {
  const stats: WalkStats = { ignored: 0 };
  const useGit = options.gitignore !== false;
  const rootRules: IgnoreRule[] = [];
  if (useGit) {
    const exclude = readText(join(root, '.git', 'info', 'exclude'));
    if (exclude !== undefined) rootRules.push(...parseIgnore(exclude, ''));
  }
  // The caller's own patterns win over every ignore file: a `!` there cannot bring back what they leave out.
  const extra = parseIgnore((options.ignore ?? []).join('\n'), '');
  const visit = (relative: string, absolute: string, inherited: readonly IgnoreRule[]) => {
    let entries: Dirent[];
    try {
      entries = readdirSync(absolute, { withFileTypes: true });
    } catch {
      return; // unreadable directory: nothing to scan there
    }
    let rules = inherited;
    if (useGit && entries.some((e) => e.name === '.gitignore' && e.isFile())) {
      const text = readText(join(absolute, '.gitignore'));
      // A deeper file's rules come after its parents': they win.
      if (text !== undefined) rules = [...inherited, ...parseIgnore(text, relative)];
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      if (entry.isSymbolicLink()) continue;
      const directory = entry.isDirectory();
      if (!directory && !entry.isFile()) continue;
      if (directory && NEVER.has(entry.name)) continue;
      const path = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (
        (rules.length > 0 && isIgnored(rules, path, directory)) ||
        (extra.length > 0 && isIgnored(extra, path, directory))
      ) {
        stats.ignored++;
        continue;
      }
      if (directory) visit(path, join(absolute, entry.name), rules);
      else onFile(path, join(absolute, entry.name));
    }
  };
  visit('', root, rootRules);
  return stats;
}
