import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { providerEnvSchema, providerSettings, type ProviderSettings } from '../../../src/platform/provider-env';
import type { WebhookDelivery } from '../../../src/providers/adapter';

/** One POST a provider (stand-in) made to the test's callback URL. */
export interface Received {
  headers: IncomingHttpHeaders;
  body: Buffer;
  url: URL;
}

/**
 * A tiny http server playing Reelay's webhook route: it records what arrives and answers with the status
 * `answer` gives (a 500 makes the provider retry).
 */
export async function startWebhookReceiver(answer: (n: number) => number = () => 200) {
  const received: Received[] = [];
  const waiters: (() => void)[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks), url: new URL(req.url ?? '/', 'http://127.0.0.1') });
      res.statusCode = answer(received.length);
      res.end();
      waiters.splice(0).forEach((wake) => wake());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    received,
    /** Resolves with the first delivery (already received or to come) that `matches`. */
    async next(matches: (r: Received) => boolean = () => true, timeoutMs = 10_000): Promise<Received> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = received.find(matches);
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no matching webhook within ${timeoutMs} ms (${received.length} received)`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 200);
        });
      }
    },
    /** Resolves with the first `count` deliveries, as the gateway hands them to an adapter, once they have arrived. */
    async deliveries(count: number, timeoutMs = 20_000): Promise<WebhookDelivery[]> {
      const deadline = Date.now() + timeoutMs;
      while (received.length < count) {
        if (Date.now() > deadline) throw new Error(`only ${received.length} of ${count} deliveries arrived`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 200);
        });
      }
      return received.slice(0, count).map((r) => deliveryOf(r));
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Resolves once `check` gives a value, asking every 25 ms. */
export async function eventually<T>(check: () => Promise<T | undefined> | T | undefined, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('the condition never held');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** A received POST as the gateway hands it to an adapter's verifyWebhook. */
export function deliveryOf(r: Received, overrides: { headers?: Record<string, string | undefined>; body?: Buffer | string; query?: string } = {}): WebhookDelivery {
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(r.headers)) headers[name] = Array.isArray(value) ? value[0] : value;
  for (const [name, value] of Object.entries(overrides.headers ?? {})) headers[name.toLowerCase()] = value;
  return {
    header: (name) => headers[name.toLowerCase()],
    rawBody: overrides.body === undefined ? r.body : Buffer.from(overrides.body),
    query: new URLSearchParams(overrides.query ?? r.url.search),
  };
}

/** The providers' settings as the gateway and worker read them from the environment (here: a stand-in's `env`). */
export function settingsFrom(env: Record<string, string>): ProviderSettings {
  return providerSettings(z.object(providerEnvSchema).parse(env));
}

/** A callback URL as Reelay makes it: the fingerprint rides in its query. */
export const callbackUrl = (base: string, provider: string, fingerprint: string) =>
  `${base}/api/webhooks/providers/${provider}?project=p1&scene=s1&fp=${encodeURIComponent(fingerprint)}&token=t0123456789abcdef0123456789abcdef`;
