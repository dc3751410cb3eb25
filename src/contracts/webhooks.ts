import { createHmac, timingSafeEqual } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { z } from 'zod';
import { filmIdSchema, sceneIdSchema, taskIdSchema } from './ids';
import type { StepEvent, WebhookEndpointName } from './steps';
import { isStorableText, storableCopy, unstorableTextMessage } from './text';

/*
 * The services' side of a callback, as their guide prints it: the body each one POSTs, how it is
 * signed, and what it becomes inside Reelay (a StepEvent). The gateway, the simulator and the tests
 * all read it from here. Not for workflow code: signing needs node:crypto.
 */

/**
 * The bodies the video, last-frame and stitch services POST back. Only what the pipeline needs is
 * required (task id, status, project, scene, and the URL the step produced); every other field is
 * kept as sent, stored with the event and the scene, and never a reason to reject a callback (text
 * PostgreSQL cannot store is replaced there, see `toStepEvent`; the ids and URLs must be storable).
 */
const httpUrl = z
  .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
  .refine(isStorableText, unstorableTextMessage)
  .meta({ pattern: '^[Hh][Tt][Tt][Pp][Ss]?://[A-Za-z0-9]', description: 'An http(s) URL, without NUL characters or unpaired UTF-16 surrogates.' });

/**
 * Services report a failure's reason as `error` (a string, or an object such as `{ code, message }`),
 * `error_message` or `message`, or not at all: a failure is accepted either way, so the step can move
 * on at once instead of waiting for its deadline.
 */
const reasonField = z.unknown().optional();

const common = {
  task_id: taskIdSchema,
  project_id: filmIdSchema,
};

const failed = <T extends z.ZodRawShape>(shape: T) =>
  z.looseObject({ ...common, ...shape, status: z.literal('failed'), error: reasonField, error_message: reasonField, message: reasonField });

/** A callback about `subject` (a scene, or the whole project): what the step produced, or that it failed. */
const callback = <S extends z.ZodRawShape, P extends z.ZodRawShape>(subject: S, product: P) =>
  z.discriminatedUnion('status', [z.looseObject({ ...common, status: z.literal('completed'), ...subject, ...product }), failed(subject)]);

const scene = { scene_id: sceneIdSchema };

export const videoCompletePayload = callback(scene, { video_url: httpUrl, thumbnail_url: httpUrl.optional() });
export const lastFrameCompletePayload = callback(scene, { last_frame_url: httpUrl });
export const stitchCompletePayload = callback({}, { final_video_url: httpUrl, thumbnail_url: httpUrl.optional() });

export const webhookPayloadSchemas = {
  'video-complete': videoCompletePayload,
  'last-frame-complete': lastFrameCompletePayload,
  'stitch-complete': stitchCompletePayload,
} as const satisfies Record<WebhookEndpointName, z.ZodType>;

export type VideoCompletePayload = z.infer<typeof videoCompletePayload>;
export type LastFrameCompletePayload = z.infer<typeof lastFrameCompletePayload>;
export type StitchCompletePayload = z.infer<typeof stitchCompletePayload>;
export type WebhookPayload = VideoCompletePayload | LastFrameCompletePayload | StitchCompletePayload;

export const unknownFailureReason = 'the service reported the task failed without a reason';

/** How deep failureReason looks into `{ error: { message: ... } }`: real services nest two or three levels. */
const reasonDepth = 8;
const reasonLength = 1000;

/**
 * The service's reason for a failed task, from whichever field it used; bounded for logs and history.
 * An object's `message`, `error` or `code` is followed `reasonDepth` levels down; otherwise the object
 * is the reason, as JSON cut at 64 levels (storableCopy). So a signed callback whose `error` nests
 * 100,000 levels (1 MiB of braces) is accepted with a short reason, never a stack overflow and a 500
 * the sender would retry forever.
 */
