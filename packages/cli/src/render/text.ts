/**
 * Human output that fits 80 columns: long lines wrap at spaces under their own indentation (a
 * word longer than a line is cut), tables shrink their last column. Every human line `ensign`
 * prints goes through {@link fitLines}, so no command can print a line wider than
 * {@link COLUMNS}.
 */

/** The width human output fits in. */
export const COLUMNS = 80;

/** Width of a string in columns (code points; the CLI prints no wide characters of its own). */
export function width(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

function cut(text: string, columns: number): [string, string] {
  const chars = [...text];
  return [chars.slice(0, columns).join(''), chars.slice(columns).join('')];
}

/**
 * Wraps one line to `columns`: continuation lines get the line's indentation plus `hang` spaces.
 */
export function wrapLine(line: string, columns = COLUMNS, hang = 2): string[] {
  if (width(line) <= columns) return [line];
  const indent = /^ */.exec(line)![0].length;
  const continuation = ' '.repeat(Math.min(indent + hang, Math.floor(columns / 2)));
  const out: string[] = [];
  let current = '';
  let prefix = line.slice(0, indent);
  const words = line.slice(indent).split(/(?<= )/);
  for (const word of words) {
    if (width(prefix + current + word.trimEnd()) <= columns) {
      current += word;
      continue;
    }
    if (current.trim() !== '') {
      out.push((prefix + current).trimEnd());
      prefix = continuation;
      current = '';
    }
    let rest = word;
    while (width(prefix + rest.trimEnd()) > columns) {
      const [head, tail] = cut(rest, columns - width(prefix));
      out.push(prefix + head);
      prefix = continuation;
      rest = tail;
    }
    current = rest;
  }
  if (current.trim() !== '') out.push((prefix + current).trimEnd());
  return out;
}

/** Wraps every line of `text` to {@link COLUMNS}. */
export function fitLines(text: string, columns = COLUMNS): string {
  return text
    .split('\n')
    .flatMap((line) => wrapLine(line, columns))
    .join('\n');
}

/** Shortens `text` to `columns`, ending with `…` when cut. */
export function truncate(text: string, columns: number): string {
  if (width(text) <= columns) return text;
  return `${cut(text, Math.max(0, columns - 1))[0]}…`;
}

/** Pads `text` with spaces to `columns`. */
export function pad(text: string, columns: number): string {
  return text + ' '.repeat(Math.max(0, columns - width(text)));
}

/**
 * A table: a header row and rows of cells. Every column but the last is as wide as its widest
 * cell (capped at `maxWidths`); the last takes what is left of {@link COLUMNS} and wraps under
 * itself.
 */
export function table(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  maxWidths: readonly number[] = [],
  indent = '',
): string {
  const count = header.length;
  const widths: number[] = [];
  for (let c = 0; c < count - 1; c++) {
    const widest = Math.max(width(header[c]!), ...rows.map((row) => width(row[c] ?? '')));
    widths.push(Math.min(widest, maxWidths[c] ?? 40));
  }
  const before = width(indent) + widths.reduce((sum, w) => sum + w + 2, 0);
  const last = Math.max(12, COLUMNS - before);
  const lines: string[] = [];
  for (const row of [header, ...rows]) {
    const cells = widths.map((w, c) => pad(truncate(row[c] ?? '', w), w));
    const wrapped = wrapLine(row[count - 1] ?? '', last, 0);
    lines.push(`${indent}${cells.join('  ')}  ${wrapped[0] ?? ''}`.trimEnd());
    for (const more of wrapped.slice(1)) lines.push(`${' '.repeat(before)}${more}`.trimEnd());
  }
  return lines.join('\n');
}

/** `1 flag`, `2 flags`. */
export function plural(count: number, noun: string, nouns = `${noun}s`): string {
  return `${count} ${count === 1 ? noun : nouns}`;
}
