/**
 * What the gateway signals to a project's workflow when a service calls back. One shape for all three
 * callbacks so the workflow's waiting logic is written once; `detail` keeps everything else the
 * service sent, for the database.
 */
export interface StepEvent {
  taskId: string;
  projectId: string;
  /** Absent for the stitch step, which is per project. */
  sceneId?: string;
  outcome: 'completed' | 'failed';
  /** The URL the step produced: the scene video, its last frame, or the final film. */
  url?: string;
  thumbnailUrl?: string;
  /** The service's reason, when outcome is `failed`. */
  error?: string;
  detail: Record<string, unknown>;
}

export type Step = 'video' | 'lastFrame' | 'stitch';
