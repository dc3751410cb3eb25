import { HttpError } from '../errors';

export interface CreateAdmissionLimits {
  /** Creates this gateway works on at once. */
  atOnce: number;
  /** Creates waiting for a turn; one more is refused at once. */
  queue: number;
  /** The longest a create waits for its turn before it is refused (10 s). */
  maxWaitMs?: number;
}

/** What a refused create is told: a create takes tens of milliseconds, so a queue full now is not full a second later. */
export const gatewayBusyRetryAfterSeconds = 1;

const busy = (why: string) =>
  new HttpError(503, 'gateway_busy', `This gateway is creating as many films as it takes at once (${why}); retry shortly with the same project_id`, undefined, {
    'retry-after': String(gatewayBusyRetryAfterSeconds),
  });

/**
 * Bounded admission for POST /api/v1/projects: at most `atOnce` creates run on this gateway, up to
 * `queue` more wait their turn in arrival order, and the rest are answered 503 gateway_busy with
 * Retry-After, which a client retries under the same project_id (a create is idempotent per project_id).
 * Why: a burst of creates (1,000 films at once) otherwise has the gateway's CPU, event loop and pool
 * working on hundreds of creates together, and a provider's webhook, whose answer hands a capped slot
 * to the next film in line, waited behind all of them (docs/providers.md, "Caps and the queue").
 * Bounding the creates in flight leaves each webhook behind a few creates, not hundreds.
 */
export function createAdmission({ atOnce, queue, maxWaitMs = 10_000 }: CreateAdmissionLimits) {
  let running = 0;
  const waiting: { admit: () => void; timer: NodeJS.Timeout }[] = [];

  /** A turn is handed from a finished create straight to the first waiting one, so none can jump the queue. */
  function done(): void {
    const next = waiting.shift();
    if (!next) {
      running -= 1;
      return;
    }
    clearTimeout(next.timer);
    next.admit();
  }

  function turn(): Promise<void> {
    if (running < atOnce) {
      running += 1;
      return Promise.resolve();
    }
    if (waiting.length >= queue) return Promise.reject(busy(`${atOnce} running, ${queue} waiting`));
    return new Promise((admit, refuse) => {
      const entry = {
        admit,
        timer: setTimeout(() => {
          waiting.splice(waiting.indexOf(entry), 1);
          refuse(busy(`none finished within ${maxWaitMs / 1000} s`));
        }, maxWaitMs),
      };
      waiting.push(entry);
    });
  }

  return {
    /** Runs `work` in its turn; refused with 503 gateway_busy past the queue or its wait. */
    async admitted<T>(work: () => Promise<T>): Promise<T> {
      await turn();
      try {
        return await work();
      } finally {
        done();
      }
    },
    /** Creates running and waiting now. */
    load: () => ({ running, waiting: waiting.length }),
  };
}

export type CreateAdmission = ReturnType<typeof createAdmission>;
