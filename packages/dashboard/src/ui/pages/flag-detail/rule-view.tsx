/**
 * The targeting rule as readable conditions: an `if` chain as "If …, serve …; otherwise …", each
 * branch in words, and the validator's problems shown on the branch they belong to (matched by
 * JSON Pointer).
 */
import type { JsonValue } from '@ensign/core';
import type { RuleIssue } from './engine.js';
import { describe } from './rule-text.js';

function issuesUnder(issues: readonly RuleIssue[], pointer: string): RuleIssue[] {
  return issues.filter(
    (i) => i.inRule !== undefined && (i.inRule === pointer || i.inRule.startsWith(`${pointer}/`)),
  );
}

function Issues({ issues }: { readonly issues: readonly RuleIssue[] }) {
  if (issues.length === 0) return null;
  return (
    <ul class="rule-issues">
      {issues.map((issue) => (
        <li key={issue.path + issue.message} class="error" data-pointer={issue.inRule}>
          ⚠ {issue.message}
        </li>
      ))}
    </ul>
  );
}

function Outcome({
  value,
  pointer,
  issues,
}: {
  readonly value: JsonValue | undefined;
  readonly pointer: string;
  readonly issues: readonly RuleIssue[];
}) {
  const text =
    value === null || value === undefined
      ? 'the default variant'
      : typeof value === 'string'
        ? `"${value}"`
        : describe(value);
  return (
    <span data-pointer={pointer}>
      serve <strong>{text}</strong>
      <Issues issues={issuesUnder(issues, pointer)} />
    </span>
  );
}

/** The rule in words. */
export function RuleView({
  rule,
  issues,
}: { readonly rule: JsonValue | undefined; readonly issues: readonly RuleIssue[] }) {
  if (rule === undefined || (typeof rule === 'object' && rule !== null && Object.keys(rule).length === 0))
    return <p>No targeting: everyone gets the default variant.</p>;
  const branches: { when: JsonValue; serve: JsonValue | undefined; pointer: string }[] = [];
  let otherwise: { value: JsonValue | undefined; pointer: string } | undefined;
  let node: JsonValue | undefined = rule;
  let base = '';
  // Flatten `if` chains: an else that is an `if` continues the list.
  for (let depth = 0; depth < 32; depth++) {
    if (typeof node !== 'object' || node === null || Array.isArray(node) || !Array.isArray(node.if)) {
      otherwise = { value: node, pointer: base };
      break;
    }
    const args: JsonValue[] = node.if;
    for (let i = 0; i + 1 < args.length; i += 2)
      branches.push({ when: args[i]!, serve: args[i + 1], pointer: `${base}/if/${i}` });
    if (args.length % 2 === 0) {
      otherwise = { value: null, pointer: `${base}/if/-` };
      break;
    }
    base = `${base}/if/${args.length - 1}`;
    node = args[args.length - 1];
  }
  return (
    <ol class="rule">
      {branches.length > 0 && <Issues issues={issues.filter((i) => i.inRule === '')} />}
      {branches.map((branch, i) => (
        <li key={branch.pointer} data-pointer={branch.pointer}>
          {i === 0 ? 'If' : 'Else if'} <span class="condition">{describe(branch.when)}</span>
          <Issues issues={issuesUnder(issues, branch.pointer)} />, then{' '}
          <Outcome
            value={branch.serve}
            pointer={branch.pointer.replace(/\/(\d+)$/, (_, n: string) => `/${Number(n) + 1}`)}
            issues={issues}
          />
        </li>
      ))}
      {otherwise && (
        <li data-pointer={otherwise.pointer}>
          {branches.length > 0 ? 'Otherwise, ' : ''}
          <Outcome value={otherwise.value} pointer={otherwise.pointer} issues={issues} />
        </li>
      )}
    </ol>
  );
}
