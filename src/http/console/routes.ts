import Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import type { ConsoleSessionInfo } from '../../contracts/console';
import { requireAdmin, type AdminAccess } from '../admin/auth';
import { findStoryboard, listFilms, type StoryboardDeps } from '../admin/films';
import { filmListQuery, projectParam } from '../admin/schemas';
import type { ConsoleSession } from '../admin/session';
import { HttpError } from '../errors';
import { readJsonBody } from '../json-body';
import type { AppState } from '../request-context';
import { parseOrThrow } from '../validation';
import { loadConsoleAssets } from './assets';
import { consolePage, consolePaths, securityHeaders } from './page';
import { streamChanges } from './live';

export interface ConsoleRouteDeps extends StoryboardDeps {
  access: AdminAccess;
}

const signIn = z.object({ token: z.string().min(1).max(1024) }).strict();

/**
 * The operator's console at /console: the page (one shell for every client route), its bundled assets,
 * the sign-in that trades the admin token for a session cookie, and the live streams of films. Everything
 * else it shows comes from the admin API, which takes the same session.
 */
export function consoleRoutes(deps: ConsoleRouteDeps): Router<AppState> {
  const { access, prisma } = deps;
  const { sessions, throttle } = access;
  const router = new Router<AppState>({ prefix: '/console' });
  const admin = requireAdmin(access);
  const info = (session: ConsoleSession): ConsoleSessionInfo => ({
    csrf_token: session.csrfToken,
    expires_at: session.expiresAt,
    temporal_ui_url: deps.temporalUiUrl ?? null,
  });

  const page = (ctx: Context) => {
    ctx.set(securityHeaders);
    ctx.set('cache-control', 'no-store');
    ctx.type = 'html';
    ctx.body = consolePage;
  };
  for (const path of consolePaths) router.get(path, page);

  router.get('/assets/:name', async (ctx) => {
    const file = (await loadConsoleAssets()).get(ctx.params.name);
    if (!file) throw new HttpError(404, 'not_found', `No console asset ${ctx.params.name}`);
    ctx.set(securityHeaders);
    ctx.set('cache-control', 'no-cache'); // revalidated by ETag: a new deployment is seen at once
    ctx.set('etag', file.etag);
    ctx.type = file.type;
    if (ctx.get('if-none-match') === file.etag) {
      ctx.status = 304;
      return;
    }
    ctx.body = file.body;
  });

  router.post('/session', async (ctx) => {
    await throttle.refuseIfThrottled(ctx);
    const body = parseOrThrow(signIn, await readJsonBody(ctx, 4096), 'Sign-in');
    if (!access.isToken(body.token)) {
      await throttle.failed(ctx, 'sign_in');
      throw new HttpError(401, 'unauthorized', 'That is not the admin token (ADMIN_API_TOKEN)');
    }
    ctx.state.log.info('Console sign-in');
    ctx.body = info(await sessions.start(ctx));
  });

  router.get('/session', async (ctx) => {
    const session = await sessions.current(ctx);
    if (!session) throw new HttpError(401, 'unauthorized', 'Not signed in, or the session has expired');
    ctx.set('cache-control', 'no-store');
    ctx.body = info(session);
  });

  router.delete('/session', async (ctx) => {
    await sessions.has(ctx); // signing out is a change: a session's CSRF token is checked (no session, nothing to check)
    await sessions.end(ctx); // on the server too: a copy of the cookie stops working
    ctx.status = 204;
  });

  router.get('/live/films', admin, async (ctx) => {
    const q = parseOrThrow(filmListQuery, ctx.query, 'Query');
    await streamChanges(ctx, { load: () => listFilms(prisma, { status: q.status, search: q.q, limit: q.limit }) });
  });

  router.get('/live/films/:id', admin, async (ctx) => {
    const { id } = parseOrThrow(projectParam, ctx.params, 'Path');
    await streamChanges(ctx, {
      load: async () => (await findStoryboard(deps, id)) ?? undefined,
      missing: () => new HttpError(404, 'project_not_found', `No project ${id}`),
      // A failed film is not over: its workflow waits for an operator's retry, and the page should see it resume.
      // Nor is a stitched review film: it stays open for changes (a new cut) until its review timeout.
      isFinal: (film) => film.status === 'cancelled' || (film.status === 'completed' && film.review.mode === 'none'),
    });
  });

  return router;
}
