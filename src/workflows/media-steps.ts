import { ActivityFailure, isCancellation } from '@temporalio/workflow';
import type { MediaPlan, StoredAssetAnswer } from '../contracts/media';
import type { RecordActivities, SceneFrameRecord, SceneVideoRecord } from '../contracts/records';
import type { Step, StepEvent } from '../contracts/steps';
import type { WorkflowSettings } from '../contracts/workflow-settings';
import { mediaProxies } from './activity-proxies';
import { StepFailed } from './step-runner';

type StepResult = StepEvent & { url: string };
type SceneVideo = { url: string; thumbnailUrl?: string };

/**
 * How a project's media steps are done, by its media plan. Without a plan every method is the remote
 * step itself, untouched: no command is added, so today's films keep their cost and their histories
 * replay. With one, a built-in step replaces the remote one (a media activity instead of a request and a
 * callback), and with the store on, whatever a remote step handed back is copied into the project's
 * storage as soon as it arrives, and the stored copy's link is what the film keeps.
 */
export function mediaRouting(plan: MediaPlan | undefined, settings: WorkflowSettings, projectId: string, records: RecordActivities) {
  if (!plan) {
    return {
      keepSceneVideo: async (_sceneIndex: number, video: SceneVideo) => video,
      lastFrame: (_sceneIndex: number, _sceneId: string, _videoUrl: string, _video: SceneVideoRecord | undefined, remote: () => Promise<StepResult>) => remote(),
      stitch: (_videoUrls: string[], _lastScene: SceneFrameRecord | undefined, remote: () => Promise<StepResult>) => remote(),
    };
  }
  const media = mediaProxies(settings, plan);

  /** A media activity that ran out of retries fails its step, reported as a remote step's failure would be. */
  async function asStep<T>(step: Step, sceneId: string | undefined, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      if (!(err instanceof ActivityFailure) || isCancellation(err)) throw err;
      const reason = err.cause?.message ?? err.message;
      throw new StepFailed(step, sceneId, `${step} failed: ${reason}`, reason);
    }
  }
  const builtIn = (step: Step, sceneId: string | undefined, stored: StoredAssetAnswer): StepResult => ({
    taskId: `builtin-${step}`,
    projectId,
    ...(sceneId ? { sceneId } : {}),
    outcome: 'completed',
    url: stored.url,
    detail: { ...stored.detail, key: stored.key, sha256: stored.sha256, size: stored.size },
  });
  const keep = (step: Step, sceneId: string | undefined, kind: 'sceneVideo' | 'sceneThumbnail' | 'sceneLastFrame' | 'film', url: string, sceneIndex?: number) =>
    asStep(step, sceneId, () => media.copyAsset({ projectId, kind, url, sceneIndex }));

  return {
    /** The scene's video and thumbnail, copied before the provider's links can expire. */
    async keepSceneVideo(sceneIndex: number, video: SceneVideo, sceneId?: string): Promise<SceneVideo> {
      if (!plan.store) return video;
      const stored = await keep('video', sceneId, 'sceneVideo', video.url, sceneIndex);
      const thumbnail = video.thumbnailUrl ? await keep('video', sceneId, 'sceneThumbnail', video.thumbnailUrl, sceneIndex) : undefined;
      return { url: stored.url, thumbnailUrl: thumbnail?.url };
    },

    async lastFrame(sceneIndex: number, sceneId: string, videoUrl: string, video: SceneVideoRecord | undefined, remote: () => Promise<StepResult>): Promise<StepResult> {
      if (plan.lastFrame === 'remote') {
        const frame = await remote();
        return plan.store ? builtInCopy(frame, await keep('lastFrame', sceneId, 'sceneLastFrame', frame.url, sceneIndex)) : frame;
      }
      // The scene's video record rides along with a remote request; with none to ride on, written here.
      if (video) await records.saveSceneVideo(video);
      return builtIn('lastFrame', sceneId, await asStep('lastFrame', sceneId, () => media.extractLastFrame({ projectId, sceneIndex, videoUrl })));
    },

    async stitch(videoUrls: string[], lastScene: SceneFrameRecord | undefined, remote: () => Promise<StepResult>): Promise<StepResult> {
      if (plan.stitch === 'remote') {
        const film = await remote();
        return plan.store ? builtInCopy(film, await keep('stitch', undefined, 'film', film.url)) : film;
      }
      if (lastScene) await records.completeScene(lastScene);
      await records.setProjectStatus({ projectId, status: 'stitching' });
      return builtIn('stitch', undefined, await asStep('stitch', undefined, () => media.stitchFilm({ projectId, videoUrls })));
    },
  };
}

/** A remote step's result, pointing at the stored copy; the service's own link is kept in the detail. */
const builtInCopy = (result: StepResult, stored: StoredAssetAnswer): StepResult => ({
  ...result,
  url: stored.url,
  detail: { ...result.detail, sourceUrl: result.url, key: stored.key, sha256: stored.sha256 },
});
