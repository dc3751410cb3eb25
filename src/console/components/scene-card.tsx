import type { Storyboard, StoryboardScene } from '../../contracts/console';
import { age, formatCost } from '../format';
import { canChange, isReviewFilm } from '../review';
import { SceneReview } from './scene-review';
import { StatusBadge } from './status-badge';
import { Takes } from './takes';

/**
 * One scene of the storyboard: its picture and last frame, the chain to the next scene and what it
 * cost. On a review film it is also the review desk's row: the scene's takes side by side, whether its
 * chain is broken, and (while the film can be changed) a new take or another take chosen.
 */
export function SceneCard({ film, scene }: { film: Storyboard; scene: StoryboardScene }) {
  const n = scene.index + 1;
  const next = film.scenes[scene.index + 1];
  const review = isReviewFilm(film);
  const awaited = film.review.awaiting && 'scene_index' in film.review.awaiting && film.review.awaiting.scene_index === scene.index;
  const formId = `scene-${n}-review`;
  const open = canChange(film);
  return (
    <li class={`scene scene-${scene.status}${awaited ? ' awaited' : ''}`} data-scene={n}>
      <h3>
        Scene {n} <StatusBadge status={scene.status} />
        {awaited && <span class="badge badge-awaiting_review">awaits your review</span>}
      </h3>
      <p class="prompt">{scene.prompt}</p>
      {scene.chain_broken && (
        <p class="chain-broken" data-chain-broken={n}>
          <span aria-hidden="true">⚠</span> Chain broken: this take does not start where scene {n - 1}'s take in use ends.
        </p>
      )}
      <div class="frames">
        <figure>
          {scene.thumbnail_url ? <img src={scene.thumbnail_url} alt={`Scene ${n}: ${scene.prompt}`} loading="lazy" /> : <div class="placeholder">not generated yet</div>}
          <figcaption>
            Scene {n}
            {scene.chosen_take !== null && review && ` (take ${scene.chosen_take})`}
            {scene.video_url && (
              <>
                {' '}
                · <a href={scene.video_url}>video</a>
              </>
            )}
          </figcaption>
        </figure>
        <figure>
          {scene.last_frame_url ? <img src={scene.last_frame_url} alt={`Last frame of scene ${n}`} loading="lazy" /> : <div class="placeholder">no last frame yet</div>}
          <figcaption>Last frame</figcaption>
        </figure>
      </div>
      <p class="meta">
        {/* The scene's `attempts`: requests made for it, its video and its last frame together. */}
        Service requests: {scene.attempts}
        {scene.cost && <> · cost {formatCost(scene.cost)}</>}
        {scene.completed_at && <> · done {age(scene.completed_at)}</>}
      </p>
      {scene.failure_reason && <p class="error">Failed: {scene.failure_reason}</p>}
      {review && scene.takes.length > 0 && (
        <>
          <Takes scene={scene} formId={open ? formId : null} />
          <SceneReview film={film} scene={scene} formId={formId} open={open} />
        </>
      )}
      {next && (
        <p class="chain" data-chain={`${n}-${n + 1}`}>
          <span aria-hidden="true">↳</span> Last frame of scene {n} → first frame of scene {n + 1}
          {next.start_frame_url && scene.last_frame_url === next.start_frame_url ? ' (seeded)' : next.start_frame_url ? '' : ' (waiting)'}
        </p>
      )}
    </li>
  );
}
