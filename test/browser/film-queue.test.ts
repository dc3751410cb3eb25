import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import type { Stack } from '../../src/dev/start-stack';
import type { StandInOptions, StandInServer } from '../../src/dev/providers/stand-in-server';
import { launchChromium, signedInConsolePage } from '../support/browser';
import { asOperator } from '../support/clients';
import { startExtraGateway, type ExtraGateway } from '../support/extra-gateway';
import { getJson, postJson, uniqueId } from '../support/http';
import { waitFor } from '../support/projects';
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
  let gateway: ExtraGateway;

  before(async () => {
    stack = await testStack();
    const standIn = stack.providerStandIns.get('fal')!;
    fal = standIn.server;
    saved = { ...fal.options };
    // Films created through this gateway keep the deployment's step deadlines rather than the suite's 3 s,
    // so a task may hold its slot for as long as the test needs (its webhooks still reach the shared stack).
    gateway = await startExtraGateway(stack, standIn.env);
    browser = await launchChromium();
    page = await signedInConsolePage(browser, gateway.url, testAdminToken);
  });

  after(async () => {
    await browser?.close();
    await gateway?.close();
    if (!stack) return;
    Object.assign(fal.options, { taskMs: saved.taskMs });
    await putCap(stack, null);
  });

  it('says "Waiting for a slot at fal: 2nd", then 1st as the line moves, and nothing once the film runs', async () => {
    // One slot at fal, and a task that holds it until the test moves the line: cancelling the film that
    // holds the slot frees it at once (docs/providers.md), so no timer decides what the page shows.
    Object.assign(fal.options, { taskMs: 600_000 });
    assert.equal((await putCap(stack, 1)).status, 200);
    // Created one after another, each once the one before holds its place, so the line's order is theirs.
    const ids = [uniqueId('line-a'), uniqueId('line-b'), uniqueId('line-c')];
    const placeOf = async (id: string): Promise<number | undefined> => {
      const film = await getJson<{ queue: { position: number } | null }>(`${gateway.url}/api/v1/projects/${id}`, asOperator);
      return film.body.queue?.position;
    };
    for (const [index, id] of ids.entries()) {
      const created = await postJson(`${gateway.url}/api/v1/projects`, { project_id: id, provider: 'fal', scenes: [{ prompt: `${id}: a harbour at dawn` }] }, asOperator);
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const inPlace = async () => (index === 0 ? fal.unfinished() === 1 : (await placeOf(id)) === index);
      await waitFor(inPlace, 20_000, index === 0 ? `${id}'s task at fal` : `${id} at place ${index}`);
    }
    const cancel = async (id: string) => {
      const answer = await postJson(`${gateway.url}/api/v1/projects/${id}/cancel`, { reason: 'moving the line' }, asOperator);
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
    };

    await page.goto(`${gateway.url}/console/films/${ids[2]}`);
    const place = page.locator('.queue');
    await place.filter({ hasText: 'Waiting for a slot at fal: 2nd' }).waitFor({ timeout: 30_000 });
    await assertAccessible(page, 'film page, waiting in line');
    // The first film gives up its slot: the second takes it, and this film is next.
    await cancel(ids[0]);
    await place.filter({ hasText: 'Waiting for a slot at fal: 1st' }).waitFor({ timeout: 30_000 });
    // Its own turn, with a short task: the line is no longer shown, and the film completes.
    Object.assign(fal.options, { taskMs: 1_000 });
    await cancel(ids[1]);
    await page.locator('article.film[data-status="completed"]').waitFor({ timeout: 60_000 });
    assert.equal(await place.count(), 0, 'no place in line once the film has its slot');
    // The cancelled films' tasks were cancelled at fal too (they would otherwise hold its slots for minutes).
    await waitFor(() => fal.unfinished() === 0, 5_000, 'no task left running at fal');
  });
});
