import type { Storyboard } from '../../contracts/console';
import { api } from '../api';
import { time } from '../format';
import { awaitingWords, canChange, projectPath } from '../review';
import { ActionAnswer, useApiAction } from './action-answer';

const unitWords = (unit: string | null) => (unit ? unit.replace(/_/g, ' ') : '');

/** What the film waits for, if anything, in a sentence. */
function stateWords(film: Storyboard): string {
  const { review } = film;
  const waits = awaitingWords(review.awaiting);
  const until = review.timeout_at ? ` until ${time(review.timeout_at)}` : '';
  if (film.status === 'awaiting_review' && waits) {
    const then = review.timeout_action === 'fail' ? 'then the film fails' : 'then it is approved as it is';
    return `Waiting for your review of ${waits}${until}, ${then}.`;
  }
  if (film.status === 'awaiting_budget') return 'Paused: the next video would pass the spend limit. Raise the limit to go on.';
  if (canChange(film)) return `Cut ${film.cuts.length} is made. Open for changes${until}: a new take or another take chosen makes cut ${film.cuts.length + 1}.`;
  if (film.status === 'completed') return 'Finished: no more changes.';
  return 'Working: nothing waits for you now.';
}

/**
 * The film's review state and its two film-wide actions: approve what awaits review, and set the spend
 * limit (a film awaiting budget goes on once its next video fits).
 */
export function ReviewPanel({ film }: { film: Storyboard }) {
  const approve = useApiAction();
  const limit = useApiAction();
  const waits = awaitingWords(film.review.awaiting);
  const { spend } = film;

  const setLimit = (event: SubmitEvent) => {
    event.preventDefault();
    const value = Number(new FormData(event.currentTarget as HTMLFormElement).get('limit'));
    void limit.run('Set the spend limit', () => api(`${projectPath(film)}/spend-limit`, { method: 'PUT', body: { limit: value } }));
  };

  return (
    <section aria-labelledby="review-title" class="review-panel" data-review={film.review.mode}>
      <h2 id="review-title">Review</h2>
      <p class="review-state" aria-live="polite">
        {stateWords(film)}
      </p>
      {waits && (
        <div class="action">
          <button type="button" disabled={approve.busy} onClick={() => void approve.run(`Approve ${waits}`, () => api(`${projectPath(film)}/approve`, { method: 'POST' }))}>
            Approve {waits}
          </button>
        </div>
      )}
      <ActionAnswer answer={approve.answer} />
      <p class="spend">
        Spent so far: <strong>{spend.spent}</strong> {unitWords(spend.unit)}
        {spend.limit === null ? ' (no limit)' : ` of a limit of ${spend.limit}`}
        {spend.unit === null && ' · the provider reports no cost'}
      </p>
      <form class="spend-limit" onSubmit={setLimit}>
        <label>
          Spend limit{spend.unit ? ` (${unitWords(spend.unit)})` : ''}
          <input name="limit" type="number" min={0} step="any" required defaultValue={spend.limit === null ? '' : String(spend.limit)} />
        </label>
        <button type="submit" disabled={limit.busy}>
          Set the limit
        </button>
      </form>
      <ActionAnswer answer={limit.answer} />
    </section>
  );
}
