import { condition, log, patched } from '@temporalio/workflow';
import { costOf } from '../contracts/providers';
import type { ProjectProgress, ProjectStatus, ReviewProgress, SceneProgress } from '../contracts/progress';
import type { RecordActivities } from '../contracts/records';
import type { Awaiting, RecordedReviewAction, ReviewPlan, ReviewRecord } from '../contracts/review-api';
import type { NotifyUserInput } from '../contracts/services';
import { handleReviewUpdates, describeAwaiting, type ReviewSignals } from './review-updates';
import { StepFailed } from './step-runner';

export interface ReviewDeps {
  projectId: string;
  plan: ReviewPlan | undefined;
  progress: ProjectProgress;
  records: RecordActivities;
  notify: (input: NotifyUserInput) => Promise<unknown>;
  publishStatus: (status: ProjectStatus) => void;
  /** Writes now the scene completion that would otherwise ride along with the next request. */
  flush: () => Promise<void>;
}

export interface FilmSteps {
  produce: (scene: SceneProgress) => Promise<void>;
  stitch: () => Promise<void>;
  betweenScenes: () => Promise<void>;
}

const initialReview = (plan: ReviewPlan): ReviewProgress => ({
  mode: plan.mode,
  awaiting: null,
  timeoutAt: null,
  open: false,
  spent: 0,
  unit: null,
  limit: plan.spendLimit,
  cuts: [],
  stitchedTakes: [],
  notified: 0,
  reviewsTracked: true,
});

/**
 * The film's order of work, with a person in it (docs/review.md). Without a review plan it is the loop
 * the film always ran (each scene not yet made, in order, then the stitch) and issues no command of its
 * own, so those films' histories and costs are what they were. With one:
 * - before each video is submitted, the spend limit is checked and the film waits as `awaiting_budget`
 *   while the spend so far (or it plus the last take's cost) passes it;
 * - `each_scene` waits as `awaiting_review` after each scene is made, `before_stitch` before the stitch;
 *   a wait ends with `approve`, with a change (regenerate, choose: the changed scenes are made again,
 *   in order), or at the review timeout with the configured action;
 * - after the stitch (a cut) the film stays open for changes until the review timeout: each change
 *   leads to a new cut.
 */
