import { createHmac } from 'node:crypto';
import Tokens from 'csrf';
import type { Context } from 'koa';
import { HttpError } from '../errors';

/**
 * The console's sign-in: the admin token, typed once, traded for an HTTP-only session cookie.
 *
 * The cookie is stateless: `{expires, csrf secret}`, signed by Koa's cookies (keygrip) with a key derived
 * from ADMIN_API_TOKEN, so every gateway replica accepts it and rotating the token signs everyone out.
 * SameSite=Strict keeps it off cross-site requests; unsafe methods also need the CSRF token (made from the
 * session's secret by `csrf`) in `X-CSRF-Token`, which only a page of this origin can have read.
 */
export const sessionCookie = 'reelay_console';
export const csrfHeader = 'x-csrf-token';
const sessionMs = 8 * 60 * 60_000;
const tokens = new Tokens();

interface SessionData {
  expires: number;
  csrfSecret: string;
}

export interface ConsoleSession {
  csrfToken: string;
  expiresAt: string;
}

/** The cookie-signing keys for a gateway's Koa app (`app.keys`): derived, never the token itself. */
export const sessionKeys = (adminToken: string): string[] => [
  createHmac('sha256', adminToken).update('reelay console session v1').digest('base64url'),
];

const cookieOptions = (ctx: Context) => ({
  httpOnly: true,
  sameSite: 'strict' as const,
  secure: ctx.secure,
  signed: true,
  path: '/',
  overwrite: true,
});

function read(ctx: Context, now = Date.now()): SessionData | undefined {
  const value = ctx.cookies.get(sessionCookie, { signed: true });
  if (!value) return undefined;
  try {
    const data = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as Partial<SessionData>;
    if (typeof data.expires !== 'number' || typeof data.csrfSecret !== 'string' || data.expires <= now) return undefined;
    return { expires: data.expires, csrfSecret: data.csrfSecret };
  } catch {
    return undefined;
  }
}

const describe = (data: SessionData): ConsoleSession => ({
  csrfToken: tokens.create(data.csrfSecret),
  expiresAt: new Date(data.expires).toISOString(),
});

/** Starts a session (the caller has checked the token) and sets its cookie. */
export function startSession(ctx: Context, now = Date.now()): ConsoleSession {
  const data: SessionData = { expires: now + sessionMs, csrfSecret: tokens.secretSync() };
  ctx.cookies.set(sessionCookie, Buffer.from(JSON.stringify(data)).toString('base64url'), {
    ...cookieOptions(ctx),
    expires: new Date(data.expires),
  });
  return describe(data);
}

export function endSession(ctx: Context): void {
  ctx.cookies.set(sessionCookie, null, cookieOptions(ctx));
}

/** The current session with a fresh CSRF token, or undefined when the cookie is missing, forged or expired. */
export function currentSession(ctx: Context): ConsoleSession | undefined {
  const data = read(ctx);
  return data && describe(data);
}

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * True when the request carries a valid session cookie; for an unsafe method, also a valid CSRF token
 * and, when the browser names one, this origin. A cookie without them is a 403, not a 401: the caller is
 * signed in, the request is what is refused.
 */
export function hasSession(ctx: Context): boolean {
  const data = read(ctx);
  if (!data) return false;
  if (safeMethods.has(ctx.method)) return true;
  const origin = ctx.get('origin');
  if (origin && origin !== `${ctx.protocol}://${ctx.host}`) {
    throw new HttpError(403, 'cross_origin', `Requests from ${origin} may not change anything here`);
  }
  if (!tokens.verify(data.csrfSecret, ctx.get(csrfHeader))) {
    throw new HttpError(403, 'csrf_token_invalid', `A console request that changes something needs the session's ${csrfHeader} header`);
  }
  return true;
}
