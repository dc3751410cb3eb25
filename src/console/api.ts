import type { ConsoleSessionInfo } from '../contracts/console';

/** An answer of the admin API that was not a success: its status and the JSON error's code and message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

let csrfToken = '';
let signedOut: () => void = () => {};

/** Called when an answer says the session is gone, so the app shows the sign-in again. */
export const onSignedOut = (handler: () => void) => (signedOut = handler);

const remember = (session: ConsoleSessionInfo) => {
  csrfToken = session.csrf_token;
  return session;
};

/** The gateway's JSON API, with the session cookie and, for changes, the CSRF token. */
export async function api<T>(path: string, options: { method?: string; body?: unknown } = {}): Promise<T> {
  const method = options.method ?? 'GET';
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET') headers['x-csrf-token'] = csrfToken;
  const response = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  if (response.status === 204) return undefined as T;
  const data = (await response.json().catch(() => ({}))) as { code?: string; message?: string };
  if (!response.ok) {
    if (response.status === 401 && !path.endsWith('/session')) signedOut();
    throw new ApiError(response.status, data.code ?? 'error', data.message ?? response.statusText);
  }
  return data as T;
}

export const loadSession = async () => remember(await api<ConsoleSessionInfo>('/console/session'));
export const signIn = async (token: string) => remember(await api<ConsoleSessionInfo>('/console/session', { method: 'POST', body: { token } }));
export const signOut = () => api<void>('/console/session', { method: 'DELETE' });

/** A query string of the set values only. */
export function query(params: Record<string, string | number | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
  const text = search.toString();
  return text ? `?${text}` : '';
}
