/**
 * The kill switch, one click plus a confirmation that asks for a reason (accidental flips are a
 * known cause of incidents): `POST …/flags/{key}/kill {reason}` with `If-Match` on the flag's
 * ETag as shown, so a kill never lands on a definition the person did not see (412: reload).
 * A killed flag offers restore instead (`POST …/restore`). Keyboard: Tab to the button, Enter,
 * type the reason, Enter.
 */
import { useState } from 'preact/hooks';
import { path, api } from '../../api/client.js';
import type { FlagEntry, FlagWrite } from '../../api/types.js';
import { servingOf } from '../../components/badges.js';
import { ConfirmDialog } from '../../components/confirm-dialog.js';

/** Props of {@link KillControl}. */
export interface KillControlProps {
  readonly flagSet: string;
  readonly entry: FlagEntry;
  /** After the write (the live feed re-reads as well). */
  readonly onDone: () => void;
}

/** The kill (or restore) button and its dialog. */
export function KillControl({ flagSet, entry, onDone }: KillControlProps) {
  const [open, setOpen] = useState(false);
  const killed = servingOf(entry.flag) === 'killed';
  const offVariant = entry.flag.metadata?.offVariant ?? entry.flag.metadata?.killSwitchOffVariant;
  const act = async (reason: string) => {
    await api<FlagWrite>(path('flag-sets', flagSet, 'flags', entry.key, killed ? 'restore' : 'kill'), {
      method: 'POST',
      headers: { 'if-match': entry.etag },
      body: reason === '' ? {} : { reason },
    });
    onDone();
  };
  return (
    <>
      <button
        type="button"
        class={killed ? 'restore' : 'kill'}
        aria-label={`${killed ? 'Restore' : 'Kill'} ${entry.key}`}
        data-kill={entry.key}
        onClick={() => setOpen(true)}
      >
        {killed ? 'Restore…' : 'Kill…'}
      </button>
      {open && (
        <ConfirmDialog
          title={killed ? `Restore ${entry.key}` : `Kill ${entry.key}`}
          confirmLabel={killed ? 'Restore flag' : 'Kill flag'}
          reason={killed ? 'optional' : 'required'}
          danger={!killed}
          onConfirm={act}
          onClose={() => setOpen(false)}
        >
          {killed ? (
            <p>
              Puts back exactly the definition from before the kill in <strong>{flagSet}</strong>.
            </p>
          ) : (
            <p>
              Every evaluation of <strong>{entry.key}</strong> in <strong>{flagSet}</strong> will return a
              safe value
              {typeof offVariant === 'string' && offVariant in entry.flag.variants
                ? `: its off variant "${offVariant}", for everyone.`
                : ": the caller's default (the flag is disabled)."}{' '}
              Servers and widgets see it within moments.
            </p>
          )}
        </ConfirmDialog>
      )}
    </>
  );
}
