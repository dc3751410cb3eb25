import { useLocation } from 'preact-iso';
import { useState } from 'preact/hooks';
import { api, ApiError } from '../api';
import { ErrorAlert } from '../components/form-bits';

/** The review modes as the form offers them (docs/review.md). */
const reviewChoices = [
  ['none', 'None: the film runs to its end'],
  ['each_scene', 'After each scene'],
  ['before_stitch', 'Before the stitch'],
] as const;

/**
 * Starts a film from the console (POST /api/v1/projects): an optional id, one prompt per line, and
 * optionally a review mode and a spend limit (otherwise the client's or the gateway's default).
 */
export function NewFilm() {
  const { route } = useLocation();
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const text = (name: string) => (form.get(name) as string | null) ?? '';
    const prompts = text('prompts')
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean);
    const projectId = text('project_id').trim();
    const review = text('review');
    const spendLimit = text('spend_limit').trim();
    setBusy(true);
    setError('');
    try {
      const created = await api<{ project_id: string }>('/api/v1/projects', {
        method: 'POST',
        body: {
          ...(projectId ? { project_id: projectId } : {}),
          ...(review && review !== 'none' ? { review } : {}),
          ...(spendLimit ? { spend_limit: Number(spendLimit) } : {}),
          scenes: prompts.map((prompt) => ({ prompt })),
        },
      });
      route(`/console/films/${encodeURIComponent(created.project_id)}`);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : 'The gateway did not answer');
      setBusy(false);
    }
  };

  return (
    <details class="new-film">
      <summary>New film</summary>
      <form onSubmit={(e) => void submit(e)}>
        <label for="new-project-id">Project id (optional)</label>
        <input id="new-project-id" name="project_id" pattern="[A-Za-z0-9][A-Za-z0-9._:\-]{0,127}" />
        <label for="new-prompts">Scenes, one prompt per line</label>
        <textarea id="new-prompts" name="prompts" rows={4} required />
        <label for="new-review">Review</label>
        <select id="new-review" name="review">
          {reviewChoices.map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
        <label for="new-spend-limit">Spend limit (optional, in the provider's unit)</label>
        <input id="new-spend-limit" name="spend_limit" type="number" min="0" step="any" inputMode="decimal" />
        <ErrorAlert message={error} />
        <button type="submit" disabled={busy}>
          {busy ? 'Starting…' : 'Start the film'}
        </button>
      </form>
    </details>
  );
}
