import type { UpdateDefinition } from '@temporalio/common';
import { setHandler } from '@temporalio/workflow';
import type { ProjectProgress, ReviewProgress, SceneProgress } from '../contracts/progress';
import {
  approveUpdate,
  chooseTakeUpdate,
  regenerateSceneUpdate,
  setSpendLimitUpdate,
  type Awaiting,
  type ChooseTakeInput,
  type LaterScenes,
  type RegenerateInput,
  type SpendLimitInput,
  type ApproveInput,
  type RecordedReviewAction,
  type ReviewPlan,
} from '../contracts/review-api';

/** What the updates tell the film's loop (review-gate.ts): plain flags, read by its conditions. */
export interface ReviewSignals {
  approved: boolean;
  /** A regeneration or a choice changed the takes in use. */
  changed: boolean;
}

function refuseUnless(condition: boolean, message: string): void {
  if (!condition) throw new Error(message);
}

const madeScenes = (progress: ProjectProgress, after: number) => progress.scenes.filter((s) => s.index > after && (s.takes?.length ?? 0) > 0);
const describe = (awaiting: Awaiting) => ('stitch' in awaiting ? 'the stitch' : `scene ${awaiting.sceneIndex}`);

/** A new take of the scene is to be made, with what the take in use was made from unless the request says otherwise. */
function remake(scene: SceneProgress, request: { prompt?: string; seed?: number; options?: Record<string, unknown> } = {}): number {
  const chosen = scene.takes?.find((t) => t.take === scene.take);
  const take = Math.max(0, ...(scene.takes ?? []).map((t) => t.take)) + 1;
  scene.nextTake = {
    take,
    ...((request.prompt ?? chosen?.prompt) !== undefined ? { prompt: request.prompt ?? chosen?.prompt } : {}),
    ...((request.seed ?? chosen?.seed) !== undefined ? { seed: request.seed ?? chosen?.seed } : {}),
    ...((request.options ?? chosen?.options) !== undefined ? { options: request.options ?? chosen?.options } : {}),
  };
  Object.assign(scene, { status: 'pending', videoUrl: undefined, thumbnailUrl: undefined, lastFrameUrl: undefined });
  scene.steps.video.attempts = 0;
  scene.steps.lastFrame.attempts = 0;
  return take;
}

/**
 * The actions a person takes on a review film, as Temporal updates. Each validator refuses what cannot
 * apply now with a message the API answers as a 409; an accepted action changes the film's progress
 * and wakes its loop. The actor is in each update's arguments, so the history says who did what.
 */
