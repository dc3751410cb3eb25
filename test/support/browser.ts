import chromium from '@sparticuz/chromium';
import { chromium as playwright, type Browser, type Page } from 'playwright-core';

/**
 * Chromium for the browser tests, with no root and no download at test time: the binary ships inside the
 * `@sparticuz/chromium` npm package (unpacked to the temp folder on first use), and playwright-core drives
 * it by path. CHROMIUM_PATH runs another Chromium instead (Debian's /usr/bin/chromium, say).
 */
export async function launchChromium(): Promise<Browser> {
  const executablePath = process.env.CHROMIUM_PATH ?? (await chromium.executablePath());
  return playwright.launch({
    executablePath,
    headless: true,
    args: [
      '--no-sandbox', // CI runs as root, where Chromium's sandbox refuses to start
      '--no-zygote',
      '--use-gl=angle',
      '--use-angle=swiftshader', // software rendering: there is no GPU
      // This machine's network is closed: no background calls to Google's hosts.
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-domain-reliability',
      '--disable-sync',
      '--no-first-run',
      '--no-pings',
    ],
  });
}

/** A page of the console at `gatewayUrl`, signed in with `token` (the admin token) and showing its film list. */
export async function signedInConsolePage(browser: Browser, gatewayUrl: string, token: string): Promise<Page> {
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  await page.goto(`${gatewayUrl}/console`);
  await page.getByLabel('Admin token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Films' }).waitFor();
  return page;
}
