import type { ProviderName } from '../contracts/providers';
import type { ProviderTask } from './adapter';

/**
 * A provider's finished task in the words of the services' guide's `video-complete` callback: what the
 * gateway records and signals for a provider's webhook, and what a polled task becomes, so the event
 * store, its replays and the workflow treat every provider's completion alike. `provider`, its own
 * status word and the cost ride along as extra fields (kept with the scene's video).
 */
export function completionBody(provider: ProviderName, task: ProviderTask, where: { projectId: string; sceneId: string }): Record<string, unknown> {
  const succeeded = task.state === 'succeeded' && Boolean(task.videoUrl);
  return {
    task_id: task.id,
    project_id: where.projectId,
    scene_id: where.sceneId,
    status: succeeded ? 'completed' : 'failed',
    ...(succeeded
      ? { video_url: task.videoUrl, ...(task.thumbnailUrl ? { thumbnail_url: task.thumbnailUrl } : {}) }
      : { error: task.error ?? `the task ended ${task.state}` }),
    provider,
    provider_status: task.providerStatus ?? task.state,
    ...(task.cost ? { cost: task.cost } : {}),
  };
}
