import { timingSafeEqual } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { signatureHeader, verifySignature } from './signature';

/**
 * Two ways a service can sign a webhook:
 * - `seed`: `X-Webhook-Signature`, hex HMAC-SHA256 of the raw body (the services' original scheme);
 * - `standard`: Standard Webhooks, `webhook-id` / `webhook-timestamp` / `webhook-signature: v1,<base64>`,
 *   an HMAC over `id.timestamp.body`, so the timestamp itself is signed.
 */
export type SignatureScheme = 'seed' | 'standard';

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
