/**
 * flagd-testbed's evaluator suite, every scenario except `@fractional-v1` and `@fractional-v3`, run
 * against our evaluator and against `@openfeature/flagd-core` (which shows the runner is right).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { JsonValue } from '@openfeature/core';
import { FlagdCore } from '@openfeature/flagd-core';
import { describe, expect, it } from 'vitest';
import { compileFlagSet } from '../src/index.js';
import {
  type ConformanceEvaluator,
  loadScenarios,
  parseFeature,
  runScenario,
} from './support/gherkin-runner.js';

// CI clones the project with `shared/` beside it: <repo root>/../shared/conformance/…
const SUITE_DIR = fileURLToPath(
  new URL('../../../../shared/conformance/flagd-testbed/evaluator/', import.meta.url),
);
const FLAGS_TEXT = readFileSync(`${SUITE_DIR}flags/testkit-flags.json`, 'utf8');
const EXCLUDED_TAGS = ['@fractional-v1', '@fractional-v3'];
/** Scenarios per feature, counted from the files (outline rows included, v1/v3 rows left out). */
const EXPECTED_PER_FEATURE: Record<string, number> = {
  'disabled.feature': 5,
  'errors.feature': 2,
  'evaluation.feature': 5,
  'evaluator-refs.feature': 9,
  'fractional.feature': 39,
  'metadata.feature': 5,
  'no-default-variant.feature': 6,
  'semver.feature': 31,
  'string.feature': 8,
  'targeting.feature': 2,
  'zero-values.feature': 13,
};
const EXPECTED_SCENARIOS = Object.values(EXPECTED_PER_FEATURE).reduce((a, b) => a + b, 0);

/** flagd-core logs refused flags; the suite means to load one. */
const SILENT = { error() {}, warn() {}, info() {}, debug() {} };

const scenarios = loadScenarios(`${SUITE_DIR}gherkin`, EXCLUDED_TAGS);

function ensign(codegen = true): ConformanceEvaluator {
  const flags = compileFlagSet(JSON.parse(FLAGS_TEXT), { invalidFlags: 'isolate', codegen });
  return { evaluate: (type, key, defaultValue, context) => flags.evaluate(key, type, defaultValue, context) };
}

function flagdCore(): ConformanceEvaluator {
  const core = new FlagdCore(undefined, SILENT);
  core.setConfigurations(FLAGS_TEXT);
  return {
    evaluate: (type, key, defaultValue, context) => {
      switch (type) {
        case 'boolean':
          return core.resolveBooleanEvaluation(key, defaultValue as boolean, context);
        case 'string':
          return core.resolveStringEvaluation(key, defaultValue as string, context);
        case 'number':
          return core.resolveNumberEvaluation(key, defaultValue as number, context);
        case 'object':
          return core.resolveObjectEvaluation(key, defaultValue as JsonValue, context);
      }
    },
  };
}

describe('flagd-testbed evaluator suite', () => {
  it('loads every feature, with outlines expanded and excluded tags left out', () => {
    expect(EXPECTED_SCENARIOS).toBe(125);
    const perFeature: Record<string, number> = {};
    for (const scenario of scenarios) perFeature[scenario.file] = (perFeature[scenario.file] ?? 0) + 1;
    expect(perFeature).toEqual(EXPECTED_PER_FEATURE);
    expect(new Set(scenarios.map((s) => s.title)).size).toBe(scenarios.length);
    for (const scenario of scenarios) {
      expect(scenario.tags.filter((tag) => EXCLUDED_TAGS.includes(tag))).toEqual([]);
    }
    // Tags on Examples blocks reach their rows: v2 rows are in, v1 rows are out.
    expect(scenarios.some((s) => s.tags.includes('@fractional-v2'))).toBe(true);
    // Backgrounds are expanded into each scenario.
    const notFound = scenarios.find((s) => s.title.startsWith('Flag not found'));
    expect(notFound?.pickle.steps[0]?.text).toBe('an evaluator');
  });

  for (const [name, make] of [
    ['@ensign/core', () => ensign(true)],
    ['@ensign/core without code generation', () => ensign(false)],
    ['@openfeature/flagd-core', flagdCore],
  ] as const) {
    describe(name, () => {
      const evaluator = make();
      let ran = 0;
      for (const scenario of scenarios) {
        it(`${scenario.file}: ${scenario.title}`, () => {
          expect(runScenario(scenario, evaluator)).toBeGreaterThan(1);
          ran++;
        });
      }
      it('ran every scenario', () => {
        expect(ran).toBe(EXPECTED_SCENARIOS);
      });
    });
  }

  describe('the runner', () => {
    const evaluator = ensign();
    const feature = (steps: string) =>
      parseFeature(`@t\nFeature: f\n  Scenario: s\n    Given an evaluator\n${steps}`, 'inline.feature');

    it('fails on a step it does not know', () => {
      const [scenario] = feature(
        '    And a Boolean-flag with key "boolean-flag" and a fallback value "false"\n    When the flag is evaluated somehow\n',
      );
      expect(() => runScenario(scenario!, evaluator)).toThrow(/unknown step/);
    });

    it('fails when an expectation does not hold', () => {
      const [scenario] = feature(
        '    And a String-flag with key "string-flag" and a fallback value "bye"\n    When the flag was evaluated with details\n    Then the resolved details value should be "bye"\n',
      );
      expect(() => runScenario(scenario!, evaluator)).toThrow(/expected "bye", got "hi"/);
    });

    it('fails a scenario that asserts nothing', () => {
      const [scenario] = feature('    When the flag was evaluated with details\n');
      expect(() => runScenario(scenario!, evaluator)).toThrow();
    });

    it('reads Object fallbacks with escaped quotes and compares them deeply', () => {
      const [scenario] = feature(
        '    And a Object-flag with key "missing" and a fallback value "{\\"a\\": [1, {\\"b\\": \\"c\\"}]}"\n    When the flag was evaluated with details\n    Then the resolved details value should be "{\\"a\\": [1, {\\"b\\": \\"c\\"}]}"\n    And the error-code should be "FLAG_NOT_FOUND"\n',
      );
      expect(runScenario(scenario!, evaluator)).toBe(5);
    });

    it('keeps tags from Feature, Scenario and Examples and drops excluded ones', () => {
      const text = [
        '@feat',
        'Feature: f',
        '  Background:',
        '    Given an evaluator',
        '  @scen',
        '  Scenario Outline: o',
        '    Given a String-flag with key "<k>" and a fallback value "x"',
        '    When the flag was evaluated with details',
        '    Then the reason should be "STATIC"',
        '    @keep',
        '    Examples:',
        '      | k |',
        '      | string-flag |',
        '    @drop',
        '    Examples:',
        '      | k |',
        '      | boolean-flag |',
      ].join('\n');
      const kept = parseFeature(text, 'inline.feature', ['@drop']);
      expect(kept.map((s) => s.tags)).toEqual([['@feat', '@scen', '@keep']]);
      expect(kept[0]!.pickle.steps.map((step) => step.text)).toEqual([
        'an evaluator',
        'a String-flag with key "string-flag" and a fallback value "x"',
        'the flag was evaluated with details',
        'the reason should be "STATIC"',
      ]);
      expect(runScenario(kept[0]!, evaluator)).toBe(4);
    });
  });
});
