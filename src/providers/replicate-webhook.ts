import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import type { WebhookDelivery, WebhookRefusal, WebhookVerdict, ProviderTask } from './adapter';

/**
 * Replicate signs every webhook the Standard Webhooks way (https://replicate.com/docs/topics/webhooks/verify-webhook):
 * `webhook-id` (the same on every retry of one message), `webhook-timestamp` (seconds), and
 * `webhook-signature`, a space-separated list of `v1,<base64 HMAC-SHA256>` over `id.timestamp.body`
 * keyed with the account's `whsec_` secret (https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md).
 */
const toleranceSeconds = 5 * 60;

/** The account's signing secret: the configured one, or the one `GET /v1/webhooks/default/secret` answers, cached. */
export class ReplicateSigningSecret {
  private fetched?: Promise<string>;
  private lastRefresh = 0;

  constructor(
    private readonly configured: string | undefined,
    private readonly fetchSecret: () => Promise<string>,
    private readonly refreshCooldownMs = 60_000,
  ) {}

  current(): Promise<string> {
    if (this.configured) return Promise.resolve(this.configured);
    this.fetched ??= this.fetch();
    return this.fetched;
  }

  /**
   * Asks Replicate again after a signature did not match (the secret may have been rotated); at most
   * once a minute, so forged deliveries cannot make Reelay hammer Replicate's API. A configured secret
   * is the operator's to change: never refreshed.
   */
  async refreshed(): Promise<string | undefined> {
    if (this.configured || Date.now() - this.lastRefresh < this.refreshCooldownMs) return undefined;
    this.lastRefresh = Date.now();
    this.fetched = this.fetch();
    return this.fetched;
  }

  /** A failed fetch is not cached: the next delivery asks again. */
  private fetch(): Promise<string> {
    const fetching = this.fetchSecret();
    fetching.catch(() => {
      if (this.fetched === fetching) this.fetched = undefined;
    });
    return fetching;
  }
}

export async function verifyReplicateDelivery(
  delivery: WebhookDelivery,
  secret: ReplicateSigningSecret,
  readTask: (prediction: Record<string, unknown>) => ProviderTask,
): Promise<WebhookVerdict> {
  const id = delivery.header('webhook-id');
  const timestamp = delivery.header('webhook-timestamp');
  const signature = delivery.header('webhook-signature');
  if (!id || !timestamp || !signature) {
    return refuse('missing_signature', 'webhook-id, webhook-timestamp and webhook-signature are all required');
  }
  if (!/^\d{1,12}$/.test(timestamp)) return refuse('invalid_signature', 'webhook-timestamp is not a number of seconds');
  if (Math.abs(Date.now() / 1000 - Number(timestamp)) > toleranceSeconds) {
    return refuse('timestamp_out_of_tolerance', `webhook-timestamp is more than ${toleranceSeconds} s from now`);
  }
  const headers = { 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': signature };
  if (!signedWith(await secret.current(), delivery.rawBody, headers)) {
    const rotated = await secret.refreshed();
    if (!rotated || !signedWith(rotated, delivery.rawBody, headers)) {
      return refuse('invalid_signature', 'no signature in webhook-signature matches the signing secret');
    }
  }
  let prediction: unknown;
  try {
    prediction = JSON.parse(delivery.rawBody.toString('utf8'));
  } catch {
    return refuse('malformed', 'the body is not JSON');
  }
  const p = prediction as Record<string, unknown> | null;
  if (!p || typeof p !== 'object' || typeof p.id !== 'string' || typeof p.status !== 'string') {
    return refuse('malformed', 'the body is not a prediction (id and status)');
  }
  return { ok: true, deliveryId: id, task: readTask(p) };
}

function signedWith(secret: string, body: Buffer, headers: Record<string, string>): boolean {
  try {
    new Webhook(secret).verify(body, headers, { jsonParse: false });
    return true;
  } catch (err) {
    if (err instanceof WebhookVerificationError) return false;
    throw new Error('the Replicate webhook secret is not a whsec_ base64 secret', { cause: err });
  }
}

const refuse = (reason: WebhookRefusal, message: string): WebhookVerdict => ({ ok: false, reason, message });
