/**
 * "Test a context": attributes in, the variant out, and why, from the same evaluator the apps run
 * (on the rule in the editor when it validates, else the saved one).
 */
import type { EvaluationContext, FlagDefinition, FlagResolution, FlagSetDocument } from '@ensign/core';
import { useId, useState } from 'preact/hooks';
import { evaluateFlag, withFlag } from './engine.js';
import { type ExplainStep, explain } from './explain.js';

/** Props of {@link TestContext}. */
export interface TestContextProps {
  readonly flagKey: string;
  readonly flag: FlagDefinition;
  readonly document: FlagSetDocument;
  /** Whether `flag` is the editor's draft rather than the saved definition. */
  readonly draft: boolean;
}

interface Attribute {
  readonly id: number;
  readonly name: string;
  readonly value: string;
}

/** A typed value from what was typed: numbers and booleans as such, the rest as text. */
function typedValue(text: string): string | number | boolean {
  if (text === 'true' || text === 'false') return text === 'true';
  if (/^-?\d+(\.\d+)?$/.test(text.trim())) return Number(text);
  return text;
}

let nextId = 1;

/** The panel. */
export function TestContext({ flagKey, flag, document, draft }: TestContextProps) {
  const [targetingKey, setTargetingKey] = useState('user-1');
  const [attributes, setAttributes] = useState<Attribute[]>([{ id: nextId++, name: '', value: '' }]);
  const [result, setResult] = useState<{ resolution: FlagResolution; steps: ExplainStep[] } | undefined>();
  const [failure, setFailure] = useState<string | undefined>();
  const keyId = useId();
  const run = async (event: Event) => {
    event.preventDefault();
    setFailure(undefined);
    const context: EvaluationContext = { targetingKey };
    for (const a of attributes) if (a.name.trim() !== '') context[a.name.trim()] = typedValue(a.value);
    try {
      const doc = withFlag(document, flagKey, flag);
      const [resolution, steps] = await Promise.all([
        evaluateFlag(doc, flagKey, context),
        explain(doc, flagKey, flag, context),
      ]);
      setResult({ resolution, steps });
    } catch (error) {
      setFailure(error instanceof Error ? error.message : String(error));
    }
  };
  const update = (id: number, change: Partial<Attribute>) =>
    setAttributes(attributes.map((a) => (a.id === id ? { ...a, ...change } : a)));
  return (
    <form class="test-context" onSubmit={run}>
      <p class="muted">
        Evaluates {draft ? 'the rule in the editor' : 'the saved rule'} in this page, with the evaluator the
        apps use.
      </p>
      <p class="field inline">
        <label for={keyId}>targetingKey</label>
        <input id={keyId} value={targetingKey} onInput={(e) => setTargetingKey(e.currentTarget.value)} />
      </p>
      <fieldset>
        <legend>Attributes</legend>
        {attributes.map((a, i) => (
          <p class="attribute" key={a.id}>
            <input
              aria-label={`Attribute ${i + 1} name`}
              placeholder="name (tier)"
              value={a.name}
              onInput={(e) => update(a.id, { name: e.currentTarget.value })}
            />
            <input
              aria-label={`Attribute ${i + 1} value`}
              placeholder="value (pro)"
              value={a.value}
              onInput={(e) => update(a.id, { value: e.currentTarget.value })}
            />
            <button
              type="button"
              aria-label={`Remove attribute ${i + 1}`}
              onClick={() => setAttributes(attributes.filter((x) => x.id !== a.id))}
            >
              Remove
            </button>
          </p>
        ))}
        <button
          type="button"
          onClick={() => setAttributes([...attributes, { id: nextId++, name: '', value: '' }])}
        >
          Add attribute
        </button>
      </fieldset>
      <button type="submit" class="primary">
        Evaluate
      </button>
      <div aria-live="polite" class="evaluation">
        {failure && <p class="error">{failure}</p>}
        {result && (
          <>
            <p data-result-variant={result.resolution.variant ?? ''}>
              Variant <strong>{result.resolution.variant ?? '(none: the caller’s default)'}</strong>
              {result.resolution.value !== undefined && (
                <>
                  {' '}
                  = <code>{JSON.stringify(result.resolution.value)}</code>
                </>
              )}
              , reason <strong>{result.resolution.reason}</strong>
              {result.resolution.errorCode && ` (${result.resolution.errorCode})`}
            </p>
            <ol class="why">
              {result.steps.map((step) => (
                <li
                  key={step.text}
                  class={step.held === undefined ? undefined : step.held ? 'held' : 'not-held'}
                >
                  {step.text}
                </li>
              ))}
            </ol>
          </>
        )}
      </div>
    </form>
  );
}
