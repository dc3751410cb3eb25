import CircuitBreaker from 'opossum';
import { ApplicationFailure, type MetricMeter } from '@temporalio/common';
import type { ServiceName } from '../config/config';
import type { Logger } from '../logging/logger';
import { serviceErrorTypes } from './http-client';

export type CircuitState = 'closed' | 'open' | 'half_open';

export interface CircuitOptions {
  /** Failure percentage, over the rolling window, that opens the circuit. */
  errorThresholdPercentage: number;
  /** Calls in the window before the percentage is trusted. */
  volumeThreshold: number;
  /** How long the circuit stays open before one trial call (half-open). */
  resetTimeoutMs: number;
  rollingWindowMs: number;
}

export const defaultCircuitOptions: CircuitOptions = {
  errorThresholdPercentage: 50,
  volumeThreshold: 5,
  resetTimeoutMs: 15_000,
  rollingWindowMs: 10_000,
};

const services: ServiceName[] = ['video', 'lastFrame', 'stitch', 'notification'];
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

  for (const service of services) {
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
