import { ApplicationFailure, type MetricMeter } from '@temporalio/common';
import CircuitBreaker from 'opossum';
import { serviceNames, servicePaths, type ServiceName } from '../contracts/services';
import type { CircuitOptions, Config, ServiceEndpoint } from '../platform/config';
import type { Logger } from '../platform/logger';
import type { Dispatcher } from 'undici';
import { tracedRequest } from '../platform/traced-request';

/*
 * How Reelay calls a service: one JSON POST with an idempotency key, its failures translated for
 * Temporal's retries, through that service's circuit breaker.
 */

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
  /** How the failure's message names the service ("the video service answered 502"). */
  serviceLabel?: string;
}

/**
 * What a failed call leaves for operators: the failure's `details[0]`, which the workflow copies into
 * the error log. The failure's message stays free of it (no host, address or upstream text), because
 * the message becomes the project's `failure_reason`, which clients and users read.
 */
export interface ServiceCallDetail {
  url: string;
  status?: number;
  /** The start of the service's answer, or why no answer came (the network error). */
  answer?: string;
  location?: string;
}

/** Status codes that say "try again later" rather than "this request is wrong". */
const retryableClientStatus = new Set([408, 429]);

const isRedirect = (status: number) => status >= 300 && status < 400;

/** A header of the answer (the first, if the service sent it more than once). */
const headerOf = ({ headers }: Dispatcher.ResponseData, name: string): string | undefined => {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
};

/**
 * POSTs JSON to a service and returns its parsed JSON answer, translating failures into Temporal
 * ApplicationFailures so the activity's retry policy does the right thing: 4xx (but 408/429) is not
 * retried, everything else is, honouring Retry-After when the service sends one. A redirect is never
 * followed (a compromised service, or one reached over plain http, could point the worker at an
 * address inside the network) and fails the call without a retry.
 */
