import type { ComponentChildren } from 'preact';
import { useRef, useState } from 'preact/hooks';
import { ApiError } from '../api';

interface Props {
  /** The button's words, e.g. "Cancel film". */
  label: string;
  /** What the dialog asks, e.g. "Stop this film? Nothing more will be requested." */
  question: string;
  disabled?: boolean;
  danger?: boolean;
  /** Extra inputs inside the dialog (their values are read by `run`). */
  children?: ComponentChildren;
  run: () => Promise<unknown>;
}

type Answer = { ok: boolean; text: string } | null;

/**
 * A button that asks first (a modal <dialog>, so focus and Escape work as the browser does them), then
 * runs the action and shows the answer, success or the API's reason for refusing.
 */
export function ConfirmAction({ label, question, disabled, danger, children, run }: Props) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [busy, setBusy] = useState(false);
  const [answer, setAnswer] = useState<Answer>(null);

  const confirm = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    try {
      const result = await run();
      setAnswer({ ok: true, text: `${label}: done. ${result === undefined ? '' : JSON.stringify(result)}` });
    } catch (err) {
      const reason = err instanceof ApiError ? `${err.status} ${err.code}: ${err.message}` : String(err);
      setAnswer({ ok: false, text: `${label}: refused. ${reason}` });
    } finally {
      setBusy(false);
      dialog.current?.close();
    }
  };

  return (
    <div class="action">
      <button type="button" class={danger ? 'danger' : undefined} disabled={disabled || busy} onClick={() => dialog.current?.showModal()}>
        {label}
      </button>
      <dialog ref={dialog} aria-label={label}>
        <form method="dialog" onSubmit={(e) => void confirm(e)}>
          <p>{question}</p>
          {children}
          <div class="dialog-buttons">
            <button type="submit" class={danger ? 'danger' : undefined} disabled={busy}>
              {busy ? 'Working…' : `Yes, ${label.toLowerCase()}`}
            </button>
            <button type="button" onClick={() => dialog.current?.close()}>
              Keep as is
            </button>
          </div>
        </form>
      </dialog>
      {answer && (
        <p role="status" class={answer.ok ? 'answer ok' : 'answer refused'}>
          {answer.text}
        </p>
      )}
    </div>
  );
}
