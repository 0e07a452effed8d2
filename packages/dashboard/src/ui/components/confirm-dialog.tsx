/**
 * A confirmation that can ask for a reason: a native modal `<dialog>` (focus is trapped inside,
 * Escape cancels, focus returns to the button that opened it), labelled by its title, with the
 * confirm button disabled until a required reason is written. Used for every destructive action:
 * kill, restore, revert, pause, abort, revoke, delete.
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useId, useRef, useState } from 'preact/hooks';
import { ApiError } from '../api/client.js';

/** Props of {@link ConfirmDialog}. */
export interface ConfirmDialogProps {
  readonly title: string;
  readonly children?: ComponentChildren;
  /** The confirm button's text ("Kill flag"). */
  readonly confirmLabel: string;
  /** Ask for a reason: `required` keeps the confirm button disabled until one is written. */
  readonly reason?: 'required' | 'optional';
  /** Style the confirm button as dangerous. */
  readonly danger?: boolean;
  /** Runs the action; a rejection is shown in the dialog, which stays open. */
  readonly onConfirm: (reason: string) => Promise<void>;
  readonly onClose: () => void;
}

/** A modal confirmation, open while rendered. */
export function ConfirmDialog(props: ConfirmDialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const reasonRef = useRef<HTMLTextAreaElement>(null);
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<string | undefined>(undefined);
  const titleId = useId();
  const reasonId = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    (reasonRef.current ?? dialog?.querySelector<HTMLElement>('button[data-cancel]'))?.focus();
    return () => dialog?.close();
  }, []);
  const missing = props.reason === 'required' && reason.trim() === '';
  const submit = async (event: Event) => {
    event.preventDefault();
    if (missing || busy) return;
    setBusy(true);
    setFailure(undefined);
    try {
      await props.onConfirm(reason.trim());
      props.onClose();
    } catch (error) {
      setFailure(error instanceof ApiError || error instanceof Error ? error.message : String(error));
      setBusy(false);
    }
  };
  return (
    <dialog
      ref={ref}
      class="dialog"
      aria-labelledby={titleId}
      onCancel={(event) => {
        event.preventDefault();
        props.onClose();
      }}
    >
      <form method="dialog" onSubmit={submit}>
        <h2 id={titleId}>{props.title}</h2>
        <div class="dialog-body">{props.children}</div>
        {props.reason && (
          <p class="field">
            <label for={reasonId}>
              Reason{props.reason === 'required' ? ' (required, recorded in the audit log)' : ' (optional)'}
            </label>
            <textarea
              id={reasonId}
              ref={reasonRef}
              rows={2}
              maxLength={4096}
              required={props.reason === 'required'}
              value={reason}
              onInput={(event) => setReason(event.currentTarget.value)}
            />
          </p>
        )}
        {failure && (
          <p class="error" role="alert">
            {failure}
          </p>
        )}
        <div class="dialog-actions">
          <button type="button" data-cancel onClick={props.onClose}>
            Cancel
          </button>
          <button type="submit" class={props.danger ? 'danger' : 'primary'} disabled={missing || busy}>
            {busy ? 'Working…' : props.confirmLabel}
          </button>
        </div>
      </form>
    </dialog>
  );
}
