import type { ErrorLog, GlobalError } from '../../storage/error-log';
import type { Logger } from '../../platform/logger';

interface Tally {
  row: Promise<string | undefined>;
  error: GlobalError;
  count: number;
  written: number;
  since: number;
}

export interface UnverifiedFailureOptions {
  windowMs?: number;
  /** Distinct addresses tracked at once; beyond them, failures share one row per code and endpoint. */
  maxTallies?: number;
  flushEveryMs?: number;
}

/**
 * The error log's record of webhook requests that never proved who sent them (no or a wrong signature,
 * a stale timestamp, a body that was not even read): one row per address, endpoint and reason per
 * minute, written at the first and rewritten with the count as more arrive, instead of a row each. The
 * guide's promise holds (a bad signature is in the error system, at once), while a flood from one address
 * costs a counter, not a database write per request. Every request is still counted in
 * reelay_webhook_requests_total by outcome.
 */
export function unverifiedFailureLog(errors: ErrorLog, logger: Logger, { windowMs = 60_000, maxTallies = 10_000, flushEveryMs = 5_000 }: UnverifiedFailureOptions = {}) {
  const tallies = new Map<string, Tally>();
  const messageOf = (tally: Tally) =>
    tally.count === 1 ? tally.error.message : `${tally.error.message} (${tally.count} times from this address within ${Math.round(windowMs / 1000)}s)`;

  async function writeCount(tally: Tally): Promise<void> {
    if (tally.count === tally.written) return;
    const id = await tally.row;
    if (!id) return;
    tally.written = tally.count;
    await errors
      .rewrite(id, { message: messageOf(tally), context: { ...tally.error.context, count: tally.count } })
      .catch((err) => logger.warn({ err }, 'Could not update the count of unverified webhooks'));
  }

  async function flush(now = Date.now()): Promise<void> {
    await Promise.all(
      [...tallies].map(async ([key, tally]) => {
        if (now - tally.since >= windowMs) tallies.delete(key);
        await writeCount(tally);
      }),
    );
  }
  const timer = setInterval(() => void flush(), flushEveryMs).unref(); // flush catches its own errors

  return {
    /** Records one unverified request from `address` (already keyed: an IPv6 /64). */
    async record(error: GlobalError, address: string): Promise<void> {
      // The message names the endpoint and the reason (`video-complete: Invalid webhook signature`).
      let key = `${error.code}|${error.message}|${address}`;
      if (!tallies.has(key) && tallies.size >= maxTallies) key = `${error.code}|${error.message}|*`;
      const now = Date.now();
      const current = tallies.get(key);
      if (current && now - current.since < windowMs) {
        current.count += 1;
        return;
      }
      if (current) void writeCount(current); // its window ended before a flush wrote its last count
      const row = errors.addGlobalError({ ...error, context: { ...error.context, count: 1 } }).catch((err) => {
        logger.error({ err }, 'Could not record a webhook failure');
        return undefined;
      });
      tallies.set(key, { row, error, count: 1, written: 1, since: now });
      await row;
    },

    /** Writes the last counts (the gateway stops). */
    async close(): Promise<void> {
      clearInterval(timer);
      await flush(Number.POSITIVE_INFINITY);
    },
  };
}

export type UnverifiedFailureLog = ReturnType<typeof unverifiedFailureLog>;
