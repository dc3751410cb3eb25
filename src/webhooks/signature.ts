import { createHmac, timingSafeEqual } from 'node:crypto';

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
