/**
 * The three callbacks Reelay receives. One table so the gateway, the simulator, the config and the
 * database agree on names: the URL path segment, the variable holding its secret and the stored enum.
 */
export const webhookEndpoints = ['video-complete', 'last-frame-complete', 'stitch-complete'] as const;
export type WebhookEndpointName = (typeof webhookEndpoints)[number];

export const webhookSecretEnv = {
  'video-complete': 'VIDEO_WEBHOOK_SECRET',
  'last-frame-complete': 'LAST_FRAME_WEBHOOK_SECRET',
  'stitch-complete': 'STITCH_WEBHOOK_SECRET',
} as const satisfies Record<WebhookEndpointName, string>;

/** Values of the Prisma `WebhookEndpoint` enum (identifiers cannot hold dashes). */
export const webhookEndpointDbValue = {
  'video-complete': 'video_complete',
  'last-frame-complete': 'last_frame_complete',
  'stitch-complete': 'stitch_complete',
} as const satisfies Record<WebhookEndpointName, string>;

export const webhookPath = (name: WebhookEndpointName): string => `/api/webhooks/${name}`;

export function webhookUrl(publicUrl: string, name: WebhookEndpointName): string {
  return `${publicUrl}${webhookPath(name)}`;
}
