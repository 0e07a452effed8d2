/**
 * `.gitignore` matching, as git does it (gitignore(5)), without a dependency: blank lines and
 * `#` comments skipped, `!` re-includes, a trailing `/` matches directories only, a pattern
 * with a `/` before its end is anchored to its file's directory (else it matches a name at any
 * depth), `*` and `?` stay within one path segment, `**` spans segments, `[...]` classes,
 * backslash escapes, trailing spaces trimmed unless escaped. The last matching rule wins, and a
 * deeper `.gitignore` comes after its parents. An ignored directory is not entered, so nothing
 * under it can be re-included (as in git).
 */

/** One compiled rule. */
export interface IgnoreRule {
  /** The directory of the file it came from, relative to the scan root (`''` for the root). */
  readonly base: string;
  readonly negate: boolean;
  readonly directoryOnly: boolean;
  readonly regex: RegExp;
  /** The line as written, for messages. */
  readonly source: string;
}

/** The regex source of a glob (without anchors). */
function globToRegex(glob: string): string {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '\\' && i + 1 < glob.length) {
      out += escapeChar(glob[++i]!);
    } else if (c === '*') {
      if (glob[i + 1] === '*') {
        const atStart = i === 0 || glob[i - 1] === '/';
        const atEnd = i + 2 === glob.length;
        if (atStart && glob[i + 2] === '/') {
          out += '(?:.*/)?'; // `**/`: zero or more directories
          i += 2;
        } else if (atStart && atEnd) {
          out += '.*'; // `/**` at the end: everything inside
          i += 1;
        } else {
          out += '[^/]*'; // `**` elsewhere is an ordinary `*`
          i += 1;
        }
      } else out += '[^/]*';
    } else if (c === '?') {
      out += '[^/]';
    } else if (c === '[') {
      const close = glob.indexOf(']', i + 2);
      if (close === -1) out += '\\[';
      else {
        let body = glob.slice(i + 1, close);
        const negated = body.startsWith('!') || body.startsWith('^');
        if (negated) body = body.slice(1);
        out += `[${negated ? '^' : ''}${body.replace(/\\/g, '\\\\').replace(/\]/g, '\\]')}]`;
        i = close;
      }
    } else out += escapeChar(c);
  }
  return out;
}

function escapeChar(c: string): string {
  return /[.*+?^${}()|[\]\\/]/.test(c) ? `\\${c}` : c;
}

/**
 * The rules of one ignore file's `text`, found in directory `base` (relative to the scan root,
 * `''` for the root itself).
 * @example
 * const rules = parseIgnore('dist/\n*.log\n!keep.log', '');
 * isIgnored(rules, 'app/debug.log', false) // → true
 */
export function parseIgnore(text: string, base: string): IgnoreRule[] {
  const rules: IgnoreRule[] = [];
  for (const raw of text.split(/\r?\n/)) {
    // Trailing spaces go unless escaped with a backslash.
    let line = raw.replace(/(?<!\\)\s+$/, '');
    if (line === '' || line.startsWith('#')) continue;
    let negate = false;
    if (line.startsWith('!')) {
      negate = true;
      line = line.slice(1);
    }
    let directoryOnly = false;
    if (line.endsWith('/') && !line.endsWith('\\/')) {
      directoryOnly = true;
      line = line.replace(/\/+$/, '');
    }
    if (line === '') continue;
    const anchored = line.includes('/');
    if (line.startsWith('/')) line = line.slice(1);
    const body = globToRegex(line);
    const regex = new RegExp(anchored ? `^${body}$` : `^(?:.*/)?${body}$`);
    rules.push({ base, negate, directoryOnly, regex, source: raw });
  }
  return rules;
}

/**
 * Whether `path` (relative to the scan root, `/`-separated) is ignored by `rules` (in order:
 * parents' files before deeper ones, lines in order). The last rule that matches decides.
 */
export function isIgnored(rules: readonly IgnoreRule[], path: string, directory: boolean): boolean {
  let ignored = false;
  for (const rule of rules) {
    if (rule.directoryOnly && !directory) continue;
    if (ignored !== rule.negate) continue; // cannot change the outcome
    let relative = path;
    if (rule.base !== '') {
      if (!path.startsWith(`${rule.base}/`)) continue;
      relative = path.slice(rule.base.length + 1);
    }
    if (rule.regex.test(relative)) ignored = !rule.negate;
  }
  return ignored;
}