export function failureReason(payload: Record<string, unknown>): string {
  const text = (value: unknown, depth: number): string | undefined => {
    if (typeof value === 'string') return value.trim() || undefined;
    if (typeof value === 'number') return String(value);
    if (value && typeof value === 'object') {
      if (depth < reasonDepth) {
        const { message, error, code } = value as Record<string, unknown>;
        const named = text(message, depth + 1) ?? text(error, depth + 1) ?? text(code, depth + 1);
        if (named) return named;
      }
      return Object.keys(value).length ? JSON.stringify(storableCopy(value)) : undefined;
    }
    return undefined;
  };
  const reason = text(payload.error, 0) ?? text(payload.error_message, 0) ?? text(payload.message, 0) ?? unknownFailureReason;
  return reason.length > reasonLength ? `${reason.slice(0, reasonLength)}…` : reason;
}

/** The field that carries each step's product. */
const productField = {
  'video-complete': 'video_url',
  'last-frame-complete': 'last_frame_url',
  'stitch-complete': 'final_video_url',
} as const satisfies Record<WebhookEndpointName, string>;

/** Turns a validated webhook body into the signal the project workflow understands. */
export function toStepEvent(endpoint: WebhookEndpointName, payload: WebhookPayload): StepEvent {
  const { task_id, project_id, status, ...rest } = payload;
  const { scene_id, thumbnail_url, [productField[endpoint]]: url, ...extra } = rest;
  // A failure's reason fields become `error`; on a success they are just more detail.
  const { error, error_message, message, ...failureDetail } = extra;
  const failed = status === 'failed';
  return {
    taskId: task_id,
    projectId: project_id,
    // The stitch's schema has no scene: there a scene_id is an extra field, kept only if PostgreSQL can store it.
    sceneId: typeof scene_id === 'string' && isStorableText(scene_id) ? scene_id : undefined,
    outcome: status,
    url: typeof url === 'string' ? url : undefined,
    thumbnailUrl: typeof thumbnail_url === 'string' ? thumbnail_url : undefined,
    // Extra fields are never a reason to refuse a callback; what jsonb cannot hold is replaced.
    error: failed ? storableCopy(failureReason({ error, error_message, message })) : undefined,
    detail: storableCopy(failed ? failureDetail : extra),
  };
}

/** A stored webhook body as the signal it became; stored bodies were validated on the way in, parsed again here. */
export function storedStepEvent(endpoint: WebhookEndpointName, rawBody: string): StepEvent {
  return toStepEvent(endpoint, webhookPayloadSchemas[endpoint].parse(JSON.parse(rawBody)));
}

/** The header carrying the hex HMAC-SHA256 of the raw request body. */
export const signatureHeader = 'x-webhook-signature';

export function signBody(secret: string, rawBody: Buffer | string): string {
  return createHmac('sha256', secret).update(rawBody).digest('hex');
}

const hexSha256 = /^[0-9a-f]{64}$/i;

/**
 * True when `signature` is the HMAC of `rawBody` under any of `secrets` (several during a rotation).
 * Anything that is not 64 hex characters is rejected before comparing, so odd lengths or encodings
 * can never reach timingSafeEqual (which throws on unequal lengths). An optional `sha256=` prefix,
 * which several providers add, is accepted.
 */
export function verifySignature(rawBody: Buffer, signature: string | undefined, secrets: readonly string[]): boolean {
  if (!signature) return false;
  const hex = signature.trim().replace(/^sha256=/i, '');
  if (!hexSha256.test(hex)) return false;
  const given = Buffer.from(hex, 'hex');
  let matched = false;
  // Compare against every secret, without stopping early, so timing says nothing about which matched.
  for (const secret of secrets) {
    const expected = createHmac('sha256', secret).update(rawBody).digest();
    if (timingSafeEqual(expected, given)) matched = true;
  }
  return matched;
}

