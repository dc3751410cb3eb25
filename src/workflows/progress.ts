import type { ProjectProgress } from '../contracts/progress';

/** A new film: every scene pending, no attempts yet. */
export function initialProgress(projectId: string, userId: string | null, sceneIds: string[]): ProjectProgress {
  return {
    projectId,
    userId,
    status: 'pending',
    currentScene: null,
    current: null,
    scenes: sceneIds.map((sceneId, index) => ({
      sceneId,
      index,
      status: 'pending',
      steps: { video: { attempts: 0, tasksStarted: 0 }, lastFrame: { attempts: 0, tasksStarted: 0 } },
    })),
    stitch: { attempts: 0, tasksStarted: 0 },
    failuresNotified: 0,
    run: 1,
    inbox: { taken: [], waiting: [] },
  };
}
