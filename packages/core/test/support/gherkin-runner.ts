/**
 * A small runner for flagd-testbed's evaluator gherkin suite: parses the features into pickles
 * (Scenario Outlines and Backgrounds expanded by @cucumber/gherkin itself), filters them by tag and
 * runs their steps against any evaluator behind the {@link ConformanceEvaluator} seam.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { AstBuilder, GherkinClassicTokenMatcher, Parser, compile } from '@cucumber/gherkin';
import { IdGenerator, type Pickle, type PickleStep } from '@cucumber/messages';
import type {
  EvaluationContext,
  FlagValue,
  FlagValueType,
  JsonValue,
  ResolutionDetails,
} from '@openfeature/core';

/** The gherkin type names used by the suite, and the OpenFeature type each maps to. */
const FLAG_TYPES = {
  Boolean: 'boolean',
  String: 'string',
  Integer: 'number',
  Float: 'number',
  Object: 'object',
} as const satisfies Record<string, FlagValueType>;

type GherkinType = keyof typeof FLAG_TYPES;

/** What the runner needs from an evaluator under test. */
export interface ConformanceEvaluator {
  evaluate(
    type: FlagValueType,
    flagKey: string,
    defaultValue: FlagValue,
    context: EvaluationContext,
  ): ResolutionDetails<FlagValue>;
}

/** One scenario ready to run. */
export interface ConformanceScenario {
  /** Feature file name, e.g. `fractional.feature`. */
  readonly file: string;
  /** Scenario name with its example row values, unique within the suite. */
  readonly title: string;
  readonly tags: readonly string[];
  readonly pickle: Pickle;
}

/** Every pickle of every feature in `gherkinDir`, except those carrying an excluded tag. */
export function loadScenarios(gherkinDir: string, excludedTags: readonly string[]): ConformanceScenario[] {
  const files = readdirSync(gherkinDir)
    .filter((name) => name.endsWith('.feature'))
    .sort();
  return files.flatMap((file) =>
    parseFeature(readFileSync(join(gherkinDir, file), 'utf8'), file, excludedTags),
  );
}

/** The scenarios of one feature's text, except those carrying an excluded tag. */
export function parseFeature(
  text: string,
  file: string,
  excludedTags: readonly string[] = [],
): ConformanceScenario[] {
  const newId = IdGenerator.incrementing();
  const parser = new Parser(new AstBuilder(newId), new GherkinClassicTokenMatcher());
  const scenarios: ConformanceScenario[] = [];
  for (const pickle of compile(parser.parse(text), file, newId)) {
    // Pickle tags are the feature's, the rule's, the scenario's and the examples' tags together.
    const tags = pickle.tags.map((tag) => tag.name);
    if (tags.some((tag) => excludedTags.includes(tag))) continue;
    scenarios.push({ file, title: `${pickle.name} [${pickleRowLabel(pickle)}]`, tags, pickle });
  }
  return scenarios;
}

/** A short label that tells example rows apart: the quoted arguments of the steps. */
function pickleRowLabel(pickle: Pickle): string {
  const quoted = pickle.steps.flatMap((step) => [...step.text.matchAll(QUOTED)].map((m) => m[1]));
  return quoted.join(' | ');
}

const QUOTED = /"((?:[^"\\]|\\.)*)"/g;

/** Undoes the `\"` escapes the suite uses inside quoted step arguments. */
function unescapeArgument(text: string): string {
  return text.replace(/\\(.)/g, '$1');
}

/** Parses a step argument as a value of a gherkin type, the way the testbed's own harnesses do. */
export function parseTyped(raw: string, type: string): JsonValue {
  switch (type) {
    case 'Boolean':
      if (raw !== 'true' && raw !== 'false') throw new Error(`not a Boolean: "${raw}"`);
      return raw === 'true';
    case 'String':
      return raw;
    case 'Integer': {
      const n = Number(raw);
      if (!Number.isInteger(n) || raw.trim() === '') throw new Error(`not an Integer: "${raw}"`);
      return n;
    }
    case 'Float': {
      const n = Number(raw);
      if (!Number.isFinite(n) || raw.trim() === '') throw new Error(`not a Float: "${raw}"`);
      return n;
    }
    case 'Object':
      return JSON.parse(raw) as JsonValue;
    default:
      throw new Error(`unknown type "${type}" in a step`);
  }
}

/** State of one scenario as its steps run. */
interface World {
  evaluatorReady: boolean;
  flag?: { key: string; gherkinType: GherkinType; defaultValue: FlagValue };
  context: Record<string, JsonValue>;
  result?: ResolutionDetails<FlagValue>;
}

type StepHandler = (world: World, args: string[], step: PickleStep) => void;

function requireResult(world: World): ResolutionDetails<FlagValue> {
  if (!world.result)
    throw new Error('no evaluation has run yet ("When the flag was evaluated with details")');
  return world.result;
}

