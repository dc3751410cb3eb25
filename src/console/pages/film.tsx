import { useRef } from 'preact/hooks';
import type { Storyboard } from '../../contracts/console';
import { terminalStatuses } from '../../contracts/console';
import { api } from '../api';
import { ConfirmAction } from '../components/confirm-action';
import { Cuts } from '../components/cuts';
import { ReviewPanel } from '../components/review-panel';
import { SceneCard } from '../components/scene-card';
import { StatusBadge } from '../components/status-badge';
import { Timeline } from '../components/timeline';
import { formatCost, ordinal, providerLabel, stepLabel, time } from '../format';
import { useLive } from '../live';
import { isReviewFilm } from '../review';

function Actions({ film }: { film: Storyboard }) {
  const reason = useRef<HTMLInputElement>(null);
  const base = `/api/v1/projects/${encodeURIComponent(film.project_id)}`;
  const finished = terminalStatuses.includes(film.status);
  return (
    <section aria-labelledby="actions-title" class="actions">
      <h2 id="actions-title">Operator actions</h2>
      <ConfirmAction
        label="Cancel film"
        danger
        disabled={finished}
        question="Stop this film? Nothing more will be requested and it ends cancelled."
        run={() => api(`${base}/cancel`, { method: 'POST', body: reason.current?.value ? { reason: reason.current.value } : {} })}
      >
        <label>
          Reason (optional) <input ref={reason} name="reason" maxLength={500} />
        </label>
      </ConfirmAction>
      <ConfirmAction
        label="Retry failed scene"
        disabled={film.status !== 'failed'}
        question="Resume this film from the step that failed, with fresh attempts?"
        run={() => api(`${base}/retry`, { method: 'POST' })}
      />
      <ConfirmAction
        label="Request step again"
        disabled={finished || !film.current}
        question="Stop waiting for the current callback and ask the service again now?"
        run={() => api(`${base}/request-now`, { method: 'POST' })}
      />
    </section>
  );
}

/** One film as a storyboard: scenes with their frames and the chain between them, live until it ends. */
export function Film({ id }: { id: string }) {
  const live = useLive<Storyboard>(`/console/live/films/${encodeURIComponent(id)}`);
  const film = live.data;
  if (!film) return <p aria-live="polite">{live.connected ? 'Loading…' : `Connecting to film ${id}…`}</p>;
  const done = film.scenes.filter((s) => s.status === 'completed').length;
  return (
    <article aria-labelledby="film-title" class="film" data-status={film.status}>
      <header>
        <h1 id="film-title">
          {film.project_id} <StatusBadge status={film.status} />
        </h1>
        <p>
          {done} of {film.scenes.length} scenes · made with {film.provider === 'guide' ? "the guide's services" : film.provider}
          {film.model && ` (${film.model})`}
          {film.cost.length > 0 && ` · cost ${film.cost.map(formatCost).join(' + ')}`} · started{' '}
          <time dateTime={film.created_at}>{time(film.created_at)}</time>
          {film.workflow_url && (
            <>
              {' '}
              · <a href={film.workflow_url}>Workflow {film.workflow_id} in the Temporal Web UI</a>
            </>
          )}
        </p>
        <p aria-live="polite" class="current">
          {film.current
            ? `Now: ${stepLabel[film.current.step]}${film.current.scene_index === null ? '' : ` of scene ${film.current.scene_index + 1}`}, attempt ${film.current.attempt}, ${film.current.phase.replace('_', ' ')}${film.current.until ? ` until ${time(film.current.until)}` : ''}`
            : terminalStatuses.includes(film.status)
              ? `Finished ${film.completed_at ? time(film.completed_at) : ''}`
              : ''}
        </p>
        {film.queue && (
          <p class="queue" role="status">
            Waiting for a slot at {providerLabel[film.queue.provider] ?? film.queue.provider}: {ordinal(film.queue.position)}
          </p>
        )}
        {film.failure_reason && <p class="error">Failed: {film.failure_reason}</p>}
      </header>
      {film.cuts.length > 0 ? (
        <Cuts film={film} />
      ) : (
        film.final_video_url && (
          <section aria-labelledby="final-title" class="final">
            <h2 id="final-title">The film</h2>
            <video controls preload="metadata" src={film.final_video_url} poster={film.thumbnail_url ?? undefined} aria-label={`Film ${film.project_id}`} />
            <p>
              <a href={film.final_video_url}>Open the video</a>
            </p>
          </section>
        )
      )}
      {(isReviewFilm(film) || film.spend.limit !== null) && <ReviewPanel film={film} />}
      <Actions film={film} />
      <section aria-labelledby="storyboard-title">
        <h2 id="storyboard-title">{isReviewFilm(film) ? 'Storyboard: the review desk' : 'Storyboard'}</h2>
        <ol class={isReviewFilm(film) ? 'storyboard desk' : 'storyboard'}>
          {film.scenes.map((scene) => (
            <SceneCard key={scene.scene_id} film={film} scene={scene} />
          ))}
        </ol>
      </section>
      <Timeline steps={film.timeline} />
    </article>
  );
}
