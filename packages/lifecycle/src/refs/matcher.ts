/**
 * Finding flag keys in one file's text, fast: the keys themselves between quotes (the
 * delimiters of `ld-find-code-refs`), the first argument of OpenFeature calls (which also finds
 * keys the set does not hold: bugs), the generated typed accessors (`newCheckout.value(`),
 * and aliases: case conversions of every key as whole identifiers, per-flag literal aliases, and
 * patterns. Every pass is a linear scan with `Map` lookups, never one regex per key, so the cost
 * does not grow with the number of flags.
 */
import { CASES, type KeyCase, accessorName, inCase } from '../names.js';

/** How a reference was found. */
export type ReferenceKind = 'literal' | 'call' | 'accessor' | 'alias' | 'pattern';

/** One place in a text that names a flag (or, for `missing`, a key the set lacks). */
export interface TextHit {
  /** Offset of the match in the text. */
  readonly index: number;
  readonly flagKey: string;
  readonly kind: ReferenceKind;
  /** The text found, when it is not the key itself (an alias, an accessor name). */
  readonly alias?: string;
  /** A key the set does not hold, in an OpenFeature call. */
  readonly missing?: boolean;
}

/** What the matcher looks for. */
export interface MatcherOptions {
  readonly flagKeys: Iterable<string>;
  /** Case conversions matched as aliases (identifiers; `kebab-case` and `dot.case` between quotes). */
  readonly aliases?: readonly KeyCase[];
  /** Extra names per flag key, e.g. a constant that holds it. */
  readonly literalAliases?: Readonly<Record<string, readonly string[]>>;
  /**
   * Regular expressions with one placeholder naming the key or a case of it: `{key}`,
   * `{camelCase}`, `{PascalCase}`, `{snake_case}`, `{UPPER_SNAKE_CASE}`, `{kebab-case}`,
   * `{dot.case}`. E.g. `isEnabled\\(Flags\\.{UPPER_SNAKE_CASE}\\)`.
   */
  readonly patterns?: readonly string[];
  /** Look for generated accessors (`name.value(`, `name.details(`). @default true */
  readonly accessors?: boolean;
}

