import type { SceneTake, StoryboardScene } from '../../contracts/console';
import { formatCost, time } from '../format';

/**
 * A scene's takes side by side: each video (its first picture until played), the prompt and seed it was
 * made with, what it cost, and which one the film uses. While the film can be changed, each other take
 * has a "Use take N" button that submits the scene's review form (`formId`), where the later-scenes
 * choice is.
 */
export function Takes({ scene, formId }: { scene: StoryboardScene; formId: string | null }) {
  const n = scene.index + 1;
  return (
    <ol class="takes" aria-label={`Takes of scene ${n}`}>
      {scene.takes.map((take) => (
        <TakeCard key={take.take} scene={n} take={take} chosen={take.take === scene.chosen_take} formId={formId} />
      ))}
    </ol>
  );
}

function TakeCard({ scene, take, chosen, formId }: { scene: number; take: SceneTake; chosen: boolean; formId: string | null }) {
  return (
    <li class={chosen ? 'take chosen' : 'take'} data-take={take.take}>
      <h4>
        Take {take.take} {chosen && <span class="badge badge-completed">in use</span>}
      </h4>
      {take.video_url ? (
        <video controls preload="none" src={take.video_url} poster={take.thumbnail_url ?? undefined} aria-label={`Scene ${scene}, take ${take.take}: ${take.prompt}`} />
      ) : (
        <div class="placeholder">no video</div>
      )}
      <p class="prompt">{take.prompt}</p>
      <p class="meta">
        {take.seed === null ? 'seed: the provider’s' : `seed ${take.seed}`} · {take.cost ? `cost ${formatCost(take.cost)}` : 'no cost reported'} · made{' '}
        <time dateTime={take.created_at}>{time(take.created_at)}</time>
      </p>
      {!chosen && formId && (
        <button type="submit" form={formId} name="take" value={String(take.take)}>
          Use take {take.take}
        </button>
      )}
    </li>
  );
}
