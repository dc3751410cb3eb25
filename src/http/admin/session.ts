import { createHash, createHmac, randomBytes } from 'node:crypto';
import Tokens from 'csrf';
import type { Context } from 'koa';
import type { ConsoleSessionStore } from '../../storage/console-sessions';
import { HttpError } from '../errors';

/**
 * The console's sign-in: the admin token, typed once, traded for an HTTP-only session cookie.
 *
 * The cookie holds a random key, signed by Koa's cookies (keygrip) with a key derived from
 * ADMIN_API_TOKEN (so rotating the token signs everyone out); the session itself (its expiry and CSRF
 * secret) is a row in PostgreSQL found by the key's hash, so signing out deletes it and a copied cookie
 * stops working on every replica. SameSite=Strict keeps the cookie off cross-site requests; unsafe methods
 * also need the CSRF token (made from the session's secret by `csrf`) in `X-CSRF-Token`, which only a page
 * of this origin can have read. Over https the cookie is Secure and named `__Host-…`: no subdomain or
 * plain-http page can set or shadow it.
 */
export const sessionCookie = 'reelay_console';
export const secureSessionCookie = `__Host-${sessionCookie}`;
export const csrfHeader = 'x-csrf-token';
const sessionMs = 8 * 60 * 60_000;
const tokens = new Tokens();

export interface ConsoleSession {
  csrfToken: string;
  expiresAt: string;
}

/** The cookie-signing keys for a gateway's Koa app (`app.keys`): derived, never the token itself. */
export const sessionKeys = (adminToken: string): string[] => [
  createHmac('sha256', adminToken).update('reelay console session v1').digest('base64url'),
];

const cookieName = (ctx: Context) => (ctx.secure ? secureSessionCookie : sessionCookie);

const cookieOptions = (ctx: Context) => ({
  httpOnly: true,
  sameSite: 'strict' as const,
  secure: ctx.secure,
  signed: true,
  path: '/',
  overwrite: true,
});

const sessionId = (key: string) => createHash('sha256').update(key).digest('hex');

const describe = (csrfSecret: string, expiresAt: Date): ConsoleSession => ({
  csrfToken: tokens.create(csrfSecret),
  expiresAt: expiresAt.toISOString(),
});

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Sessions kept in `store`, read from and written to each request's cookie. */
export function consoleSessions(store: ConsoleSessionStore) {
  /** The cookie's session id, when the cookie is there and its signature holds. */
  const idOf = (ctx: Context) => {
    const key = ctx.cookies.get(cookieName(ctx), { signed: true });
    return key ? sessionId(key) : undefined;
  };
  const read = async (ctx: Context) => {
    const id = idOf(ctx);
    return id ? store.find(id) : undefined;
  };

  return {
    /** Starts a session (the caller has checked the token) and sets its cookie. */
    async start(ctx: Context, now = Date.now()): Promise<ConsoleSession> {
      const key = randomBytes(32).toString('base64url');
      const session = { csrfSecret: tokens.secretSync(), expiresAt: new Date(now + sessionMs) };
      await store.create(sessionId(key), session);
      ctx.cookies.set(cookieName(ctx), key, { ...cookieOptions(ctx), expires: session.expiresAt });
      return describe(session.csrfSecret, session.expiresAt);
    },

    /** Ends the session on the server (a copy of the cookie stops working too) and clears the cookie. */
    async end(ctx: Context): Promise<void> {
      const id = idOf(ctx);
      if (id) await store.revoke(id);
      ctx.cookies.set(cookieName(ctx), null, cookieOptions(ctx));
    },

    /** The current session with a fresh CSRF token, or undefined when the cookie is missing, forged, expired or signed out. */
    async current(ctx: Context): Promise<ConsoleSession | undefined> {
      const session = await read(ctx);
      return session && describe(session.csrfSecret, session.expiresAt);
    },

    /**
     * True when the request carries a live session; for an unsafe method, also a valid CSRF token and,
     * when the browser names one, this origin (`https://…` behind a proxy that says so, with TRUST_PROXY).
     * A session without them is a 403, not a 401: the caller is signed in, the request is what is refused.
     */
    async has(ctx: Context): Promise<boolean> {
      const session = await read(ctx);
      if (!session) return false;
      if (safeMethods.has(ctx.method)) return true;
      const origin = ctx.get('origin');
      // Not ctx.origin: Koa 3 gives the Origin header there, not this server's origin.
      if (origin && origin !== `${ctx.protocol}://${ctx.host}`) {
        throw new HttpError(403, 'cross_origin', `Requests from ${origin} may not change anything here`);
      }
      if (!tokens.verify(session.csrfSecret, ctx.get(csrfHeader))) {
        throw new HttpError(403, 'csrf_token_invalid', `A console request that changes something needs the session's ${csrfHeader} header`);
      }
      return true;
    },
  };
}

export type ConsoleSessions = ReturnType<typeof consoleSessions>;
