import { createSession } from 'better-sse';
import type { ParameterizedContext } from 'koa';
import { HttpError } from '../errors';
import type { AppState } from '../request-context';

export interface LiveFeed<T> {
  /** The current state; undefined ends the stream (the thing is gone). */
  load(): Promise<T | undefined>;
  /** Once a state is final (a finished film) it is sent and the stream ends. */
  isFinal?(state: T): boolean;
  /** The answer when there is nothing to stream from the start (a film that does not exist). */
  missing?(): HttpError;
}

/** How often a stream looks again. A database read and, for a running film, a workflow query. */
const pollMs = 1000;
/** Open streams per gateway process: an operator console, not a fan-out service. */
const maxStreams = 200;
let openStreams = 0;

/**
 * Server-sent events: the state now, then the state again each time it changes, as `update` events, and
 * an `end` event once the state is final or gone.
 * Polling the database (rather than a pub/sub channel) keeps every gateway replica able to serve any
 * stream with nothing more to run; a second is fine for a person watching.
 */
export async function streamChanges<T>(ctx: ParameterizedContext<AppState>, feed: LiveFeed<T>): Promise<void> {
  if (openStreams >= maxStreams) {
    throw new HttpError(503, 'too_many_streams', `This gateway already serves ${maxStreams} live streams; retry later`, undefined, { 'retry-after': '30' });
  }
  // Read before the stream opens, so a thing that does not exist is an ordinary JSON error, not an empty stream.
  const first = await feed.load();
  if (first === undefined && feed.missing) throw feed.missing();
  ctx.status = 200; // for the middleware above, which never sees a body
  ctx.respond = false; // the session writes the response itself
  const session = await createSession(ctx.req, ctx.res, { keepAlive: 15_000, headers: { 'x-request-id': ctx.state.requestId } });
  openStreams += 1;
  let last = '';
  let timer: NodeJS.Timeout | undefined;
  // An `end` event tells the browser not to reconnect: EventSource reconnects to any stream that just ends.
  const close = () => {
    clearTimeout(timer);
    session.push(null, 'end');
    if (!ctx.res.writableEnded) ctx.res.end();
  };
  session.once('disconnected', () => {
    openStreams -= 1;
    clearTimeout(timer);
  });
  const tick = async (loaded?: { state: T | undefined }) => {
    try {
      const state = loaded ? loaded.state : await feed.load();
      if (!session.isConnected) return;
      if (state === undefined) return close();
      const json = JSON.stringify(state);
      if (json !== last) {
        last = json;
        session.push(state, 'update');
      }
      if (feed.isFinal?.(state)) return close();
    } catch (err) {
      ctx.state.log.warn({ err }, 'Live stream could not load');
    }
    if (session.isConnected) timer = setTimeout(() => void tick(), pollMs);
  };
  await tick({ state: first });
}
