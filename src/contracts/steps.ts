/**
 * A film's steps, and every name each one goes by. In code a step is `video`, `lastFrame` or `stitch`;
 * the other spellings (the webhook path, the stored enum, the secret's variable, the signal, the
 * idempotency key) belong to the wire and the database, and are read from this one table at the edges.
 */
export type Step = 'video' | 'lastFrame' | 'stitch';

export const stepNames = {
  video: {
    endpoint: 'video-complete',
    stored: 'video_complete',
    secretEnv: 'VIDEO_WEBHOOK_SECRET',
    signal: 'videoComplete',
    keyPart: 'video',
  },
  lastFrame: {
    endpoint: 'last-frame-complete',
    stored: 'last_frame_complete',
    secretEnv: 'LAST_FRAME_WEBHOOK_SECRET',
    signal: 'lastFrameComplete',
    keyPart: 'last-frame',
  },
  stitch: {
    endpoint: 'stitch-complete',
    stored: 'stitch_complete',
    secretEnv: 'STITCH_WEBHOOK_SECRET',
    signal: 'stitchComplete',
    keyPart: 'stitch',
  },
} as const satisfies Record<Step, Record<'endpoint' | 'stored' | 'secretEnv' | 'signal' | 'keyPart', string>>;

type Names = (typeof stepNames)[Step];

/** The three callbacks Reelay receives, by the path segment services post them to. */
export const webhookEndpoints = [stepNames.video.endpoint, stepNames.lastFrame.endpoint, stepNames.stitch.endpoint] as const;
export type WebhookEndpointName = Names['endpoint'];

const byEndpoint = <K extends keyof Names>(field: K) =>
  Object.fromEntries(Object.values(stepNames).map((names) => [names.endpoint, names[field]])) as Record<WebhookEndpointName, Names[K]>;

/** The step a callback reports on. */
export const stepOfEndpoint = Object.fromEntries(
  Object.entries(stepNames).map(([step, names]) => [names.endpoint, step]),
) as Record<WebhookEndpointName, Step>;

/** The environment variable holding each endpoint's signing secrets. */
export const webhookSecretEnv = byEndpoint('secretEnv');

/** Values of the stored `WebhookEndpoint` enum (identifiers cannot hold dashes), and back. */
export const webhookEndpointDbValue = byEndpoint('stored');
export const webhookEndpointOfStored = Object.fromEntries(
  Object.values(stepNames).map((names) => [names.stored, names.endpoint]),
) as Record<Names['stored'], WebhookEndpointName>;

export const webhookPath = (name: WebhookEndpointName): string => `/api/webhooks/${name}`;

export function webhookUrl(publicUrl: string, name: WebhookEndpointName): string {
  return `${publicUrl}${webhookPath(name)}`;
}

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
