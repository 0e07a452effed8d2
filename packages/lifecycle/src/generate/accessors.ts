/**
 * Typed flag accessors from a flag set, as the OpenFeature CLI generates them from a manifest:
 * one exported constant per flag, named after its key, whose `value` and `details` call the
 * OpenFeature client with the key, the right type and a code default. A wrong key or type is a
 * compile error in app code, and the code scanner finds every use (`name.value(`). The file
 * carries a marker the scanner skips, so its own keys do not count as uses.
 */
import type { FlagDefinition, FlagSetDocument } from '@ensign/core';
import { accessorName } from '../names.js';
import { instantOf } from '../status/instants.js';
import { declaredKind, textOf } from '../status/kinds.js';
import { type FlagType, codeDefaultOf, flagTypeOf } from './flag-type.js';

/** The marker in the first lines of every generated file (the scanner skips such files). */
export const GENERATED_MARKER = 'ensign:generated';

/** Options of {@link generateAccessors}. */
export interface GenerateOptions {
  /** Named in the header. */
  flagSet?: string;
  /** Named in the header. */
  version?: number;
  /**
   * `server`: asynchronous accessors over `@openfeature/server-sdk`'s `Client` (an evaluation
   * context per call); `web`: synchronous ones over `@openfeature/web-sdk`'s `Client`.
   * @default 'server'
   */
  sdk?: 'server' | 'web';
}

/** One accessor written. */
export interface GeneratedAccessor {
  readonly flagKey: string;
  readonly name: string;
  readonly type: FlagType;
}

/** What {@link generateAccessors} wrote. */
export interface GeneratedFile {
  /** The TypeScript source. */
  readonly source: string;
  readonly accessors: readonly GeneratedAccessor[];
  /** Flags left out, with why (variants of several types, or not a flag object). */
  readonly skipped: readonly { readonly flagKey: string; readonly reason: string }[];
}

const METHOD: Readonly<Record<FlagType, string>> = {
  boolean: 'Boolean',
  string: 'String',
  number: 'Number',
  object: 'Object',
};
const TS_TYPE: Readonly<Record<FlagType, string>> = {
  boolean: 'boolean',
  string: 'string',
  number: 'number',
  object: 'JsonValue',
};

