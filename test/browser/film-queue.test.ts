import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import type { Stack } from '../../src/dev/start-stack';
import type { StandInOptions, StandInServer } from '../../src/dev/providers/stand-in-server';
import { launchChromium, signedInConsolePage } from '../support/browser';
import { asOperator } from '../support/clients';
import { postJson, uniqueId } from '../support/http';
import { testAdminToken, testStack } from '../support/test-stack';
import { assertAccessible } from './accessibility';

const putCap = (stack: Stack, maxRunning: number | null) =>
  fetch(`${stack.gatewayUrl}/api/v1/provider-caps/fal`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', ...asOperator },
    body: JSON.stringify({ max_running: maxRunning }),
  });

/**
 * The film page while a scene waits for a slot under its provider's cap (docs/providers.md, "Caps and
 * the queue"): the operator sees which provider and the film's place in line, moving up as slots free.
 */
describe("console in a browser: a film's place in its provider's line", function () {
  this.timeout(120_000);
  let stack: Stack;
  let browser: Browser;
  let page: Page;
  let fal: StandInServer;
  let saved: StandInOptions;

  before(async () => {
    stack = await testStack();
    fal = stack.providerStandIns.get('fal')!.server;
    saved = { ...fal.options };
    browser = await launchChromium();
    page = await signedInConsolePage(browser, stack.gatewayUrl, testAdminToken);
  });

  after(async () => {
    await browser?.close();
    if (!stack) return;
    Object.assign(fal.options, { taskMs: saved.taskMs });
    await putCap(stack, null);
  });

  it('says "Waiting for a slot at fal: 2nd", then 1st as the line moves, and nothing once the film runs', async () => {
    // One slot at fal, and tasks long enough to watch the line: three films, one scene each.
    Object.assign(fal.options, { taskMs: 6_000 });
    assert.equal((await putCap(stack, 1)).status, 200);
    const ids = [uniqueId('line-a'), uniqueId('line-b'), uniqueId('line-c')];
    for (const id of ids) {
      const created = await postJson(`${stack.gatewayUrl}/api/v1/projects`, { project_id: id, provider: 'fal', scenes: [{ prompt: `${id}: a harbour at dawn` }] }, asOperator);
      assert.equal(created.status, 201, JSON.stringify(created.body));
    }

    await page.goto(`${stack.gatewayUrl}/console/films/${ids[2]}`);
    const place = page.locator('.queue');
    await place.filter({ hasText: 'Waiting for a slot at fal: 2nd' }).waitFor({ timeout: 30_000 });
    await assertAccessible(page, 'film page, waiting in line');
    // The first film's task ends: the second takes the slot, and this film is next.
    await place.filter({ hasText: 'Waiting for a slot at fal: 1st' }).waitFor({ timeout: 30_000 });
    // Its own turn: the line is no longer shown, and the film completes.
    await page.locator('article.film[data-status="completed"]').waitFor({ timeout: 60_000 });
    assert.equal(await place.count(), 0, 'no place in line once the film has its slot');
  });
});
