/**
 * The targeting editor: the rule as JSON in a text area with line numbers, validated as you type
 * by the same validator the server runs (`@ensign/core`), each problem shown at its line (a
 * marker in the gutter, the line number in the message) and on its branch of the readable view
 * above. Saving is `PATCH …/flags/{key}?reason=` with `If-Match` on the flag's ETag; the server's
 * own 422 problems are placed the same way.
 */
import type { FlagDefinition, FlagSetDocument, JsonValue, TargetingRule } from '@ensign/core';
import { useEffect, useId, useMemo, useRef, useState } from 'preact/hooks';
import { path, ApiError, api } from '../../api/client.js';
import type { FlagWrite } from '../../api/types.js';
import { type RuleIssue, pointerInRule, validateFlag } from './engine.js';
import { nearestPosition, parseWithPositions } from './json-positions.js';
import { RuleView } from './rule-view.js';

/** Props of {@link RuleEditor}. */
export interface RuleEditorProps {
  readonly flagSet: string;
  readonly flagKey: string;
  readonly flag: FlagDefinition;
  readonly etag: string;
  /** The set's document ($evaluators, the other flags), for validation. */
  readonly document: FlagSetDocument;
  readonly writable: boolean;
  readonly onSaved: () => void;
  /** The draft, for "test a context" (`undefined` while it does not validate). */
  readonly onDraft: (targeting: TargetingRule | undefined) => void;
}

/** Time between the last keystroke and validation, in ms. */
const VALIDATE_AFTER_MS = 120;

const textOf = (flag: FlagDefinition) => JSON.stringify(flag.targeting ?? {}, null, 2);

