import { createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';
import type { createRemoteJWKSet, JWK } from 'jose';
import { lazily } from './lazy-sdk';
import { ProviderCallError, type WebhookDelivery, type WebhookRefusal } from './adapter';

/**
 * fal's webhook signature, as its docs describe it (https://docs.fal.ai/model-apis/model-endpoints/webhooks,
 * "Verifying Your Webhook"): ED25519 over `request-id \n user-id \n timestamp \n sha256hex(body)`, the four
 * from the `X-Fal-Webhook-*` headers, the signature in hex, the public keys from fal's JWKS, a timestamp
 * within ±5 minutes. The signature names no key, so every published Ed25519 key is tried.
 */
export const falWebhookToleranceSeconds = 300;

export interface FalKeyCacheOptions {
  /** How long the fetched key set is trusted before it is fetched again (fal's docs: up to 24 h). */
  cacheMaxAgeMs?: number;
  /**
   * The least time between two fetches caused by a signature no cached key verifies. A rotated key is
   * found on the first delivery after this; a flood of forged signatures costs fal one fetch per window.
   */
  cooldownMs?: number;
}

/** fal's published keys, cached (jose's remote key set), fetched again when no cached key verifies a signature. */
export class FalWebhookKeys {
  private readonly keySet: () => ReturnType<typeof createRemoteJWKSet>;
  private readonly imported = new Map<string, KeyObject>();

  constructor(jwksUrl: string, options: FalKeyCacheOptions = {}) {
    this.keySet = lazily(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const jose = require('jose') as typeof import('jose');
      return jose.createRemoteJWKSet(new URL(jwksUrl), {
        cacheMaxAge: options.cacheMaxAgeMs ?? 24 * 3_600_000,
        cooldownDuration: options.cooldownMs ?? 30_000,
        timeoutDuration: 5_000,
      });
    });
  }

  private get remote() {
    return this.keySet();
  }

  /** Whether a key fal publishes signed `message`. Throws a retryable ProviderCallError when the keys cannot be fetched. */
  async verifies(message: Buffer, signature: Buffer): Promise<boolean> {
    if (!this.remote.fresh) await this.reload();
    if (this.matches(message, signature)) return true;
    if (this.remote.coolingDown) return false;
    await this.reload(); // fal rotated its key since the last fetch
    return this.matches(message, signature);
  }

  private async reload(): Promise<void> {
    await this.remote.reload().catch((err: unknown) => {
      throw new ProviderCallError("fal's webhook signing keys could not be fetched", true, { answer: String(err).slice(0, 300) });
    });
  }

  private matches(message: Buffer, signature: Buffer): boolean {
    for (const jwk of this.remote.jwks()?.keys ?? []) {
      const key = this.importKey(jwk);
      if (key && verify(null, message, key, signature)) return true;
    }
    return false;
  }

  private importKey(jwk: JWK): KeyObject | undefined {
    if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string') return undefined;
    let key = this.imported.get(jwk.x);
    if (!key) {
      try {
        key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: jwk.x }, format: 'jwk' });
      } catch {
        return undefined;
      }
      this.imported.set(jwk.x, key);
    }
    return key;
  }
}

export const sha256Hex = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');

/** The signed message of a delivery, or why it cannot be checked. */
export function falSignedMessage(
  delivery: WebhookDelivery,
  nowSeconds = Date.now() / 1000,
): { message: Buffer; signature: Buffer } | { reason: WebhookRefusal; message: string } {
  const [requestId, userId, timestamp, signature] = ['Request-Id', 'User-Id', 'Timestamp', 'Signature'].map((name) =>
    delivery.header(`X-Fal-Webhook-${name}`)?.trim(),
  );
  if (!requestId || !userId || !timestamp || !signature) {
    return { reason: 'missing_signature', message: 'the X-Fal-Webhook-Request-Id, -User-Id, -Timestamp and -Signature headers are required' };
  }
  if (!/^\d{1,12}$/.test(timestamp) || Math.abs(nowSeconds - Number(timestamp)) > falWebhookToleranceSeconds) {
    return { reason: 'timestamp_out_of_tolerance', message: `X-Fal-Webhook-Timestamp must be within ${falWebhookToleranceSeconds} s of now` };
  }
  if (!/^[0-9a-f]{128}$/i.test(signature)) {
    return { reason: 'invalid_signature', message: 'X-Fal-Webhook-Signature is not a hex ED25519 signature' };
  }
  return {
    message: Buffer.from(`${requestId}\n${userId}\n${timestamp}\n${sha256Hex(delivery.rawBody)}`, 'utf8'),
    signature: Buffer.from(signature, 'hex'),
  };
}