export function handleReviewUpdates(progress: ProjectProgress, plan: ReviewPlan | undefined, signals: ReviewSignals): (action: RecordedReviewAction) => boolean {
  const applied = new Map<string, (input: never) => void>();
  function register<Args extends [ReviewInput], R>(
    name: RecordedReviewAction['action'],
    definition: UpdateDefinition<R, Args>,
    handler: (...args: Args) => R,
    { validator }: { validator: (...args: Args) => void },
  ) {
    setHandler(definition, handler, { validator });
    applied.set(name, ((input: Args[0]) => {
      validator(...([input] as Args));
      handler(...([input] as Args));
    }));
  }
  type ReviewInput = ApproveInput | RegenerateInput | ChooseTakeInput | SpendLimitInput;
  const review = (): ReviewProgress => progress.review!;
  const reviewed = () => refuseUnless(!!plan && plan.mode !== 'none', 'this film was made without review');
  const steerable = () => {
    reviewed();
    refuseUnless(review().awaiting !== null || review().open, `the film can be changed only while it awaits review or after its stitch (it is ${progress.status})`);
  };
  const sceneAt = (index: number) => {
    const scene = progress.scenes[index];
    refuseUnless(!!scene, `the film has no scene ${index}`);
    refuseUnless((scene?.takes?.length ?? 0) > 0, `scene ${index} has not been made yet`);
    return scene;
  };
  const laterScenesNeeded = (index: number, laterScenes?: LaterScenes) =>
    refuseUnless(
      !!laterScenes || madeScenes(progress, index).length === 0,
      `scene ${index} is followed by scenes already made: say later_scenes "rechain" (make them again from the new last frame) or "keep"`,
    );
  /** What becomes of the scenes after a changed one: made again from its new last frame, or kept with the chain marked broken. */
  function applyToLater(index: number, laterScenes?: LaterScenes): number[] {
    const later = madeScenes(progress, index);
    if (laterScenes === 'rechain') return later.map((scene) => (remake(scene), scene.index));
    if (later[0]?.index === index + 1) later[0].chainBroken = true;
    return [];
  }

  register(
    'approve',
    approveUpdate,
    (_request) => {
      const approved = review().awaiting!;
      signals.approved = true;
      return { approved };
    },
    {
      validator: (_request) => {
        reviewed();
        refuseUnless(review().awaiting !== null, `nothing awaits review (the film is ${progress.status})`);
      },
    },
  );
  register(
    'regenerate',
    regenerateSceneUpdate,
    ({ sceneIndex, prompt, seed, options, laterScenes }: RegenerateInput) => {
      const scene = progress.scenes[sceneIndex];
      const take = remake(scene, { prompt, seed, options });
      const regenerating = [sceneIndex, ...applyToLater(sceneIndex, laterScenes)];
      signals.changed = true;
      return { sceneIndex, take, regenerating };
    },
    {
      validator: ({ sceneIndex, laterScenes }: RegenerateInput) => {
        steerable();
        sceneAt(sceneIndex);
        laterScenesNeeded(sceneIndex, laterScenes);
      },
    },
  );
  register(
    'choose',
    chooseTakeUpdate,
    ({ sceneIndex, take, laterScenes }: ChooseTakeInput) => {
      const scene = progress.scenes[sceneIndex];
      const chosen = scene.takes!.find((t) => t.take === take)!;
      // A take a person chose is one they reviewed: it is not asked about again.
      Object.assign(scene, { take, reviewedTake: take, nextTake: undefined, status: 'completed', videoUrl: chosen.videoUrl, thumbnailUrl: chosen.thumbnailUrl, lastFrameUrl: chosen.lastFrameUrl });
      const regenerating = applyToLater(sceneIndex, laterScenes);
      signals.changed = true;
      return { sceneIndex, take, regenerating };
    },
    {
      validator: ({ sceneIndex, take, laterScenes }: ChooseTakeInput) => {
        steerable();
        const scene = sceneAt(sceneIndex);
        refuseUnless(scene.takes!.some((t) => t.take === take), `scene ${sceneIndex} has no take ${take} (it has ${scene.takes!.map((t) => t.take).join(', ')})`);
        refuseUnless(scene.take !== take, `take ${take} is already the one scene ${sceneIndex} uses`);
        laterScenesNeeded(sceneIndex, laterScenes);
      },
    },
  );
  register(
    'spend_limit',
    setSpendLimitUpdate,
    ({ limit }: SpendLimitInput) => {
      review().limit = limit;
      return { limit };
    },
    {
      validator: ({ limit }: SpendLimitInput) => {
        refuseUnless(!!plan, 'this film was made without review or a spend limit');
        refuseUnless(Number.isFinite(limit) && limit >= 0, 'the limit must be a number, 0 or more');
        refuseUnless(!['failed', 'cancelled'].includes(progress.status) && (progress.status !== 'completed' || review().open), `the film is ${progress.status}`);
      },
    },
  );

  /** Applies an action the gateway recorded (a run reset by an operator): false when it cannot apply now. */
  return (action) => {
    const input = { actor: { kind: 'operator' }, sceneIndex: action.sceneIndex ?? 0, ...action.arguments } as never;
    try {
      applied.get(action.action)!(input);
      return true;
    } catch {
      return false;
    }
  };
}

export { describe as describeAwaiting };
