import { createHash } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { postJson } from '../activities/service-client';
import { stepNames, webhookUrl, type Step } from '../contracts/steps';
import { callbackBaseUrl, type Config } from '../platform/config';
import { configFromEnvironment } from '../platform/process-entry';

/** What each service is asked to call back about, and where. */
const subscriptions: { service: Step; events: string[] }[] = [
  { service: 'video', events: ['task.completed', 'task.failed'] },
  { service: 'lastFrame', events: ['extraction.completed', 'extraction.failed'] },
  { service: 'stitch', events: ['task.completed', 'task.failed'] },
];

export interface Registration {
  service: Step;
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
  return subscriptions.map(({ service, events }) => {
    const { endpoint } = stepNames[service];
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

/**
 * `npm run register-webhooks [-- --dry-run]`: registers the three webhook URLs with the services.
 * Safe to run again: each registration carries an Idempotency-Key derived from what it registers.
 */
async function main() {
  const dryRun = process.argv.includes('--dry-run');
  const config = configFromEnvironment('stack');
  const problems = [
    ...(['video', 'lastFrame', 'stitch'] as const).filter((s) => !config.services[s]).map((s) => `no URL configured for the ${s} service`),
    ...Object.keys(config.generated)
      .filter((name) => name.endsWith('_WEBHOOK_SECRET'))
      .map((name) => `${name} is not set (a generated secret would be useless to the service)`),
    ...(config.publicUrl ? [] : ['NEXT_PUBLIC_APP_URL is not set: services need a public URL to call back']),
  ];
  if (problems.length && !dryRun) {
    console.error(`Cannot register webhooks:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    process.exit(1);
  }
  const plan = registrationPlan(config);
  if (dryRun) {
    for (const problem of problems) console.error(`warning: ${problem}`);
    console.log(JSON.stringify(plan.map((r) => ({ method: 'POST', ...masked(r) })), null, 2));
    return;
  }
  let failed = 0;
  for (const registration of plan) {
    try {
      const answer = await register(config, registration);
      console.log(`${registration.service}: registered ${registration.body.url} for ${registration.body.events.join(', ')} ${JSON.stringify(answer)}`);
    } catch (err) {
      failed += 1;
      const message = err instanceof ApplicationFailure ? err.message : String(err);
      console.error(`${registration.service}: registration failed: ${message}`);
    }
  }
  process.exit(failed ? 1 : 0);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
