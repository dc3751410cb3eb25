import type { Storyboard, StoryboardScene } from '../../contracts/console';
import { api, ApiError } from '../api';
import { laterScenesMade, projectPath } from '../review';
import { ActionAnswer, useApiAction } from './action-answer';

interface ChangeResult {
  result: { scene_index: number; take: number; regenerating: number[] };
}

const scenesWords = (indexes: number[]) => (indexes.length ? `Making scene${indexes.length > 1 ? 's' : ''} ${indexes.map((i) => i + 1).join(', ')} again.` : '');

/** The body's optional fields from the form: only what the person filled in (the workflow keeps the rest). */
function regenerateBody(form: FormData): Record<string, unknown> {
  const text = (name: string) => ((form.get(name) as string | null) ?? '').trim();
  const body: Record<string, unknown> = {};
  if (text('prompt')) body.prompt = text('prompt');
  if (text('seed')) body.seed = Number(text('seed'));
  if (text('options')) {
    const options: unknown = JSON.parse(text('options'));
    if (typeof options !== 'object' || options === null || Array.isArray(options)) throw new SyntaxError('not an object');
    body.options = options;
  }
  return body;
}

/**
 * A scene's changes: a new take (with the prompt editable, a seed and model options if wanted), or an
 * earlier take chosen (its "Use take N" buttons submit this form). On a scene that later scenes were made
 * from, the person says what becomes of them: re-chain (made again from the new last frame) or keep
 * (the chain is marked broken). Left unsaid, the API refuses and says so. While the film cannot take a
 * change (`open` false: a scene is being made) the form stays, disabled, with the answer to the last action.
 */
export function SceneReview({ film, scene, formId, open }: { film: Storyboard; scene: StoryboardScene; formId: string; open: boolean }) {
  const n = scene.index + 1;
  const later = laterScenesMade(film, scene);
  const { busy, answer, run } = useApiAction();
  const current = scene.takes.find((t) => t.take === scene.chosen_take);

  const submit = (event: SubmitEvent) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const laterScenes = form.get('later_scenes') ?? undefined;
    const submitter = event.submitter as HTMLButtonElement | null;
    const path = `${projectPath(film)}/scenes/${scene.index}`;
    if (submitter?.name === 'take') {
      const take = Number(submitter.value);
      void run(`Use take ${take} of scene ${n}`, () => api<ChangeResult>(`${path}/choose`, { method: 'POST', body: { take, later_scenes: laterScenes } }), (r) => scenesWords(r.result.regenerating));
      return;
    }
    let body: Record<string, unknown>;
    try {
      body = regenerateBody(form);
    } catch {
      const refusal = new ApiError(400, 'invalid_options', 'Model options must be a JSON object, such as {"duration": "5s"}');
      void run(`Regenerate scene ${n}`, () => Promise.reject(refusal));
      return;
    }
    void run(
      `Regenerate scene ${n}`,
      () => api<ChangeResult>(`${path}/regenerate`, { method: 'POST', body: { ...body, later_scenes: laterScenes } }),
      (r) => `Take ${r.result.take} is on its way. ${scenesWords(r.result.regenerating.filter((i) => i !== scene.index))}`,
    );
  };

  return (
    <form id={formId} class="scene-review" onSubmit={submit} aria-label={`Change scene ${n}`}>
      {!open && <p class="meta">Changes are taken while the film awaits review, and after its stitch until its review timeout.</p>}
      <fieldset disabled={!open}>
        <legend>A new take of scene {n}</legend>
        <label>
          Prompt for scene {n}
          <textarea name="prompt" rows={2} maxLength={4000} defaultValue={current?.prompt ?? scene.prompt} />
        </label>
        <div class="row">
          <label>
            Seed (optional)
            <input name="seed" type="number" min={0} max={2147483647} step={1} inputMode="numeric" />
          </label>
          <label>
            Model options, JSON (optional)
            <input name="options" placeholder='{"duration": "5s"}' spellcheck={false} />
          </label>
        </div>
      </fieldset>
      {later.length > 0 && (
        <fieldset class="later" disabled={!open}>
          <legend>
            Scene{later.length > 1 ? 's' : ''} {later.map((s) => s.index + 1).join(', ')} {later.length > 1 ? 'were' : 'was'} made from this one. After the change:
          </legend>
          <label class="inline">
            <input type="radio" name="later_scenes" value="rechain" /> Re-chain: make {later.length > 1 ? 'them' : 'it'} again from the new last frame
          </label>
          <label class="inline">
            <input type="radio" name="later_scenes" value="keep" /> Keep {later.length > 1 ? 'them' : 'it'} (the chain is marked broken)
          </label>
        </fieldset>
      )}
      <button type="submit" name="regenerate" disabled={busy || !open}>
        {busy ? 'Sending…' : `Regenerate scene ${n}`}
      </button>
      <ActionAnswer answer={answer} />
    </form>
  );
}
