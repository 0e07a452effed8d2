/**
 * Flag keys in other spellings: the case conversions the code scanner matches as aliases and the
 * generator names its accessors by, in one place so that both always agree.
 */

/** The case conversions of a key. */
export const CASES = [
  'camelCase',
  'PascalCase',
  'snake_case',
  'UPPER_SNAKE_CASE',
  'kebab-case',
  'dot.case',
] as const;

/** One case conversion. */
export type KeyCase = (typeof CASES)[number];

/** The words of a key: split at anything not a letter or digit, and where the case turns up. */
export function wordsOf(key: string): string[] {
  const words: string[] = [];
  for (const chunk of key.split(/[^A-Za-z0-9]+/))
    for (const word of chunk.match(/[A-Z]?[a-z]+\d*|[A-Z]+\d*(?![a-z])|\d+[a-z]*/g) ?? []) words.push(word);
  return words;
}

const capital = (word: string) => word.charAt(0).toUpperCase() + word.slice(1).toLowerCase();

/**
 * `key` in `style`, or `undefined` when it has no words.
 * @example
 * inCase('new-checkout', 'UPPER_SNAKE_CASE') // → 'NEW_CHECKOUT'
 * inCase('release_newCheckout', 'camelCase') // → 'releaseNewCheckout'
 */
export function inCase(key: string, style: KeyCase): string | undefined {
  const words = wordsOf(key);
  if (words.length === 0) return undefined;
  switch (style) {
    case 'camelCase':
      return words[0]!.toLowerCase() + words.slice(1).map(capital).join('');
    case 'PascalCase':
      return words.map(capital).join('');
    case 'snake_case':
      return words.map((w) => w.toLowerCase()).join('_');
    case 'UPPER_SNAKE_CASE':
      return words.map((w) => w.toUpperCase()).join('_');
    case 'kebab-case':
      return words.map((w) => w.toLowerCase()).join('-');
    case 'dot.case':
      return words.map((w) => w.toLowerCase()).join('.');
  }
}

const RESERVED = new Set(
  (
    'break case catch class const continue debugger default delete do else enum export extends false finally ' +
    'for function if import in instanceof new null return super switch this throw true try typeof var void ' +
    'while with yield let static implements interface package private protected public await arguments eval'
  ).split(' '),
);

/**
 * The name of a key's generated accessor: its camelCase, made a valid identifier (`flag` before
 * a leading digit or an empty name, `Flag` after a reserved word).
 * @example
 * accessorName('new-checkout') // → 'newCheckout'
 * accessorName('2fa')          // → 'flag2fa'
 */
export function accessorName(key: string): string {
  const name = inCase(key, 'camelCase') ?? 'flag';
  if (/^\d/.test(name)) return `flag${name}`;
  return RESERVED.has(name) ? `${name}Flag` : name;
}
