import { testAdminToken } from './test-stack';

/** A signed-in console session as a browser holds it: the cookie pair and the CSRF token. */
export interface ConsoleCookies {
  cookie: string;
  csrf: string;
  setCookie: string[];
}

export async function signInToConsole(gatewayUrl: string, token = testAdminToken): Promise<ConsoleCookies> {
  const response = await fetch(`${gatewayUrl}/console/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token }),
  });
  if (response.status !== 200) throw new Error(`sign-in answered ${response.status}: ${await response.text()}`);
  const setCookie = response.headers.getSetCookie();
  const cookie = setCookie.map((c) => c.split(';')[0]).join('; ');
  const { csrf_token: csrf } = (await response.json()) as { csrf_token: string };
  return { cookie, csrf, setCookie };
}
