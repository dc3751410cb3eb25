import type pg from 'pg';

/** Marks stored webhook events `signaled`, many in one statement. */
export const signaledMarksSql = `
  UPDATE webhook_events SET outcome = 'signaled', signaled_at = now()
  WHERE id = ANY($1::text[])`;

interface Waiting {
  id: string;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * The second write of a webhook's way in, made cheap without moving it after the answer. The event
 * itself was stored durably before its signal (event-store.ts `recordDelivery`); this only records
 * that the signal went through, so a repeat is answered as a duplicate without signalling again.
 *
 * - Batched: while one UPDATE is on its way, the marks that arrive wait and go together in the next,
 *   so under load a handful of webhooks share one statement; a lone webhook's goes at once.
 * - Committed without waiting for the disk (`database.asyncCommit`): a crash of PostgreSQL may lose
 *   the last marks. That costs nothing: the event stays `received`, a repeat then signals again, and
 *   the workflow ignores a callback it has applied. A crash of the gateway loses nothing, since every
 *   caller waits for its mark before answering.
 *
 * The promise resolves once the mark is committed, so a repeat that follows the answer always sees it.
 */
export function createSignaledMarks(asyncCommit: pg.Pool) {
  let waiting: Waiting[] = [];
  let writing = false;

  async function writeAll(): Promise<void> {
    writing = true;
    while (waiting.length) {
      const batch = waiting;
      waiting = [];
      try {
        await asyncCommit.query({ name: 'events.signaledMarks', text: signaledMarksSql, values: [batch.map((w) => w.id)] });
        for (const w of batch) w.resolve();
      } catch (err) {
        for (const w of batch) w.reject(err);
      }
    }
    writing = false;
  }

  return function markSignaled(id: string): Promise<void> {
    return new Promise((resolve, reject) => {
      waiting.push({ id, resolve, reject });
      if (!writing) void writeAll();
    });
  };
}
