import { ApplicationFailure } from '@temporalio/common';
import type { ServiceEndpoint } from '../config/config';

export const serviceErrorTypes = {
  /** The service refused the request (4xx other than 408/429): retrying the same request cannot help. */
  rejected: 'ServiceRejected',
  /** The service failed, timed out or was unreachable: Temporal retries with backoff. */
  unavailable: 'ServiceUnavailable',
  /** The service answered 2xx with a body we cannot use. */
  badResponse: 'ServiceBadResponse',
} as const;

export interface PostJsonOptions {
  /** Same key on every retry of the same step, so the service can drop repeats. */
  idempotencyKey: string;
  timeoutMs?: number;
}

/** Status codes that say "try again later" rather than "this request is wrong". */
const retryableClientStatus = new Set([408, 429]);

/**
 * POSTs JSON to a service and returns its parsed JSON answer, translating failures into Temporal
 * ApplicationFailures so the activity's retry policy does the right thing: 4xx (but 408/429) is not
 * retried, everything else is, honouring Retry-After when the service sends one.
 */
export async function postJson(
  service: ServiceEndpoint,
  path: string,
  body: unknown,
  { idempotencyKey, timeoutMs = 15_000 }: PostJsonOptions,
): Promise<unknown> {
  const url = `${service.url}${path}`;
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/json',
    'idempotency-key': idempotencyKey,
  };
  if (service.apiKey) headers.authorization = `Bearer ${service.apiKey}`;

  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers,
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    const reason = err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
    throw ApplicationFailure.create({
      type: serviceErrorTypes.unavailable,
      message: `POST ${url} failed: ${reason}`,
    });
  }

  const text = await response.text();
  if (!response.ok) {
    const summary = `POST ${url} answered ${response.status}: ${text.slice(0, 300)}`;
    const retryable = response.status >= 500 || retryableClientStatus.has(response.status);
    throw ApplicationFailure.create({
      type: retryable ? serviceErrorTypes.unavailable : serviceErrorTypes.rejected,
      message: summary,
      nonRetryable: !retryable,
      nextRetryDelay: retryable ? retryAfterMs(response.headers.get('retry-after')) : undefined,
      details: [{ status: response.status }],
    });
  }
  if (!text) return {};
  try {
    return JSON.parse(text);
  } catch {
    throw ApplicationFailure.nonRetryable(
      `POST ${url} answered ${response.status} with a body that is not JSON: ${text.slice(0, 200)}`,
      serviceErrorTypes.badResponse,
    );
  }
}

/** Retry-After is either seconds or an HTTP date; capped so one header cannot park a step for hours. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(header) - now;
  if (!Number.isFinite(ms) || ms <= 0) return undefined;
  return Math.min(ms, 10 * 60_000);
}
