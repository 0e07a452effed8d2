/**
 * The diff of one audited write: each change (RFC 6902 names, JSON Pointers into the set's
 * document) as words and `<del>`/`<ins>`, so it reads without colour: "changed
 * /targeting/fractional/0/1: 5 → 25".
 */
import type { JsonChange } from '../api/types.js';

const OP_TEXT = { add: 'added', remove: 'removed', replace: 'changed' } as const;

function text(value: unknown): string {
  const json = JSON.stringify(value);
  return json === undefined ? '—' : json.length > 240 ? `${json.slice(0, 240)}…` : json;
}

/** Strips `/flags/<key>` from pointers of one flag's history. */
export function relativePointer(pointer: string, flagKey: string | undefined): string {
  if (flagKey === undefined) return pointer;
  const prefix = `/flags/${flagKey.replace(/~/g, '~0').replace(/\//g, '~1')}`;
  return pointer === prefix
    ? '(the whole flag)'
    : pointer.startsWith(`${prefix}/`)
      ? pointer.slice(prefix.length)
      : pointer;
}

/** The changes of one write. */
export function ChangeList({
  changes,
  flagKey,
}: { readonly changes: readonly JsonChange[]; readonly flagKey?: string }) {
  if (changes.length === 0) return <p class="muted">No change in content.</p>;
  return (
    <ul class="changes">
      {changes.map((change, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: changes have no identity beyond their order.
        <li key={i} class={`change op-${change.op}`}>
          <span class="op">{OP_TEXT[change.op]}</span> <code>{relativePointer(change.path, flagKey)}</code>:{' '}
          {change.op !== 'add' && (
            <del>
              <span class="visually-hidden">before </span>
              {text(change.before)}
            </del>
          )}
          {change.op === 'replace' && ' → '}
          {change.op !== 'remove' && (
            <ins>
              <span class="visually-hidden">after </span>
              {text(change.after)}
            </ins>
          )}
        </li>
      ))}
    </ul>
  );
}
