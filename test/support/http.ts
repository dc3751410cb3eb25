import { randomBytes } from 'node:crypto';
import { signBody } from '../../src/contracts/webhooks';
import type { WebhookEndpointName } from '../../src/contracts/steps';
import { testSecrets } from './test-stack';

export interface JsonResponse<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
}

async function toJson<T>(response: Response): Promise<JsonResponse<T>> {
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: (text ? JSON.parse(text) : undefined) as T };
}

export async function getJson<T = Record<string, unknown>>(url: string, headers: Record<string, string> = {}): Promise<JsonResponse<T>> {
  return toJson<T>(await fetch(url, { headers }));
}

export async function postJson<T = Record<string, unknown>>(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<JsonResponse<T>> {
  const raw = typeof body === 'string' ? body : JSON.stringify(body);
  return toJson<T>(await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: raw }));
}

/** POSTs a webhook signed exactly as the service would sign it (or with `signature` when given). */
export async function postWebhook<T = Record<string, unknown>>(
  gatewayUrl: string,
  endpoint: WebhookEndpointName,
  body: unknown,
  { signature, secret = testSecrets[endpoint] }: { signature?: string; secret?: string } = {},
): Promise<JsonResponse<T>> {
  const raw = typeof body === 'string' ? body : JSON.stringify(body);
  return postJson<T>(`${gatewayUrl}/api/webhooks/${endpoint}`, raw, {
    'x-webhook-signature': signature ?? signBody(secret, raw),
  });
}

/** Project ids unique to one test, readable in the Temporal UI when a test fails. */
export const uniqueId = (label: string): string => `${label}-${randomBytes(4).toString('hex')}`;
