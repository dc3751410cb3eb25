import assert from 'node:assert/strict';
import { mkdir, mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import type { Stack } from '../../src/dev/start-stack';
import { launchChromium, signedInConsolePage } from '../support/browser';
import { asOperator } from '../support/clients';
import { getJson, uniqueId } from '../support/http';
import { requestsFor } from '../support/projects';
import { testAdminToken, testStack } from '../support/test-stack';
import { assertAccessible } from './accessibility';

/**
 * The review desk in a real browser against the real stack (docs/review.md): a person steers a film made
 * with `review: each_scene`, click by click and key by key. UPDATE_SCREENSHOTS=1 writes docs/screenshots/review-*.png.
 */
const screenshotDir = process.env.UPDATE_SCREENSHOTS ? path.resolve('docs', 'screenshots') : undefined;
const prompts = ['A lighthouse at dusk', 'A gull takes off from the rail', 'The beam sweeps the sea'];
const editedPrompt = 'A gull takes off from the rail, in slow motion';
const rechainedPrompt = 'Two gulls take off from the rail';

/** Plays a <video> muted for a moment: what it reached, or its error. */
const play = (video: Locator) =>
  video.evaluate(async (v: HTMLVideoElement) => {
    v.muted = true;
    await v.play();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    v.pause();
    return { readyState: v.readyState, currentTime: v.currentTime, error: v.error?.message ?? null };
  });

describe('review desk in a browser: approve, regenerate with an edited prompt, re-chain, and play cut 2 beside cut 1', function () {
  this.timeout(300_000);
  let stack: Stack;
  let browser: Browser;
  let page: Page;
  let shots: string;
  const filmId = uniqueId('review-desk');

  const shoot = (name: string) => page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
  const scene = (n: number) => page.locator(`.scene[data-scene="${n}"]`);
  const reviewState = () => page.locator('.review-state');
  const awaiting = async (n: number, take: number) => {
    await page.locator('article.film[data-status="awaiting_review"]').waitFor({ timeout: 60_000 });
    await reviewState().filter({ hasText: `Waiting for your review of scene ${n} until` }).waitFor({ timeout: 60_000 });
    await scene(n).locator(`.take.chosen[data-take="${take}"]`).waitFor();
  };
  const approve = async (n: number) => {
    await page.getByRole('button', { name: `Approve scene ${n}`, exact: true }).click();
    await page.getByRole('status').filter({ hasText: `Approve scene ${n}: done.` }).waitFor();
  };

  before(async () => {
    stack = await testStack();
    browser = await launchChromium();
    shots = screenshotDir ?? (await mkdtemp(path.join(os.tmpdir(), 'reelay-review-shots-')));
    await mkdir(shots, { recursive: true });
    page = await signedInConsolePage(browser, stack.gatewayUrl, testAdminToken);
  });

  after(async () => {
    await browser?.close();
  });

  it('creates a review film with a spend limit from the console, approves scene 1 by keyboard, regenerates scene 2 with a prompt typed in the desk, approves the rest: cut 1', async () => {
    await page.getByText('New film').click();
    await page.getByLabel('Project id (optional)').fill(filmId);
    await page.getByLabel('Scenes, one prompt per line').fill(prompts.join('\n'));
    await page.getByLabel('Review', { exact: true }).selectOption({ label: 'After each scene' });
    await page.getByLabel(/^Spend limit/).fill('250');
    await assertAccessible(page, 'the new film form');
    await page.getByRole('button', { name: 'Start the film' }).click();
    await page.waitForURL(`**/console/films/${filmId}`);
    await page.getByRole('heading', { name: 'Storyboard: the review desk' }).waitFor();
    const made = await getJson<any>(`${stack.gatewayUrl}/api/v1/projects/${filmId}`, asOperator);
    assert.deepEqual([made.body.review.mode, made.body.spend.limit], ['each_scene', 250], 'made with the review and the limit chosen in the form');
    await awaiting(1, 1);
    await scene(1).locator('.badge', { hasText: 'awaits your review' }).waitFor();
    assert.equal(requestsFor(stack, filmId, 'video').length, 1, 'scene 2 is not paid for before scene 1 is approved');
    await assertAccessible(page, 'review desk, scene 1 awaiting');
    await shoot('review-awaiting');

    // By keyboard: Tab onto the approve button (its focus ring shows), Enter.
    const approveFirst = page.getByRole('button', { name: 'Approve scene 1', exact: true });
    await page.locator('#main').focus();
    for (let i = 0; i < 30 && !(await approveFirst.evaluate((b) => b === document.activeElement)); i++) await page.keyboard.press('Tab');
    assert.ok(await approveFirst.evaluate((b) => b.matches(':focus-visible') && getComputedStyle(b).outlineStyle !== 'none'), 'the focused button shows its focus ring');
    await page.keyboard.press('Enter');
    await page.getByRole('status').filter({ hasText: 'Approve scene 1: done.' }).waitFor();

    await awaiting(2, 1);
    const prompt = scene(2).getByLabel('Prompt for scene 2');
    assert.equal(await prompt.inputValue(), prompts[1], 'the prompt to edit starts as the take in use’s');
    await prompt.fill(editedPrompt);
    await scene(2).getByRole('button', { name: 'Regenerate scene 2' }).click();
    await scene(2).getByRole('status').filter({ hasText: 'Regenerate scene 2: done. Take 2 is on its way.' }).waitFor();
    await awaiting(2, 2);
    assert.equal(await scene(2).locator('.take[data-take="2"] .prompt').textContent(), editedPrompt);
    assert.equal(requestsFor(stack, filmId, 'video').at(-1)!.body.prompt, editedPrompt, 'the new take was asked for with the typed prompt');
    assert.equal(await scene(2).locator('.take').count(), 2, 'both takes side by side');
    await shoot('review-takes');

    await approve(2);
    await awaiting(3, 1);
    await approve(3);
    await page.locator('.cut-list li[data-cut="1"] video').waitFor({ timeout: 60_000 });
    await reviewState().filter({ hasText: 'Cut 1 is made. Open for changes until' }).waitFor({ timeout: 30_000 });
  });

  it('regenerates scene 2 again after the stitch, refused until re-chain or keep is chosen, re-chains, and makes cut 2 while cut 1 still plays', async () => {
    const form = page.locator('form#scene-2-review');
    await form.getByLabel('Prompt for scene 2').fill(rechainedPrompt);
    await form.getByRole('button', { name: 'Regenerate scene 2' }).click();
    // Scene 3 was made from scene 2: the API refuses until the person says what becomes of it, and the desk shows why.
    await form.getByRole('alert').filter({ hasText: /Regenerate scene 2: refused\. .*later_scenes/ }).waitFor();
    await form.getByLabel(/Re-chain/).check();
    await form.getByRole('button', { name: 'Regenerate scene 2' }).click();
    await form.getByRole('status').filter({ hasText: 'Take 3 is on its way. Making scene 3 again.' }).waitFor();

    await awaiting(2, 3);
    await approve(2);
    await awaiting(3, 2);
    assert.equal(await scene(3).locator('.take').count(), 2);
    await approve(3);

    const cut2 = page.locator('.cut-list li[data-cut="2"]');
    await cut2.locator('video').waitFor({ timeout: 60_000 });
    await reviewState().filter({ hasText: 'Cut 2 is made.' }).waitFor({ timeout: 30_000 });
    const played = await play(cut2.locator('video'));
    assert.equal(played.error, null);
    assert.ok(played.readyState >= 2 && played.currentTime > 0.3, `cut 2 plays: ${JSON.stringify(played)}`);

    const cut1 = page.locator('.cut-list li[data-cut="1"]');
    const cut1Url = await cut1.getByRole('link', { name: 'Open cut 1' }).getAttribute('href');
    assert.ok(cut1Url && cut1Url !== (await cut2.getByRole('link', { name: 'Open cut 2' }).getAttribute('href')), 'cut 2 is a new video');
    assert.equal((await fetch(new URL(cut1Url, stack.gatewayUrl))).status, 200, 'cut 1 is still there');
    const playedFirst = await play(cut1.locator('video'));
    assert.ok(playedFirst.readyState >= 2 && playedFirst.error === null, `cut 1 still plays: ${JSON.stringify(playedFirst)}`);

    await page.evaluate(() => window.scrollTo(0, 0));
    await assertAccessible(page, 'review desk with two cuts');
    await shoot('review-cuts');
  });
});