const IDENT = /[A-Za-z_$][\w$]*/g;
const QUOTE = /["'`]/g;
/** OpenFeature evaluation calls (server, web, React SDKs): the first argument is the key. */
const CALL =
  /\b(?:get(?:Boolean|String|Number|Object)(?:Value|Details)|use(?:Boolean|String|Number|Object)Flag(?:Value|Details)|useFlag|useSuspenseFlag)\s*(?:<[^<>()\n]*>)?\s*\(\s*(['"`])([^'"`\\\n]{1,256})\1/g;
const PLACEHOLDER = /\{(key|camelCase|PascalCase|snake_case|UPPER_SNAKE_CASE|kebab-case|dot\.case)\}/g;
const PLACEHOLDER_CLASS: Readonly<Record<string, string>> = {
  key: '[^\\s\'"`]+',
  camelCase: '[A-Za-z0-9_$]+',
  PascalCase: '[A-Za-z0-9_$]+',
  snake_case: '[a-z0-9_]+',
  UPPER_SNAKE_CASE: '[A-Z0-9_]+',
  'kebab-case': '[a-z0-9-]+',
  'dot.case': '[a-z0-9.]+',
};

function addTo(map: Map<string, string[]>, name: string, flagKey: string): void {
  const keys = map.get(name);
  if (keys === undefined) map.set(name, [flagKey]);
  else if (!keys.includes(flagKey)) keys.push(flagKey);
}

/** A compiled matcher for one set of keys. */
export class ReferenceMatcher {
  private readonly keys: ReadonlySet<string>;
  /** Text between quotes → flags (keys, and quoted aliases). */
  private readonly quoted = new Map<string, string[]>();
  /** The lengths of the quoted texts looked for: most strings in code are skipped on length alone. */
  private readonly quotedLengths = new Set<number>();
  /** Identifier → flags (case aliases, literal aliases). */
  private readonly identifiers = new Map<string, string[]>();
  /** Accessor name → flag. */
  private readonly accessorNames = new Map<string, string[]>();
  private readonly patterns: { regex: RegExp; lookup: Map<string, string[]> }[] = [];
  private readonly wantsAccessors: boolean;

  constructor(options: MatcherOptions) {
    this.keys = new Set(options.flagKeys);
    this.wantsAccessors = options.accessors !== false;
    const aliasCases = new Set(options.aliases ?? []);
    for (const key of this.keys) {
      addTo(this.quoted, key, key);
      if (this.wantsAccessors) addTo(this.accessorNames, accessorName(key), key);
      for (const style of aliasCases) {
        const alias = inCase(key, style);
        if (alias === undefined || alias === key) continue;
        if (style === 'kebab-case' || style === 'dot.case') addTo(this.quoted, alias, key);
        else addTo(this.identifiers, alias, key);
      }
    }
    for (const [key, aliases] of Object.entries(options.literalAliases ?? {})) {
      if (!this.keys.has(key)) continue;
      for (const alias of aliases) {
        if (/^[A-Za-z_$][\w$]*$/.test(alias)) addTo(this.identifiers, alias, key);
        addTo(this.quoted, alias, key);
      }
    }
    for (const template of options.patterns ?? []) this.patterns.push(this.compilePattern(template));
    for (const text of this.quoted.keys()) this.quotedLengths.add(text.length);
  }

  private compilePattern(template: string): { regex: RegExp; lookup: Map<string, string[]> } {
    const placeholders = [...template.matchAll(PLACEHOLDER)];
    if (placeholders.length !== 1)
      throw new TypeError(
        `code references: pattern ${JSON.stringify(template)} must hold exactly one placeholder ({key}, {camelCase}, {PascalCase}, {snake_case}, {UPPER_SNAKE_CASE}, {kebab-case} or {dot.case})`,
      );
    const style = placeholders[0]![1]!;
    const source = template.replace(PLACEHOLDER, `(${PLACEHOLDER_CLASS[style]})`);
    let regex: RegExp;
    try {
      regex = new RegExp(source, 'g');
    } catch (error) {
      throw new TypeError(
        `code references: pattern ${JSON.stringify(template)} is not a valid regular expression`,
        {
          cause: error,
        },
      );
    }
    const lookup = new Map<string, string[]>();
    for (const key of this.keys) {
      const name = style === 'key' ? key : inCase(key, style as KeyCase);
      if (name !== undefined) addTo(lookup, name, key);
    }
    return { regex, lookup };
  }

  /** Every hit in `text`; `javascript` also looks for OpenFeature calls and accessors. */
  find(text: string, javascript: boolean): TextHit[] {
    const hits: TextHit[] = [];
    const seen = new Set<string>();
    const push = (hit: TextHit) => {
      const id = `${hit.index}:${hit.flagKey}`;
      if (seen.has(id)) return;
      seen.add(id);
      hits.push(hit);
    };
    // Calls first: a key in a call is a `call`, not just a literal.
    if (javascript && (text.includes('Value') || text.includes('Details') || text.includes('useFlag'))) {
      CALL.lastIndex = 0;
      for (let m = CALL.exec(text); m !== null; m = CALL.exec(text)) {
        const key = m[2]!;
        const index = m.index + m[0].length - key.length - 1;
        if (this.keys.has(key)) push({ index, flagKey: key, kind: 'call' });
        else if (!this.quoted.has(key)) push({ index, flagKey: key, kind: 'call', missing: true });
      }
    }
    // Quoted text: from every quote character, up to the next one of the same kind. Every quote
    // starts a candidate (an apostrophe in prose must not hide the string after it).
    QUOTE.lastIndex = 0;
    for (let m = QUOTE.exec(text); m !== null; m = QUOTE.exec(text)) {
      const i = m.index;
      const end = text.indexOf(m[0], i + 1);
      if (end === -1 || !this.quotedLengths.has(end - i - 1)) continue;
      const inner = text.slice(i + 1, end);
      const flags = this.quoted.get(inner);
      if (flags === undefined) continue;
      for (const flagKey of flags)
        push(
          inner === flagKey
            ? { index: i + 1, flagKey, kind: 'literal' }
            : { index: i + 1, flagKey, kind: 'alias', alias: inner },
        );
    }
    if (javascript && this.wantsAccessors) this.findAccessors(text, push);
    if (this.identifiers.size > 0) {
      IDENT.lastIndex = 0;
      for (let m = IDENT.exec(text); m !== null; m = IDENT.exec(text)) {
        const flags = this.identifiers.get(m[0]);
        if (flags !== undefined)
          for (const flagKey of flags) push({ index: m.index, flagKey, kind: 'alias', alias: m[0] });
      }
    }
    for (const { regex, lookup } of this.patterns) {
      regex.lastIndex = 0;
      for (let m = regex.exec(text); m !== null; m = regex.exec(text)) {
        if (m[0] === '') {
          regex.lastIndex++;
          continue;
        }
        const flags = lookup.get(m[1]!);
        if (flags !== undefined)
          for (const flagKey of flags) push({ index: m.index, flagKey, kind: 'pattern', alias: m[0] });
      }
    }
    return hits.sort((a, b) => a.index - b.index);
  }

  /** `name.value(` and `name.details(` of generated accessors. */
  private findAccessors(text: string, push: (hit: TextHit) => void): void {
    for (const method of ['.value(', '.details(']) {
      for (let at = text.indexOf(method); at !== -1; at = text.indexOf(method, at + 1)) {
        let start = at;
        while (start > 0 && /[\w$]/.test(text[start - 1]!)) start--;
        const name = text.slice(start, at);
        const flags = this.accessorNames.get(name);
        if (flags === undefined) continue;
        for (const flagKey of flags) push({ index: start, flagKey, kind: 'accessor', alias: name });
      }
    }
  }
}

/** The case conversions a config may name. */
export const ALIAS_CASES: readonly KeyCase[] = CASES;