/** The editor. */
export function RuleEditor(props: RuleEditorProps) {
  const [text, setText] = useState(() => textOf(props.flag));
  const [issues, setIssues] = useState<RuleIssue[]>([]);
  const [serverIssues, setServerIssues] = useState<RuleIssue[]>([]);
  const [failure, setFailure] = useState<string | undefined>(undefined);
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const area = useRef<HTMLTextAreaElement>(null);
  const ids = { editor: useId(), problems: useId(), reason: useId() };
  // A saved change (here or elsewhere) replaces an untouched draft.
  const saved = textOf(props.flag);
  const baseline = useRef(saved);
  // biome-ignore lint/correctness/useExhaustiveDependencies: only when the saved rule changes.
  useEffect(() => {
    if (text === baseline.current) setText(saved);
    baseline.current = saved;
  }, [saved]);
  const parsed = useMemo(() => parseWithPositions(text), [text]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: onDraft and the key are stable for the page's life.
  useEffect(() => {
    setServerIssues([]);
    if (!parsed.ok) {
      setIssues([]);
      props.onDraft(undefined);
      return undefined;
    }
    const timer = setTimeout(() => {
      const targeting = parsed.value as TargetingRule;
      validateFlag(props.document, props.flagKey, { ...props.flag, targeting }).then((found) => {
        setIssues(found);
        props.onDraft(found.length === 0 ? targeting : undefined);
      });
    }, VALIDATE_AFTER_MS);
    return () => clearTimeout(timer);
  }, [parsed, props.document, props.flag]);

  const all = [...issues, ...serverIssues];
  const lineOf = (issue: RuleIssue) =>
    parsed.ok && issue.inRule !== undefined
      ? nearestPosition(parsed.positions, issue.inRule)?.line
      : undefined;
  const badLines = new Set<number>();
  if (!parsed.ok) badLines.add(parsed.position.line);
  for (const issue of all) {
    const line = lineOf(issue);
    if (line !== undefined) badLines.add(line);
  }
  const lines = text.split('\n').length;
  const dirty = text !== saved;
  const goTo = (line: number) => {
    const element = area.current;
    if (!element) return;
    const offset =
      text
        .split('\n')
        .slice(0, line - 1)
        .join('\n').length + (line > 1 ? 1 : 0);
    element.focus();
    element.setSelectionRange(offset, offset);
  };
  const save = async (event: Event) => {
    event.preventDefault();
    if (!parsed.ok || all.length > 0 || busy) return;
    setBusy(true);
    setFailure(undefined);
    try {
      const value = parsed.value as JsonValue;
      const empty = typeof value === 'object' && value !== null && Object.keys(value).length === 0;
      const query = reason.trim() === '' ? '' : `?reason=${encodeURIComponent(reason.trim())}`;
      await api<FlagWrite>(`${path('flag-sets', props.flagSet, 'flags', props.flagKey)}${query}`, {
        method: 'PATCH',
        headers: { 'if-match': props.etag },
        body: { targeting: empty ? null : value },
      });
      setReason('');
      props.onSaved();
    } catch (error) {
      if (error instanceof ApiError && error.issues.length > 0) {
        setServerIssues(
          error.issues.map((i) => ({
            path: i.pointer,
            inRule: pointerInRule(i.pointer, props.flagKey),
            message: i.message,
          })),
        );
      }
      setFailure(error instanceof Error ? error.message : String(error));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="rule-editor" onSubmit={save}>
      <h3>In words</h3>
      <RuleView rule={parsed.ok ? (parsed.value as JsonValue) : props.flag.targeting} issues={all} />
      <p class="field">
        <label for={ids.editor}>Targeting rule (JSON{props.writable ? '' : ', read only'})</label>
      </p>
      <div class="editor">
        <ol class="gutter" aria-hidden="true">
          {Array.from({ length: lines }, (_, i) => i + 1).map((line) => (
            <li key={`line-${line}`} class={badLines.has(line) ? 'bad' : undefined}>
              {badLines.has(line) ? '⚠ ' : ''}
              {line}
            </li>
          ))}
        </ol>
        <textarea
          id={ids.editor}
          ref={area}
          class="code"
          rows={Math.max(4, lines)}
          wrap="off"
          spellcheck={false}
          readOnly={!props.writable}
          aria-invalid={!parsed.ok || all.length > 0}
          aria-describedby={ids.problems}
          value={text}
          onInput={(event) => setText(event.currentTarget.value)}
        />
      </div>
      <div id={ids.problems} class="problems" aria-live="polite">
        {!parsed.ok && (
          <p class="error" data-line={parsed.position.line}>
            Line {parsed.position.line}, column {parsed.position.column}: {parsed.message}
          </p>
        )}
        {parsed.ok && all.length === 0 && <p class="ok">✓ Valid</p>}
        {all.length > 0 && (
          <ul>
            {all.map((issue) => {
              const line = lineOf(issue);
              return (
                <li
                  key={issue.path + issue.message}
                  class="error"
                  data-line={line}
                  data-pointer={issue.inRule ?? issue.path}
                >
                  {line === undefined ? `${issue.path}: ` : `Line ${line} (${issue.inRule || 'the rule'}): `}
                  {issue.message}{' '}
                  {line !== undefined && (
                    <button type="button" class="link" onClick={() => goTo(line)}>
                      Go to line {line}
                    </button>
                  )}
                </li>
              );
            })}
          </ul>
        )}
      </div>
      {props.writable && (
        <div class="save-row">
          <span class="field inline">
            <label for={ids.reason}>Reason</label>
            <input
              id={ids.reason}
              value={reason}
              maxLength={4096}
              onInput={(e) => setReason(e.currentTarget.value)}
            />
          </span>
          <button type="submit" class="primary" disabled={!dirty || !parsed.ok || all.length > 0 || busy}>
            Save rule
          </button>
          <button type="button" disabled={!dirty} onClick={() => setText(saved)}>
            Discard changes
          </button>
        </div>
      )}
      {failure && (
        <p class="error" role="alert">
          {failure}
        </p>
      )}
    </form>
  );
}
