import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { providerEnvSchema, providerSettings, type ProviderSettings } from '../../../src/platform/provider-env';
import type { WebhookDelivery } from '../../../src/providers/adapter';

/** A delivery as the receiver got it, ready for an adapter's verifyWebhook. */
export interface ReceivedDelivery extends WebhookDelivery {
  headers: http.IncomingHttpHeaders;
}

/**
 * A tiny local endpoint standing for Reelay's webhook route: it keeps every delivery, answering each
 * with the next status of `statuses` (then 200), so a test can make the provider retry.
 */
export async function startReceiver(statuses: number[] = []) {
  const deliveries: ReceivedDelivery[] = [];
  const waiters: (() => void)[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const headers = req.headers;
      deliveries.push({
        headers,
        rawBody: Buffer.concat(chunks),
        query: new URL(req.url ?? '/', 'http://receiver').searchParams,
        header: (name) => {
          const value = headers[name.toLowerCase()];
          return Array.isArray(value) ? value[0] : value;
        },
      });
      res.statusCode = statuses.shift() ?? 200;
      res.end();
      for (const wake of waiters.splice(0)) wake();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    deliveries,
    /** Resolves once `count` deliveries have arrived. */
    async received(count: number, timeoutMs = 20_000): Promise<ReceivedDelivery[]> {
      const deadline = Date.now() + timeoutMs;
      while (deliveries.length < count) {
        if (Date.now() > deadline) throw new Error(`only ${deliveries.length} of ${count} deliveries arrived`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 200);
        });
      }
      return deliveries.slice(0, count);
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The providers' settings as loadConfig builds them, from the variables a stand-in exposes. */
export function settingsFrom(env: Record<string, string>): ProviderSettings {
  return providerSettings(z.object(providerEnvSchema).parse(env));
}

/** Resolves once `check` holds, polling every 25 ms. */
export async function eventually<T>(check: () => Promise<T | undefined> | T | undefined, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('the condition never held');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