function assertEqual(actual: unknown, expected: unknown, what: string): void {
  if (!isDeepStrictEqual(actual, expected)) {
    throw new Error(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  }
}

/** Step patterns and what they do; the arguments are the unescaped quoted captures. */
function stepDefinitions(evaluator: ConformanceEvaluator): [RegExp, StepHandler][] {
  return [
    [
      /^an evaluator$/,
      (world) => {
        world.evaluatorReady = true;
      },
    ],
    [
      /^a (Boolean|String|Integer|Float|Object)-flag with key "((?:[^"\\]|\\.)*)" and a fallback value "((?:[^"\\]|\\.)*)"$/,
      (world, [type, key, fallback]) => {
        const gherkinType = type as GherkinType;
        world.flag = {
          key: key!,
          gherkinType,
          defaultValue: parseTyped(fallback!, gherkinType) as FlagValue,
        };
      },
    ],
    [
      /^a context containing a key "((?:[^"\\]|\\.)*)", with type "((?:[^"\\]|\\.)*)" and with value "((?:[^"\\]|\\.)*)"$/,
      (world, [key, type, value]) => {
        world.context[key!] = parseTyped(value!, type!);
      },
    ],
    [
      /^a context containing a nested property with outer key "((?:[^"\\]|\\.)*)" and inner key "((?:[^"\\]|\\.)*)", with value "((?:[^"\\]|\\.)*)"$/,
      (world, [outer, inner, value]) => {
        const existing = world.context[outer!];
        const container =
          typeof existing === 'object' && existing !== null && !Array.isArray(existing) ? existing : {};
        container[inner!] = value!;
        world.context[outer!] = container;
      },
    ],
    [
      /^a context containing a targeting key with value "((?:[^"\\]|\\.)*)"$/,
      (world, [value]) => {
        world.context.targetingKey = value!;
      },
    ],
    [
      /^the flag was evaluated with details$/,
      (world) => {
        if (!world.evaluatorReady) throw new Error('"Given an evaluator" did not run');
        if (!world.flag) throw new Error('no flag was given');
        const { key, gherkinType, defaultValue } = world.flag;
        world.result = evaluator.evaluate(FLAG_TYPES[gherkinType], key, defaultValue, world.context);
      },
    ],
    [
      /^the resolved details value should be "((?:[^"\\]|\\.)*)"$/,
      (world, [expected]) => {
        const result = requireResult(world);
        assertEqual(result.value, parseTyped(expected!, world.flag!.gherkinType), 'value');
      },
    ],
    [
      /^the reason should be "((?:[^"\\]|\\.)*)"$/,
      (world, [expected]) => assertEqual(requireResult(world).reason, expected, 'reason'),
    ],
    [
      /^the error-code should be "((?:[^"\\]|\\.)*)"$/,
      (world, [expected]) => assertEqual(requireResult(world).errorCode, expected, 'error code'),
    ],
    [
      /^the resolved metadata should contain$/,
      (world, _args, step) => {
        const rows = step.argument?.dataTable?.rows.map((row) => row.cells.map((cell) => cell.value));
        if (!rows || rows.length < 2) throw new Error('"the resolved metadata should contain" needs a table');
        const [header, ...entries] = rows;
        assertEqual(header, ['key', 'metadata_type', 'value'], 'metadata table header');
        const metadata = requireResult(world).flagMetadata ?? {};
        for (const [key, type, value] of entries) {
          assertEqual(metadata[key!], parseTyped(value!, type!), `metadata "${key}"`);
        }
      },
    ],
    [
      /^the resolved metadata is empty$/,
      (world) => assertEqual(Object.keys(requireResult(world).flagMetadata ?? {}), [], 'metadata keys'),
    ],
  ];
}

/**
 * Runs one scenario; throws on the first failed step, and on any step it does not know (so a
 * new step in the suite fails loudly instead of passing silently).
 * @returns the number of steps run.
 */
export function runScenario(scenario: ConformanceScenario, evaluator: ConformanceEvaluator): number {
  const definitions = stepDefinitions(evaluator);
  const world: World = { evaluatorReady: false, context: {} };
  let sawThen = false;
  for (const step of scenario.pickle.steps) {
    const entry = definitions.find(([pattern]) => pattern.test(step.text));
    if (!entry) throw new Error(`unknown step: "${step.text}" (${scenario.file})`);
    const [pattern, handler] = entry;
    const args = pattern.exec(step.text)!.slice(1).map(unescapeArgument);
    handler(world, args, step);
    if (step.type === 'Outcome') sawThen = true;
  }
  if (!sawThen) throw new Error(`scenario "${scenario.title}" asserts nothing`);
  return scenario.pickle.steps.length;
}