export async function postJson(
  service: ServiceEndpoint,
  path: string,
  body: unknown,
  { idempotencyKey, timeoutMs = 15_000, serviceLabel = 'service' }: PostJsonOptions,
): Promise<unknown> {
  const url = `${service.url}${path}`;
  const name = serviceLabel === 'service' ? 'the service' : `the ${serviceLabel} service`;
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/json',
    'idempotency-key': idempotencyKey,
  };
  if (service.apiKey) headers.authorization = `Bearer ${service.apiKey}`;

  let response: Dispatcher.ResponseData;
  try {
    response = await tracedRequest(url, { method: 'POST', headers, body: JSON.stringify(body), signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    const reason = err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
    const timedOut = err instanceof Error && err.name === 'TimeoutError';
    throw ApplicationFailure.create({
      type: serviceErrorTypes.unavailable,
      message: timedOut ? `${name} did not answer within ${timeoutMs / 1000}s` : `${name} could not be reached`,
      details: [{ url, answer: reason } satisfies ServiceCallDetail],
    });
  }

  const status = response.statusCode;
  if (isRedirect(status)) {
    await response.body.dump();
    throw ApplicationFailure.create({
      type: serviceErrorTypes.rejected,
      message: `${name} answered ${status}, a redirect, which Reelay does not follow: configure the URL the service is at`,
      nonRetryable: true,
      details: [{ url, status, location: headerOf(response, 'location') } satisfies ServiceCallDetail],
    });
  }
  const text = await response.body.text();
  if (status < 200 || status >= 300) {
    const retryable = status >= 500 || retryableClientStatus.has(status);
    throw ApplicationFailure.create({
      type: retryable ? serviceErrorTypes.unavailable : serviceErrorTypes.rejected,
      message: `${name} answered ${status}`,
      nonRetryable: !retryable,
      nextRetryDelay: retryable ? retryAfterMs(headerOf(response, 'retry-after') ?? null) : undefined,
      details: [{ url, status, answer: text.slice(0, 300) } satisfies ServiceCallDetail],
    });
  }
  if (!text) return {};
  try {
    return JSON.parse(text);
  } catch {
    throw ApplicationFailure.create({
      type: serviceErrorTypes.badResponse,
      message: `${name} answered ${status} with a body that is not JSON`,
      nonRetryable: true,
      details: [{ url, status, answer: text.slice(0, 200) } satisfies ServiceCallDetail],
    });
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

export type CircuitState = 'closed' | 'open' | 'half_open';

const stateValue: Record<CircuitState, number> = { closed: 0, half_open: 1, open: 2 };

/**
 * One circuit breaker per service in this worker (opossum). When a service keeps failing, the circuit
 * opens and calls fail at once, without touching the network, as retryable failures that ask Temporal
 * to come back after the reset timeout: hundreds of waiting projects then back off instead of
 * hammering the service, and all resume once a trial call succeeds. A 4xx is the request's fault,
 * not the service's, and does not count towards opening the circuit.
 */
export function createServiceBreakers(options: CircuitOptions, meter: MetricMeter, logger: Logger) {
  const stateGauge = meter.createGauge('reelay_circuit_state', 'int', '', 'Circuit per service: 0 closed, 1 half-open, 2 open');
  const rejections = meter.createCounter('reelay_circuit_rejections', '', 'Calls refused by an open circuit');
  const breakers = new Map<ServiceName, CircuitBreaker<[() => Promise<unknown>], unknown>>();

  for (const service of serviceNames) {
    const breaker = new CircuitBreaker((action: () => Promise<unknown>) => action(), {
      timeout: false, // the HTTP call has its own timeout
      errorThresholdPercentage: options.errorThresholdPercentage,
      volumeThreshold: options.volumeThreshold,
      resetTimeout: options.resetTimeoutMs,
      rollingCountTimeout: options.rollingWindowMs,
      errorFilter: (err: unknown) => err instanceof ApplicationFailure && Boolean(err.nonRetryable),
      name: service,
    });
    const report = (state: CircuitState) => () => {
      stateGauge.set(stateValue[state], { service });
      (state === 'closed' ? logger.info : logger.warn).call(logger, { service, circuit: state }, `Circuit for the ${service} service is ${state.replace('_', '-')}`);
    };
    breaker.on('open', report('open'));
    breaker.on('halfOpen', report('half_open'));
    breaker.on('close', report('closed'));
    stateGauge.set(0, { service });
    breakers.set(service, breaker);
  }

  function stateOf(breaker: CircuitBreaker<[() => Promise<unknown>], unknown>): CircuitState {
    return breaker.opened ? 'open' : breaker.halfOpen ? 'half_open' : 'closed';
  }

  return {
    /** Runs a call to `service` through its circuit. */
    async call<T>(service: ServiceName, action: () => Promise<T>): Promise<T> {
      const breaker = breakers.get(service)!;
      try {
        return (await breaker.fire(action)) as T;
      } catch (err) {
        if ((err as { code?: string }).code !== 'EOPENBREAKER') throw err;
        rejections.add(1, { service });
        throw ApplicationFailure.create({
          type: serviceErrorTypes.unavailable,
          message: `The ${service} service is failing; its circuit is open, calls resume after a trial in ${options.resetTimeoutMs / 1000}s`,
          nextRetryDelay: options.resetTimeoutMs,
        });
      }
    },

    states(): Record<ServiceName, CircuitState> {
      return Object.fromEntries([...breakers].map(([service, breaker]) => [service, stateOf(breaker)])) as Record<ServiceName, CircuitState>;
    },

    shutdown(): void {
      for (const breaker of breakers.values()) breaker.shutdown();
    },
  };
}

export type ServiceBreakers = ReturnType<typeof createServiceBreakers>;

/** How failure messages name each service. */
const serviceLabels: Record<ServiceName, string> = { video: 'video', lastFrame: 'last-frame', stitch: 'stitch', notification: 'notification' };

/** Posts a request to a configured service through its circuit. */
export function createServiceClient(services: Config['services'], breakers: ServiceBreakers) {
  return {
    post(name: ServiceName, body: unknown, idempotencyKey: string): Promise<unknown> {
      const endpoint = services[name];
      if (!endpoint) throw ApplicationFailure.nonRetryable(`The ${name} service is not configured`, 'ServiceNotConfigured');
      return breakers.call(name, () => postJson(endpoint, servicePaths[name], body, { idempotencyKey, serviceLabel: serviceLabels[name] }));
    },
  };
}

export type ServiceClient = ReturnType<typeof createServiceClient>;
