import assert from 'node:assert/strict';
import { mkdir, mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { Stack } from '../../src/dev/start-stack';
import { launchChromium } from '../support/browser';
import { assertAccessible } from './accessibility';
import { uniqueId } from '../support/http';
import { startProject, waitFor } from '../support/projects';
import { testAdminToken, testStack } from '../support/test-stack';

/**
 * The console in a real browser (Chromium driven by Playwright) against the real stack: what an operator
 * does, click by click. UPDATE_SCREENSHOTS=1 writes the screenshots of README.md and docs/console.md (docs/screenshots/).
 */
const screenshotDir = process.env.UPDATE_SCREENSHOTS ? path.resolve('docs', 'screenshots') : undefined;

describe('console in a browser: sign in, watch a film, replay a webhook, retry a failure', function () {
  this.timeout(120_000);
  let stack: Stack;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let shots: string;
  /** The film the second test makes; the third finds it in the list and replays one of its webhooks. */
  let filmId: string;

  const shoot = async (name: string, target: Page = page) => {
    await target.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
  };

  before(async () => {
    stack = await testStack();
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    shots = screenshotDir ?? (await mkdtemp(path.join(os.tmpdir(), 'reelay-console-shots-')));
    await mkdir(shots, { recursive: true });
  });

  after(async () => {
    await browser?.close();
  });

  it('asks for the admin token, refuses a wrong one, and signs in with the right one', async () => {
    await page.goto(`${stack.gatewayUrl}/console`);
    await page.getByLabel('Admin token').waitFor();
    await assertAccessible(page, 'sign-in');
    await page.getByLabel('Admin token').fill('not-the-admin-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'not the admin token' }).waitFor();

    // By keyboard alone: type the token, Enter.
    await page.getByLabel('Admin token').fill('');
    await page.getByLabel('Admin token').focus();
    await page.keyboard.type(testAdminToken);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Films' }).waitFor();
    const cookies = await context.cookies();
    const session = cookies.find((c) => c.name === 'reelay_console');
    assert.ok(session?.httpOnly, 'the session cookie is HTTP-only');
    assert.equal(session.sameSite, 'Strict');
    assert.equal(await page.evaluate(() => document.cookie), '', 'scripts cannot read the session');
  });

  it('creates a film and watches its storyboard fill in live until the film plays', async () => {
    const projectId = (filmId = uniqueId('browser-film'));
    await page.getByText('New film').click();
    await page.getByLabel('Project id (optional)').fill(projectId);
    await page.getByLabel('Scenes, one prompt per line').fill('A lighthouse at dusk\nThe beam sweeps the sea\nA ship answers with its horn');
    await page.getByRole('button', { name: 'Start the film' }).click();
    await page.waitForURL(`**/console/films/${projectId}`);
    await page.getByRole('heading', { name: projectId }).waitFor();

    // Updates arrive by themselves: no reload from here on.
    const navigations: string[] = [];
    page.on('framenavigated', (frame) => frame === page.mainFrame() && navigations.push(frame.url()));
    await page.locator('.scene[data-scene="1"] img[alt^="Scene 1"]').waitFor({ timeout: 30_000 });
    await page.locator('article.film[data-status="completed"]').waitFor({ timeout: 60_000 });
    assert.deepEqual(navigations, [], 'the page updated without navigating');

    for (const n of [1, 2]) {
      await page.locator(`[data-chain="${n}-${n + 1}"]`).filter({ hasText: `Last frame of scene ${n} → first frame of scene ${n + 1} (seeded)` }).waitFor();
    }
    assert.equal(await page.locator('.timeline tbody tr').count(), 7, 'video and last frame of 3 scenes, then stitch');
    const images = page.locator('.storyboard img');
    assert.equal(await images.count(), 6, 'a thumbnail and a last frame per scene');
    for (const image of await images.all()) {
      await image.scrollIntoViewIfNeeded();
      await waitFor(() => image.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0), 20_000, 'image loaded');
    }

    const video = page.locator('video');
    await video.scrollIntoViewIfNeeded();
    const played = await video.evaluate(async (v: HTMLVideoElement) => {
      v.muted = true;
      await v.play();
      await new Promise((resolve) => setTimeout(resolve, 1500));
      return { duration: v.duration, currentTime: v.currentTime, error: v.error?.message ?? null, width: v.videoWidth };
    });
    assert.equal(played.error, null);
    assert.ok(played.currentTime > 0.5, `the film plays (at ${played.currentTime} s)`);
    assert.ok(played.duration >= 3 && played.width > 0, `a real video: ${JSON.stringify(played)}`);
    await video.evaluate((v: HTMLVideoElement) => {
      v.pause();
      v.currentTime = 0;
    });
    await page.evaluate(() => window.scrollTo(0, 0));
    await assertAccessible(page, 'film page');
    await shoot('console-film');

    const phone = await context.newPage();
    await phone.setViewportSize({ width: 390, height: 844 });
    await phone.goto(page.url());
    await phone.locator('article.film[data-status="completed"]').waitFor();
    const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `no sideways scrolling at phone width (${overflow}px too wide)`);
    await shoot('console-film-phone', phone);
    await phone.close();
  });

  it('lists the film, opens one of its webhook events and replays it', async () => {
    assert.ok(filmId, 'the film made by the test before');
    await page.getByRole('link', { name: 'Films' }).click();
    const listed = page.locator('table.films tbody tr', { has: page.getByRole('link', { name: filmId, exact: true }) });
    await listed.waitFor();
    assert.deepEqual((await listed.locator('td').allInnerTexts()).slice(0, 4).map((cell) => cell.trim()), [filmId, 'operator', 'completed', '3 of 3 scenes']);
    await assertAccessible(page, 'films list');
    // The live list re-renders the page as films change: the filter's fields keep what was typed and chosen.
    await page.getByLabel('Project id contains').fill(filmId);
    await page.locator('form.filters select[name="status"]').selectOption('completed');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL((u) => u.searchParams.get('q') === filmId && u.searchParams.get('status') === 'completed');
    assert.equal(await page.getByLabel('Project id contains').inputValue(), filmId);
    assert.equal(await page.locator('form.filters select[name="status"]').inputValue(), 'completed');
    await listed.waitFor();
    await page.getByRole('link', { name: 'Webhooks' }).click();
    await page.getByRole('textbox', { name: 'Project', exact: true }).fill(filmId);
    await page.getByLabel('Endpoint').selectOption('stitch-complete');
    await page.getByRole('button', { name: 'Filter' }).click();
    const rows = page.locator('table.events tbody tr');
    await waitFor(async () => (await rows.count()) === 1 && (await rows.first().locator('td').nth(2).textContent()) === filmId, 20_000, "the film's one stitch callback");
    await rows.first().locator('a').first().click();
    await page.getByRole('heading', { name: /stitch-complete/ }).waitFor();
    await assertAccessible(page, 'webhook event');
    const raw = await page.getByLabel('Raw body').textContent();
    assert.match(raw ?? '', /"final_video_url"/);
    // The headers worth keeping, never the signature (a replay is re-verified by the record, not the header).
    assert.ok(await page.locator('table.headers th', { hasText: 'content-type' }).count());
    assert.equal(await page.locator('table.headers th', { hasText: 'x-webhook-signature' }).count(), 0);

    await page.getByRole('button', { name: 'Replay' }).click();
    const dialog = page.getByRole('dialog', { name: 'Replay' });
    await dialog.getByRole('button', { name: 'Yes, replay' }).click();
    await page.getByRole('status').filter({ hasText: 'Replay: done.' }).waitFor();
    // The film is finished and its workflow closed: delivered again, the callback is ignored, never applied twice.
    assert.match((await page.getByRole('status').textContent()) ?? '', /"outcome":"ignored"/);
  });

  it('shows an injected failure in the error chart, and retries the failed scene from the film page', async () => {
    const projectId = uniqueId('browser-fail');
    const reason = 'simulated: the GPU ran out of memory';
    stack.simulator!.behaviour = ({ service, body }) => (service === 'video' && body.project_id === projectId ? { fail: reason } : undefined);
    // The suite's settings end a failed film's workflow at once; this one waits for an operator, as in production.
    await startProject(stack, { projectId, scenes: ['A storm over the harbour'], settings: { failedProjectRetentionMs: 600_000 } });
    await page.goto(`${stack.gatewayUrl}/console/films/${projectId}`);
    await page.locator('article.film[data-status="failed"]').waitFor({ timeout: 60_000 });
    await page.locator('.scene .error', { hasText: reason }).waitFor();

    await page.getByRole('link', { name: 'Errors' }).click();
    const lastHour = page.locator('td[data-series="Last hour"][data-category="workflow"]');
    await waitFor(async () => Number(await lastHour.textContent()) >= 1, 20_000, 'the failure counted in the last hour');
    await page.locator('table.errors td', { hasText: reason }).first().waitFor();
    await assertAccessible(page, 'errors page');
    await shoot('console-errors');

    stack.simulator!.behaviour = () => undefined; // the service is fixed
    await page.goto(`${stack.gatewayUrl}/console/films/${projectId}`);
    await page.getByRole('button', { name: 'Retry failed scene' }).click();
    await page.getByRole('dialog', { name: 'Retry failed scene' }).getByRole('button', { name: 'Yes, retry failed scene' }).click();
    const answer = page.getByRole('status').filter({ hasText: 'Retry failed scene:' });
    await answer.waitFor();
    assert.match((await answer.textContent()) ?? '', /Retry failed scene: done\./);
    await page.locator('article.film[data-status="completed"]').waitFor({ timeout: 60_000 });
  });
});
