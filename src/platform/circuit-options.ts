/** A circuit breaker per service, in each worker (see activities/service-client.ts). */
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
