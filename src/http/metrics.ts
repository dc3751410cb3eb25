import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

/** How a webhook request ended, as counted in metrics (and named in docs/observability.md). */
export type WebhookOutcomeLabel =
  | 'success'
  | 'duplicate'
  | 'ignored'
  | 'invalid_signature'
  | 'stale_timestamp'
  | 'validation_error'
  | 'not_found'
  | 'rate_limited'
  | 'signal_failed'
  | 'bad_request'
  | 'error';

/** The gateway's Prometheus metrics, in a registry of its own (several gateways can share a process in tests). */
export function createGatewayMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'reelay_gateway_' });
  return {
    registry,
    webhookDuration: new Histogram({
      name: 'reelay_webhook_duration_seconds',
      help: 'Time from a webhook request arriving to its answer, by endpoint and outcome',
      labelNames: ['endpoint', 'outcome'] as const,
      buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    webhookRequests: new Counter({
      name: 'reelay_webhook_requests_total',
      help: 'Webhook requests by endpoint and outcome',
      labelNames: ['endpoint', 'outcome'] as const,
      registers: [registry],
    }),
    rateLimitHits: new Counter({
      name: 'reelay_rate_limit_hits_total',
      help: 'Requests refused with 429 by the per-address rate limit, by webhook endpoint or group of routes (docs/security.md)',
      labelNames: ['endpoint'] as const,
      registers: [registry],
    }),
    rateLimiterErrors: new Counter({
      name: 'reelay_rate_limiter_errors_total',
      help: 'Rate-limit store (Redis) failures; requests are let through while it is unavailable',
      registers: [registry],
    }),
    clientRequests: new Counter({
      name: 'reelay_client_requests_total',
      help: "Project API requests let through, by client (the operator's are not counted)",
      labelNames: ['client'] as const,
      registers: [registry],
    }),
    clientQuotaRefusals: new Counter({
      name: 'reelay_client_quota_refusals_total',
      help: 'Project API requests refused with 429 by a client quota, by client and quota (requests_per_minute, running_films)',
      labelNames: ['client', 'quota'] as const,
      registers: [registry],
    }),
    authFailures: new Counter({
      name: 'reelay_auth_failures_total',
      help: 'Wrong admin tokens presented, by where: console sign-in or an Authorization: Bearer header',
      labelNames: ['route'] as const,
      registers: [registry],
    }),
    authFailureBursts: new Counter({
      name: 'reelay_auth_failure_bursts_total',
      help: 'Times one client address reached RATE_LIMIT_AUTH_FAILURES wrong admin tokens within a window (then refused with 429)',
      registers: [registry],
    }),
    signalFailures: new Counter({
      name: 'reelay_signal_failures_total',
      help: 'Webhooks Temporal could not accept as a signal (answered 503)',
      labelNames: ['endpoint'] as const,
      registers: [registry],
    }),
  };
}

export type GatewayMetrics = ReturnType<typeof createGatewayMetrics>;
