import { useState } from 'preact/hooks';
import { ApiError } from '../api';

type Answer = { ok: boolean; text: string } | null;

/**
 * Runs one API action at a time for a control, and keeps its answer: what was done, or the API's reason
 * for refusing it (a 409's message says why the film cannot take the action now).
 */
export function useApiAction() {
  const [busy, setBusy] = useState(false);
  const [answer, setAnswer] = useState<Answer>(null);
  const run = async <T,>(label: string, action: () => Promise<T>, done: (result: T) => string = () => '') => {
    setBusy(true);
    setAnswer(null);
    try {
      const result = await action();
      setAnswer({ ok: true, text: `${label}: done. ${done(result)}`.trim() });
    } catch (err) {
      setAnswer({ ok: false, text: err instanceof ApiError ? `${label}: refused. ${err.message}` : `${label}: the gateway did not answer` });
    } finally {
      setBusy(false);
    }
  };
  return { busy, answer, run };
}

/** The answer to an action: a status line when it was done, an alert (read out at once) when refused. */
export function ActionAnswer({ answer }: { answer: Answer }) {
  if (!answer) return null;
  return answer.ok ? (
    <p role="status" class="answer ok">
      {answer.text}
    </p>
  ) : (
    <p role="alert" class="answer refused">
      {answer.text}
    </p>
  );
}