/** Text safe inside a block comment. */
const commentSafe = (text: string) => text.replace(/\*\//g, '*\\/').replace(/\r?\n/g, ' ');

function docOf(key: string, flag: FlagDefinition): string {
  const lines: string[] = [];
  const description = textOf(flag.metadata, 'description');
  lines.push(description === undefined ? `Flag \`${key}\`.` : description);
  const facts: string[] = [`key \`${key}\``];
  const kind = declaredKind(flag.metadata).declared;
  if (kind !== undefined) facts.push(`kind ${kind}`);
  const owner = textOf(flag.metadata, 'owner');
  if (owner !== undefined) facts.push(`owner ${owner}`);
  const expires = instantOf(flag.metadata?.expiresAt);
  if (expires !== undefined) facts.push(`expires ${new Date(expires).toISOString().slice(0, 10)}`);
  facts.push(`variants ${Object.keys(flag.variants ?? {}).join(', ')}`);
  lines.push('', facts.join(' · '));
  return ['/**', ...lines.map((line) => (line === '' ? ' *' : ` * ${commentSafe(line)}`)), ' */'].join('\n');
}

/**
 * The TypeScript source of typed accessors for every flag of `document`.
 * @example
 * const { source } = generateAccessors(document, { flagSet: 'fitness' });
 * writeFileSync('src/flags.ts', source);
 * // app code: if (await newCheckout.value(client, context)) { … }
 */
export function generateAccessors(document: FlagSetDocument, options: GenerateOptions = {}): GeneratedFile {
  const sdk = options.sdk ?? 'server';
  const accessors: GeneratedAccessor[] = [];
  const skipped: { flagKey: string; reason: string }[] = [];
  const used = new Set(['TypedFlag', 'FlagKey', 'FLAG_KEYS', 'FlagValue', 'JsonValue', 'Client']);
  const blocks: string[] = [];
  for (const key of Object.keys(document.flags).sort()) {
    const flag = document.flags[key] as unknown;
    if (typeof flag !== 'object' || flag === null || Array.isArray(flag)) {
      skipped.push({ flagKey: key, reason: 'not a flag object' });
      continue;
    }
    const definition = flag as FlagDefinition;
    const type = flagTypeOf(definition);
    if (type === undefined) {
      skipped.push({ flagKey: key, reason: 'its variants are not all of one type' });
      continue;
    }
    let name = accessorName(key);
    // Two keys with one camelCase (`new-checkout`, `new_checkout`): the later gets a number.
    for (let n = 2; used.has(name); n++) name = `${accessorName(key)}${n}`;
    used.add(name);
    accessors.push({ flagKey: key, name, type });
    const k = JSON.stringify(key);
    const fallback = JSON.stringify(codeDefaultOf(definition, type));
    const method = METHOD[type];
    const body =
      sdk === 'server'
        ? [
            `  value: (client, context, options) => client.get${method}Value(${k}, ${fallback}, context, options),`,
            `  details: (client, context, options) => client.get${method}Details(${k}, ${fallback}, context, options),`,
          ]
        : [
            `  value: (client, options) => client.get${method}Value(${k}, ${fallback}, options),`,
            `  details: (client, options) => client.get${method}Details(${k}, ${fallback}, options),`,
          ];
    blocks.push(
      [
        docOf(key, definition),
        `export const ${name}: TypedFlag<${TS_TYPE[type]}> = {`,
        `  key: ${k},`,
        `  defaultValue: ${fallback},`,
        ...body,
        '};',
      ].join('\n'),
    );
  }
  const from = sdk === 'server' ? '@openfeature/server-sdk' : '@openfeature/web-sdk';
  const contract =
    sdk === 'server'
      ? [
          '  value(client: Client, context?: EvaluationContext, options?: FlagEvaluationOptions): Promise<T>;',
          '  details(',
          '    client: Client,',
          '    context?: EvaluationContext,',
          '    options?: FlagEvaluationOptions,',
          '  ): Promise<EvaluationDetails<T>>;',
        ]
      : [
          '  value(client: Client, options?: FlagEvaluationOptions): T;',
          '  details(client: Client, options?: FlagEvaluationOptions): EvaluationDetails<T>;',
        ];
  const origin = [
    options.flagSet === undefined ? undefined : `flag set "${options.flagSet}"`,
    options.version === undefined ? undefined : `version ${options.version}`,
  ]
    .filter((part) => part !== undefined)
    .join(', ');
  const keys = accessors.map((a) => JSON.stringify(a.flagKey));
  const source = [
    `// Generated by \`ensign generate\`${origin === '' ? '' : ` from ${origin}`}. Do not edit: generate again.`,
    `// ${GENERATED_MARKER}`,
    `import type {\n  Client,\n${sdk === 'server' ? '  EvaluationContext,\n' : ''}  EvaluationDetails,\n  FlagEvaluationOptions,\n  FlagValue,\n  JsonValue,\n} from '${from}';`,
    '',
    '/** A typed flag: its key, the default code gets when it cannot be evaluated, and its evaluation. */',
    'export interface TypedFlag<T extends FlagValue> {',
    '  readonly key: FlagKey;',
    '  readonly defaultValue: T;',
    ...contract,
    '}',
    '',
    '/** Every flag key of the set. */',
    `export type FlagKey = ${keys.length === 0 ? 'never' : keys.join(' | ')};`,
    '',
    '/** Every flag key of the set, as a list. */',
    `export const FLAG_KEYS: readonly FlagKey[] = [${keys.join(', ')}];`,
    '',
    ...blocks.flatMap((block) => [block, '']),
  ].join('\n');
  return { source, accessors, skipped };
}
