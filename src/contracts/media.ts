/**
 * The built-in media steps and the asset store, as the workflow sees them. A project's media plan is
 * fixed when it starts (from the deployment's configuration and the project's own request), and only a
 * project that has one takes any of these paths: without it a film is made exactly as before.
 */

/** `remote`: the guide's service does the step (callback and all); `builtin`: Reelay's media workers do it with ffmpeg. */
export type MediaStepMode = 'remote' | 'builtin';
export const mediaStepModes = ['remote', 'builtin'] as const satisfies readonly MediaStepMode[];

export interface MediaPlan {
  lastFrame: MediaStepMode;
  stitch: MediaStepMode;
  /** Every scene's video, last frame and thumbnail, and the film, are copied into the project's storage. */
  store: boolean;
  /** The media activities' task queue (MEDIA_TASK_QUEUE). */
  taskQueue: string;
}

/** The task queue of the media activities (MEDIA_TASK_QUEUE), so media work can run on workers of its own. */
export const defaultMediaTaskQueue = 'media';

/** Which stored asset a copy makes. */
export type AssetKind = 'sceneVideo' | 'sceneThumbnail' | 'sceneLastFrame' | 'film';

export interface CopyAssetInput {
  projectId: string;
  kind: AssetKind;
  /** The scene's position in the film, from 0 (not for the film). */
  sceneIndex?: number;
  /** The provider's (or service's) link to the bytes. */
  url: string;
}

export interface ExtractLastFrameInput {
  projectId: string;
  sceneIndex: number;
  videoUrl: string;
}

export interface StitchFilmInput {
  projectId: string;
  videoUrls: string[];
}

/** A stored asset, by the link Reelay serves it under (the gateway's /assets/…). */
export interface StoredAssetAnswer {
  url: string;
  key: string;
  sha256: string;
  size: number;
  /** What the step did, for the records' detail (e.g. the stitch's `copy` or `reencode`, ffmpeg's CPU seconds). */
  detail?: Record<string, unknown>;
}

/** The media activities, on the media task queue. */
export interface MediaActivities {
  copyAsset(input: CopyAssetInput): Promise<StoredAssetAnswer>;
  extractLastFrame(input: ExtractLastFrameInput): Promise<StoredAssetAnswer>;
  stitchFilm(input: StitchFilmInput): Promise<StoredAssetAnswer>;
}
