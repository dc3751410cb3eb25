import type { Storyboard, StoryboardScene } from '../contracts/console';

/**
 * What the review desk may offer now, read from the film as the API answers it (docs/review.md): the
 * workflow takes a change (regenerate, choose a take) while something awaits review, or after a stitch
 * while the film stays open for changes (until `review.timeout_at`).
 */
export const isReviewFilm = (film: Storyboard) => film.review.mode !== 'none';

export const canChange = (film: Storyboard) =>
  isReviewFilm(film) && (film.review.awaiting !== null || (film.status === 'completed' && film.review.timeout_at !== null));

/** "scene 2" or "the stitch": what awaits review, in words (scenes counted from 1, as the page shows them). */
export function awaitingWords(awaiting: Storyboard['review']['awaiting']): string | null {
  if (!awaiting) return null;
  return 'stitch' in awaiting ? 'the stitch' : `scene ${awaiting.scene_index + 1}`;
}

/** Scenes after this one that already have a video: a change to it must say what becomes of them. */
export const laterScenesMade = (film: Storyboard, scene: StoryboardScene) => film.scenes.filter((s) => s.index > scene.index && s.takes.length > 0);

export const projectPath = (film: Storyboard) => `/api/v1/projects/${encodeURIComponent(film.project_id)}`;
