import { randomBytes } from 'node:crypto';
import { envSchema, type Env } from './env-schema';
import { webhookEndpoints, webhookSecretEnv, type WebhookEndpointName } from '../webhooks/endpoints';

export interface ServiceEndpoint {
  url: string;
  apiKey?: string;
}

export type ServiceName = 'video' | 'lastFrame' | 'stitch' | 'notification';

export interface Config {
  nodeEnv: Env['NODE_ENV'];
  port: number;
  /** Base URL the external services call back on (NEXT_PUBLIC_APP_URL); see callbackBaseUrl. */
  publicUrl?: string;
  databaseUrl?: string;
  redisUrl?: string;
  temporal: { address?: string; namespace: string; taskQueue: string; cliPath?: string };
  webhookSecrets: Record<WebhookEndpointName, string[]>;
  /** Endpoints whose secret was made up at start-up (development only). */
  generatedSecrets: WebhookEndpointName[];
  services: Partial<Record<ServiceName, ServiceEndpoint>>;
  simulator: { port: number; delayMs: number };
  logLevel: Env['LOG_LEVEL'];
}

/**
 * What the process about to start needs configured rather than embedded or simulated:
 * - `stack` (npm start) embeds Temporal and PostgreSQL and simulates services that are not set;
 * - `worker` and `gateway` run alone against real infrastructure.
 */
export type Role = 'stack' | 'worker' | 'gateway';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const requiredServices: { name: ServiceName; urlVar: keyof Env; keyVar: keyof Env }[] = [
  { name: 'video', urlVar: 'VIDEO_GENERATION_SERVICE', keyVar: 'VIDEO_GENERATION_API_KEY' },
  { name: 'lastFrame', urlVar: 'LAST_FRAME_SERVICE_URL', keyVar: 'LAST_FRAME_API_KEY' },
  { name: 'stitch', urlVar: 'STITCH_SERVICE_URL', keyVar: 'STITCH_API_KEY' },
];
const notificationService = {
  name: 'notification',
  urlVar: 'NOTIFICATION_SERVICE_URL',
  keyVar: 'NOTIFICATION_API_KEY',
} as const;

/** Reads and checks the environment; throws one ConfigError listing every problem found. */
export function loadConfig(source: NodeJS.ProcessEnv, role: Role): Config {
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const env = parsed.data;
  const problems: string[] = [];
  const production = env.NODE_ENV === 'production';

  if (role !== 'stack') {
    if (!env.DATABASE_URL) problems.push(`DATABASE_URL: required by the ${role}`);
    if (!env.TEMPORAL_ADDRESS) problems.push(`TEMPORAL_ADDRESS: required by the ${role}`);
  }

  const webhookSecrets = {} as Record<WebhookEndpointName, string[]>;
  const generatedSecrets: WebhookEndpointName[] = [];
  for (const endpoint of webhookEndpoints) {
    const variable = webhookSecretEnv[endpoint];
    const configured = env[variable];
    if (configured) {
      webhookSecrets[endpoint] = configured;
    } else if (production) {
      problems.push(`${variable}: required in production (the ${endpoint} webhook cannot be verified)`);
    } else {
      webhookSecrets[endpoint] = [randomBytes(32).toString('hex')];
      generatedSecrets.push(endpoint);
    }
  }

  const services: Config['services'] = {};
  for (const { name, urlVar, keyVar } of [...requiredServices, notificationService]) {
    const url = env[urlVar] as string | undefined;
    if (url) services[name] = { url, apiKey: env[keyVar] as string | undefined };
    else if (role === 'worker' && name !== 'notification') problems.push(`${urlVar}: required by the worker`);
  }

  if (production && !env.NEXT_PUBLIC_APP_URL && role !== 'gateway') {
    problems.push('NEXT_PUBLIC_APP_URL: required in production (services need a public URL to call back)');
  }

  if (problems.length) throw new ConfigError(problems);

  return {
    nodeEnv: env.NODE_ENV,
    port: env.PORT,
    publicUrl: env.NEXT_PUBLIC_APP_URL,
    databaseUrl: env.DATABASE_URL,
    redisUrl: env.REDIS_URL,
    temporal: {
      address: env.TEMPORAL_ADDRESS,
      namespace: env.TEMPORAL_NAMESPACE,
      taskQueue: env.TEMPORAL_TASK_QUEUE,
      cliPath: env.TEMPORAL_CLI,
    },
    webhookSecrets,
    generatedSecrets,
    services,
    simulator: { port: env.SIMULATOR_PORT, delayMs: env.SIMULATOR_DELAY_MS },
    logLevel: env.LOG_LEVEL,
  };
}

/** Where services send webhooks: NEXT_PUBLIC_APP_URL, or this machine's gateway port in development. */
export function callbackBaseUrl(config: Config): string {
  return config.publicUrl ?? `http://localhost:${config.port}`;
}

/** Services the stack must simulate because no URL was configured for them. */
export function unconfiguredServices(config: Config): ServiceName[] {
  return (['video', 'lastFrame', 'stitch', 'notification'] as const).filter((s) => !config.services[s]);
}