export function reviewGate({ projectId, plan, progress, records, notify, publishStatus, flush }: ReviewDeps) {
  const signals: ReviewSignals = { approved: false, changed: false };
  if (plan) progress.review ??= initialReview(plan);
  const replay = handleReviewUpdates(progress, plan, signals);
  let recorded: RecordedReviewAction[] = [];
  /** The next recorded action, applied as its update would be (a run reset by an operator goes through its reviews again). */
  function applyRecorded() {
    for (let action = recorded.shift(); action; action = action.action === 'spend_limit' ? recorded.shift() : undefined) {
      if (!replay(action)) log.warn('A recorded review action does not apply here: skipped', { projectId, action: action.action });
    }
  }
  const review = () => progress.review!;
  const reviewing = !!plan && plan.mode !== 'none';
  const deadline = () => new Date(Date.now() + plan!.timeoutMs).toISOString();
  const nextScene = () => progress.scenes.find((s) => s.status !== 'completed');
  const record = (status: ReviewRecord['status'], scenes?: ReviewRecord['scenes']) =>
    records.recordReview({ projectId, status, awaiting: review().awaiting, timeoutAt: review().timeoutAt, ...(scenes ? { scenes } : {}) });

  /** The scene's price before it is made (the plan's estimate), when it is in the unit the film's spend is counted in. */
  const estimateOf = (scene: SceneProgress) => {
    const estimate = plan?.estimates?.[scene.index];
    return estimate && (review().unit === null || review().unit === estimate.unit) ? estimate : undefined;
  };

  /**
   * Waits while the scene's next video would pass the spend limit, until the limit is raised
   * (setSpendLimit). The video is priced at its estimate, else at the last take's cost.
   */
  async function withinBudget(scene: SceneProgress) {
    const lastCost = [...progress.scenes].reverse().find((s) => s.cost)?.cost?.amount ?? 0;
    const next = estimateOf(scene)?.amount ?? lastCost;
    const fits = () => review().limit === null || (review().spent < review().limit! && review().spent + next <= review().limit!);
    if (fits()) return;
    log.info('The next video would pass the spend limit: waiting for a higher one', { projectId, spent: review().spent, next, limit: review().limit });
    publishStatus('awaiting_budget');
    await record('awaiting_budget');
    await condition(fits);
    publishStatus('generating');
    await record('generating');
  }

  /** The scene's new video is a take: kept in the progress and on the scene's row, and its cost counted. */
  async function keepTake(scene: SceneProgress) {
    const take = scene.nextTake?.take ?? 1;
    const made = { ...(scene.nextTake ?? { take }), videoUrl: scene.videoUrl!, thumbnailUrl: scene.thumbnailUrl, lastFrameUrl: scene.lastFrameUrl!, cost: scene.cost ?? null };
    scene.takes = [...(scene.takes ?? []), made];
    scene.take = take;
    scene.nextTake = undefined;
    if (made.cost && (review().unit === null || review().unit === made.cost.unit)) {
      review().spent = Math.round((review().spent + made.cost.amount) * 1e6) / 1e6;
      review().unit = made.cost.unit;
    }
    await flush();
    return sceneRecords([scene]);
  }

  const sceneRecords = (scenes: SceneProgress[]) =>
    scenes.map((s) => {
      const take = s.takes!.find((t) => t.take === s.take)!;
      return { sceneId: s.sceneId, chosenTake: s.take!, chainBroken: !!s.chainBroken, take: { videoUrl: take.videoUrl, thumbnailUrl: take.thumbnailUrl, lastFrameUrl: take.lastFrameUrl, cost: take.cost } };
    });
  const madeScenes = () => progress.scenes.filter((s) => s.status === 'completed' && s.take !== undefined);
  /**
   * A made scene whose take in use no person approved or chose: one that awaited review when a change to
   * an earlier scene (kept, not re-chained) came first. It is asked about again before the stitch.
   */
  const unreviewedScene = () => (review().reviewsTracked ? madeScenes().find((s) => s.reviewedTake !== s.take) : undefined);

  /**
   * Waits for a person's word on what awaits review. True when approved (or timed out with `approve`),
   * false when a change means scenes must be made again first.
   */
  async function awaitReview(awaiting: Awaiting, scenes: ReturnType<typeof sceneRecords>): Promise<boolean> {
    Object.assign(review(), { awaiting, timeoutAt: deadline() });
    publishStatus('awaiting_review');
    await record('awaiting_review', scenes);
    review().notified += 1;
    const sceneIndex = 'sceneIndex' in awaiting ? awaiting.sceneIndex : null;
    await notify({ projectId, userId: progress.userId, type: 'scene.ready_for_review', sceneIndex, sequence: review().notified }).catch((err: unknown) =>
      log.warn('Could not notify the user of a review', { projectId, error: String(err) }),
    );
    for (;;) {
      applyRecorded();
      const decided = await condition(() => signals.approved || signals.changed, Math.max(0, Date.parse(review().timeoutAt!) - Date.now()));
      if (signals.changed && !nextScene()) {
        // A choice that made nothing anew (a take chosen, later scenes kept): the same thing still awaits review.
        signals.changed = false;
        await record('awaiting_review', sceneRecords(madeScenes()));
        continue;
      }
      const approved = decided ? signals.approved && !signals.changed : plan!.timeoutAction === 'approve';
      if (!decided && plan!.timeoutAction === 'fail') {
        review().awaiting = null;
        const scene = sceneIndex === null ? undefined : progress.scenes[sceneIndex];
        throw new StepFailed(scene ? 'video' : 'stitch', scene?.sceneId, `no review of ${describeAwaiting(awaiting)} within ${plan!.timeoutMs / 3_600_000} hours`);
      }
      if (!decided) log.info('Review timed out: approved as configured', { projectId, awaiting });
      const reviewed = sceneIndex === null ? undefined : progress.scenes[sceneIndex];
      if (approved && reviewed) reviewed.reviewedTake = reviewed.take;
      const changed = signals.changed;
      Object.assign(review(), { awaiting: null, timeoutAt: null });
      Object.assign(signals, { approved: false, changed: false });
      publishStatus('generating');
      await record('generating', changed ? sceneRecords(madeScenes()) : undefined);
      return approved;
    }
  }

  /** After a cut: open for changes until the review timeout. True when a change needs a new cut. */
  async function openForChanges(): Promise<boolean> {
    review().cuts.push({ cut: review().cuts.length + 1, videoUrl: progress.finalVideoUrl! });
    review().stitchedTakes = progress.scenes.map((s) => s.take ?? 1);
    Object.assign(review(), { open: true, timeoutAt: deadline() });
    await record('completed');
    applyRecorded();
    const changed = await condition(() => signals.changed, Math.max(0, Date.parse(review().timeoutAt!) - Date.now()));
    Object.assign(review(), { open: false, timeoutAt: null });
    signals.changed = false;
    if (!changed) return false;
    progress.stitch.attempts = 0;
    publishStatus('generating');
    await record('generating', sceneRecords(madeScenes()));
    return true;
  }

  return {
    /** Extra fields of a scene's video request: the take being made (review films only). */
    videoTake: (scene: SceneProgress) => (plan ? { take: scene.nextTake ?? { take: 1 } } : {}),
    /** The video just made reported this cost (kept for the spend limit; review films only). */
    videoMade: (scene: SceneProgress, detail: Record<string, unknown>) => {
      // A provider that reports no cost is counted at the video's estimate.
      if (plan) scene.cost = costOf(detail) ?? plan.estimates?.[scene.index] ?? null;
    },
    /** The cut a stitch makes (review films only): `{ cut }` for its record and notification. */
    cut: () => (reviewing ? { cut: review().cuts.length + 1 } : {}),

    async run({ produce, stitch, betweenScenes }: FilmSteps): Promise<void> {
      if (plan && !review().actionsRead) {
        // Empty for a new film. After `temporal workflow reset`, Temporal re-delivers the updates at the
        // reset point, where their validators refuse them: the recorded actions are what keeps the reviews.
        recorded = await records.recordedReviewActions({ projectId });
        review().actionsRead = true;
      }
      for (;;) {
        for (let scene = nextScene(); scene; scene = nextScene()) {
          if (plan) await withinBudget(scene);
          await produce(scene);
          if (plan) {
            const made = await keepTake(scene);
            if (plan.mode === 'each_scene') await awaitReview({ sceneIndex: scene.index }, made);
            else await record('generating', made);
          }
          await betweenScenes();
        }
        const unreviewed = plan?.mode === 'each_scene' ? unreviewedScene() : undefined;
        if (unreviewed && patched('review-asks-again-after-keep')) {
          await awaitReview({ sceneIndex: unreviewed.index }, []);
          continue;
        }
        if (plan?.mode === 'before_stitch' && !(await awaitReview({ stitch: true }, []))) continue;
        await stitch();
        if (!reviewing || !(await openForChanges())) return;
      }
    },
  };
}
