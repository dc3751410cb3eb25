import type { Step } from './events';

export type ProjectStatus = 'pending' | 'generating' | 'stitching' | 'completed' | 'failed';
export type SceneStatus = 'pending' | 'generating' | 'extracting_frame' | 'completed' | 'failed';

export interface SceneProgress {
  sceneId: string;
  index: number;
  status: SceneStatus;
  videoUrl?: string;
  thumbnailUrl?: string;
  lastFrameUrl?: string;
}

/** The workflow's live view of its project, answered by the `progress` query. */
export interface ProjectProgress {
  projectId: string;
  status: ProjectStatus;
  /** Index of the scene being worked on, null before the first and after the last. */
  currentScene: number | null;
  /** The callback being waited for, with the task id it must carry. */
  waitingFor: { step: Step; taskId: string } | null;
  scenes: SceneProgress[];
  finalVideoUrl?: string;
  failureReason?: string;
}

export function initialProgress(projectId: string, sceneIds: string[]): ProjectProgress {
  return {
    projectId,
    status: 'pending',
    currentScene: null,
    waitingFor: null,
    scenes: sceneIds.map((sceneId, index) => ({ sceneId, index, status: 'pending' })),
  };
}