/**
 * Two ways a service can sign a webhook:
 * - `seed`: `X-Webhook-Signature`, hex HMAC-SHA256 of the raw body (the services' original scheme);
 * - `standard`: Standard Webhooks, `webhook-id` / `webhook-timestamp` / `webhook-signature: v1,<base64>`,
 *   an HMAC over `id.timestamp.body`, so the timestamp itself is signed.
 */
/** `provider`: a video provider's own scheme, checked by its adapter (src/providers). */
export type SignatureScheme = 'seed' | 'standard' | 'provider';

export type Verification =
  | { ok: true; scheme: SignatureScheme }
  | { ok: false; scheme?: SignatureScheme; reason: 'missing_signature' | 'invalid_signature' | 'timestamp_out_of_tolerance' };

export type HeaderReader = (name: string) => string | undefined;

/** Standard Webhooks secrets are `whsec_<base64>`; anything else is used as raw bytes, like the seed scheme. */
function standardSigner(secret: string): Webhook {
  return secret.startsWith('whsec_') ? new Webhook(secret) : new Webhook(secret, { format: 'raw' });
}

/**
 * Builds the verifier for one endpoint from its active secrets (several while one is rotated out).
 * Secrets are parsed once, here, so a malformed `whsec_` secret stops start-up instead of a request.
 */
export function createVerifier(secrets: readonly string[], toleranceSeconds: number) {
  const signers = secrets.map(standardSigner);

  function verifyStandard(rawBody: Buffer, header: HeaderReader, now: number): Verification {
    const id = header('webhook-id');
    const timestamp = header('webhook-timestamp');
    const signatures = header('webhook-signature');
    if (!id || !timestamp || !signatures || !/^\d{1,12}$/.test(timestamp)) {
      return { ok: false, scheme: 'standard', reason: 'invalid_signature' };
    }
    const seconds = Number(timestamp);
    if (Math.abs(now / 1000 - seconds) > toleranceSeconds) {
      return { ok: false, scheme: 'standard', reason: 'timestamp_out_of_tolerance' };
    }
    const given = signatures
      .split(' ')
      .filter((s) => s.startsWith('v1,'))
      .map((s) => Buffer.from(s.slice(3)));
    let matched = false;
    for (const signer of signers) {
      const expected = Buffer.from(signer.sign(id, new Date(seconds * 1000), rawBody).slice(3));
      for (const candidate of given) {
        if (candidate.length === expected.length && timingSafeEqual(candidate, expected)) matched = true;
      }
    }
    return matched ? { ok: true, scheme: 'standard' } : { ok: false, scheme: 'standard', reason: 'invalid_signature' };
  }

  return function verify(rawBody: Buffer, header: HeaderReader, now = Date.now()): Verification {
    if (header('webhook-signature') !== undefined) return verifyStandard(rawBody, header, now);
    const seed = header(signatureHeader);
    if (seed === undefined) return { ok: false, reason: 'missing_signature' };
    return verifySignature(rawBody, seed, secrets) ? { ok: true, scheme: 'seed' } : { ok: false, scheme: 'seed', reason: 'invalid_signature' };
  };
}

export type Verifier = ReturnType<typeof createVerifier>;

/**
 * The seed scheme signs no header timestamp, so replay protection reads the body's `timestamp`
 * (ISO 8601, or Unix seconds or milliseconds), which the signature covers.
 */
export function bodyTimestampProblem(
  timestamp: unknown,
  mode: 'check' | 'require' | 'off',
  toleranceSeconds: number,
  now = Date.now(),
): 'missing' | 'unreadable' | 'out_of_tolerance' | undefined {
  if (mode === 'off') return undefined;
  if (timestamp === undefined || timestamp === null) return mode === 'require' ? 'missing' : undefined;
  const ms =
    typeof timestamp === 'number' ? (timestamp > 1e12 ? timestamp : timestamp * 1000) : typeof timestamp === 'string' ? Date.parse(timestamp) : NaN;
  if (!Number.isFinite(ms)) return 'unreadable';
  return Math.abs(now - ms) > toleranceSeconds * 1000 ? 'out_of_tolerance' : undefined;
}
