import type { ProviderName } from '../contracts/providers';
import { ProviderCallError } from './adapter';

/**
 * A failed call as a ProviderCallError, with the wait the provider asked for (Retry-After, seconds or an
 * HTTP date) so back-pressure (429) reaches the activity's retry instead of a client's own retry loop.
 */
export function callError(provider: ProviderName, err: unknown, url?: string): ProviderCallError {
  const error = ProviderCallError.from(provider, err, url);
  const wait = retryAfterMs(headerOf(err, 'retry-after'));
  if (wait !== undefined && error.detail.retryAfterMs === undefined) {
    return new ProviderCallError(error.message, error.retryable, { ...error.detail, retryAfterMs: wait });
  }
  return error;
}

/** Milliseconds from a Retry-After value: delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function retryAfterMs(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** A header of the answer an official client's error carries (a fetch Headers, or a plain record). */
function headerOf(err: unknown, name: string): string | undefined {
  const e = err as { headers?: unknown; response?: { headers?: unknown } } | undefined;
  for (const headers of [e?.headers, e?.response?.headers]) {
    if (headers instanceof Headers) return headers.get(name) ?? undefined;
    if (headers && typeof headers === 'object') {
      const value = (headers as Record<string, unknown>)[name];
      if (typeof value === 'string') return value;
    }
  }
  return undefined;
}
