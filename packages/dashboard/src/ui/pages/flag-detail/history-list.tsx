/**
 * A flag's history: each write with who, when, why and its diff; any earlier version can be put
 * back in one click (with a confirmation): `POST …/flags/{key}/revert {version}`, compare-and-set
 * on the flag's ETag.
 */
import { useState } from 'preact/hooks';
import { path, api } from '../../api/client.js';
import type { FlagWrite, HistoryEntry } from '../../api/types.js';
import { since } from '../../components/badges.js';
import { ChangeList } from '../../components/change-list.js';
import { ConfirmDialog } from '../../components/confirm-dialog.js';

/** Props of {@link HistoryList}. */
export interface HistoryListProps {
  readonly flagSet: string;
  readonly flagKey: string;
  readonly etag: string;
  readonly entries: readonly HistoryEntry[];
  readonly writable: boolean;
  readonly onReverted: () => void;
}

/** The list. */
export function HistoryList(props: HistoryListProps) {
  const [reverting, setReverting] = useState<HistoryEntry | undefined>();
  if (props.entries.length === 0) return <p class="muted">No history.</p>;
  return (
    <>
      <ol class="history">
        {props.entries.map((entry, i) => (
          <li key={entry.version} data-version={entry.version}>
            <p class="entry-head">
              <strong>v{entry.version}</strong> {entry.operation} by {entry.actor},{' '}
              <time dateTime={entry.at} title={entry.at}>
                {since(entry.at)}
              </time>
              {entry.reason && <> — “{entry.reason}”</>}
              {props.writable && i > 0 && (
                <button
                  type="button"
                  class="revert"
                  data-revert={entry.version}
                  onClick={() => setReverting(entry)}
                >
                  Revert to v{entry.version}…
                </button>
              )}
              {i === 0 && <span class="muted"> (current)</span>}
            </p>
            <ChangeList changes={entry.changes} flagKey={props.flagKey} />
          </li>
        ))}
      </ol>
      {reverting && (
        <ConfirmDialog
          title={`Revert ${props.flagKey} to v${reverting.version}`}
          confirmLabel="Revert"
          reason="optional"
          danger
          onClose={() => setReverting(undefined)}
          onConfirm={async (reason) => {
            await api<FlagWrite>(path('flag-sets', props.flagSet, 'flags', props.flagKey, 'revert'), {
              method: 'POST',
              headers: { 'if-match': props.etag },
              body: { version: reverting.version, ...(reason !== '' && { reason }) },
            });
            props.onReverted();
          }}
        >
          <p>
            The flag goes back to its definition as of version {reverting.version} ({since(reverting.at)}), as
            a new audited write. Nothing else in the set changes.
          </p>
        </ConfirmDialog>
      )}
    </>
  );
}
