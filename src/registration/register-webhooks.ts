import { createHash } from 'node:crypto';
import { callbackBaseUrl, type Config, type ServiceName } from '../config/config';
import { postJson } from '../activities/http-client';
import { webhookUrl, type WebhookEndpointName } from '../webhooks/endpoints';

/** What each service is asked to call back about, and where. */
const subscriptions: { service: ServiceName; endpoint: WebhookEndpointName; events: string[] }[] = [
  { service: 'video', endpoint: 'video-complete', events: ['task.completed', 'task.failed'] },
  { service: 'lastFrame', endpoint: 'last-frame-complete', events: ['extraction.completed', 'extraction.failed'] },
  { service: 'stitch', endpoint: 'stitch-complete', events: ['task.completed', 'task.failed'] },
];

export interface Registration {
  service: ServiceName;
  target: string;
  idempotencyKey: string;
  body: { url: string; events: string[]; secret: string };
  hasApiKey: boolean;
}

/**
 * The registrations to send: `POST <service>/api/webhooks/register` with our callback URL, the events
 * and the secret the service must sign with (the first active one). The Idempotency-Key is derived
 * from exactly that, so registering again with nothing changed is a no-op for the service.
 */
export function registrationPlan(config: Config): Registration[] {
  return subscriptions.map(({ service, endpoint, events }) => {
    const endpointConfig = config.services[service];
    if (!endpointConfig) throw new Error(`No URL configured for the ${service} service`);
    const body = { url: webhookUrl(callbackBaseUrl(config), endpoint), events, secret: config.webhookSecrets[endpoint][0] };
    const fingerprint = createHash('sha256').update(JSON.stringify(body)).digest('hex').slice(0, 24);
    return {
      service,
      target: `${endpointConfig.url}/api/webhooks/register`,
      idempotencyKey: `reelay:register:${service}:${fingerprint}`,
      body,
      hasApiKey: Boolean(endpointConfig.apiKey),
    };
  });
}

/** For printing: the secret's first characters and length only. */
export function masked(registration: Registration) {
  const { secret } = registration.body;
  return { ...registration, body: { ...registration.body, secret: `${secret.slice(0, 4)}…(${secret.length} characters)` } };
}

export async function register(config: Config, registration: Registration): Promise<unknown> {
  const service = config.services[registration.service]!;
  return postJson({ url: service.url, apiKey: service.apiKey }, '/api/webhooks/register', registration.body, {
    idempotencyKey: registration.idempotencyKey,
  });
}
