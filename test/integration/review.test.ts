import assert from 'node:assert/strict';
import type { Stack } from '../../src/dev/start-stack';
import { asOperator, newTestClient } from '../support/clients';
import { getJson, postJson, uniqueId } from '../support/http';
import { requestsFor, waitFor } from '../support/projects';
import { testStack } from '../support/test-stack';

/**
 * A person steers a film through the project API (docs/review.md): each action is a Temporal update
 * whose refusal is a 409, recorded in review_actions with who asked.
 */
describe('review films: a person approves, regenerates and chooses takes, and new cuts are made', function () {
  this.timeout(120_000);
  let stack: Stack;
  const api = (path: string) => `${stack.gatewayUrl}/api/v1/projects${path}`;

  before(async () => {
    stack = await testStack();
  });

  const view = async (id: string, headers = asOperator) => (await getJson<any>(api(`/${encodeURIComponent(id)}`), headers)).body;
  const until = (id: string, what: string, probe: (p: any) => boolean, headers = asOperator) =>
    waitFor(async () => {
      const p = await view(id, headers);
      return probe(p) ? p : undefined;
    }, 30_000, what);
  const awaitingScene = (n: number) => (p: any) => p.status === 'awaiting_review' && p.review.awaiting?.scene_index === n;

  it('waits after each scene, refuses what cannot apply with a 409, re-chains a regenerated scene and makes cut 2 after the stitch', async () => {
    const id = uniqueId('review-each');
    const created = await postJson<any>(api(''), { project_id: id, review: 'each_scene', scenes: [{ prompt: 'a harbour at dawn' }, { prompt: 'a gull' }, { prompt: 'the sea' }] }, asOperator);
    assert.equal(created.status, 201, JSON.stringify(created.body));

    let film = await until(id, 'scene 0 awaiting review', awaitingScene(0));
    assert.equal(film.review.mode, 'each_scene');
    assert.ok(Date.parse(film.review.timeout_at) > Date.now() + 3_600_000, 'the default timeout is hours away');
    assert.equal(film.scenes[0].chosen_take, 1);
    assert.equal(film.scenes[0].takes.length, 1);
    assert.equal(film.scenes[0].takes[0].prompt, 'a harbour at dawn');
    assert.ok(film.scenes[0].takes[0].video_url && film.scenes[0].takes[0].last_frame_url);
    assert.equal(requestsFor(stack, id, 'video').length, 1, 'the next scene is not paid for before the review');
    const notices = () => requestsFor(stack, id, 'notification').map((r) => r.body);
    await waitFor(() => notices().some((n: any) => n.type === 'scene.ready_for_review' && n.scene_index === 0), 10_000, 'the review notification');

    // Refusals: nothing of scene 2 exists yet, and take 1 is already scene 0's.
    const notMade = await postJson<any>(api(`/${id}/scenes/2/regenerate`), {}, asOperator);
    assert.equal(notMade.status, 409);
    assert.match(notMade.body.message, /scene 2 has not been made yet/);
    const same = await postJson<any>(api(`/${id}/scenes/0/choose`), { take: 1 }, asOperator);
    assert.equal(same.status, 409);
    assert.match(same.body.message, /already the one scene 0 uses/);

    assert.equal((await postJson<any>(api(`/${id}/approve`), {}, asOperator)).status, 200);
    film = await until(id, 'scene 1 awaiting review', awaitingScene(1));

    // Scene 0 is followed by scene 1, made already: later_scenes is required.
    const ambiguous = await postJson<any>(api(`/${id}/scenes/0/regenerate`), { prompt: 'a harbour at dusk' }, asOperator);
    assert.equal(ambiguous.status, 409);
    assert.match(ambiguous.body.message, /later_scenes/);
    const regenerated = await postJson<any>(api(`/${id}/scenes/0/regenerate`), { prompt: 'a harbour at dusk', later_scenes: 'rechain' }, asOperator);
    assert.equal(regenerated.status, 200, JSON.stringify(regenerated.body));
    assert.deepEqual(regenerated.body.result, { scene_index: 0, take: 2, regenerating: [0, 1] });

    film = await until(id, 'scene 0 take 2 awaiting review', (p) => awaitingScene(0)(p) && p.scenes[0].chosen_take === 2);
    assert.equal(film.scenes[0].takes[1].prompt, 'a harbour at dusk');
    const videoBodies = requestsFor(stack, id, 'video').map((r) => r.body);
    assert.equal(videoBodies.at(-1)!.prompt, 'a harbour at dusk', 'the new take was asked for with the edited prompt');
    assert.equal(await postJson<any>(api(`/${id}/approve`), {}, asOperator).then((r) => r.status), 200);
    film = await until(id, 'scene 1 take 2 awaiting review', (p) => awaitingScene(1)(p) && p.scenes[1].chosen_take === 2);
    assert.equal(film.scenes[1].takes[1].start_frame_url, film.scenes[0].takes[1].last_frame_url, 're-chained from the new last frame');
    assert.equal(film.scenes[1].chain_broken, false);
    await postJson(api(`/${id}/approve`), {}, asOperator);
    await until(id, 'scene 2 awaiting review', awaitingScene(2));
    await postJson(api(`/${id}/approve`), {}, asOperator);

    // Once stitched, the film stays open for changes until the review timeout.
    film = await until(id, 'cut 1, open for changes', (p) => p.status === 'completed' && p.cuts.length === 1 && p.review.timeout_at);
    assert.equal(film.final_video_url, film.cuts[0].video_url);
    assert.equal((await postJson<any>(api(`/${id}/approve`), {}, asOperator)).status, 409, 'nothing awaits review after the stitch');

    // After the stitch: choose scene 1's first take, keeping scene 2 (its chain is broken): cut 2.
    const chosen = await postJson<any>(api(`/${id}/scenes/1/choose`), { take: 1, later_scenes: 'keep' }, asOperator);
    assert.equal(chosen.status, 200, JSON.stringify(chosen.body));
    film = await until(id, 'cut 2', (p) => p.status === 'completed' && p.cuts.length === 2 && p.review.timeout_at);
    assert.equal(film.scenes[1].chosen_take, 1);
    assert.equal(film.scenes[2].chain_broken, true);
    assert.equal(film.final_video_url, film.cuts[1].video_url);
    assert.notEqual(film.cuts[0].video_url, film.cuts[1].video_url);
    const stitches = requestsFor(stack, id, 'stitch').map((r) => r.body as { scenes: { video_url: string }[] });
    assert.deepEqual(stitches.at(-1)!.scenes.map((s) => s.video_url), film.scenes.map((s: any) => s.video_url), 'cut 2 stitches the chosen takes');
    await waitFor(() => notices().some((n: any) => n.type === 'project.completed' && n.cut === 2), 10_000, 'the notification of cut 2');

    const actions = await stack.prisma.reviewAction.findMany({ where: { projectId: id }, orderBy: { createdAt: 'asc' } });
    assert.deepEqual(actions.map((a) => [a.action, a.sceneIndex, a.actor]), [
      ['approve', 0, 'operator'],
      ['regenerate', 0, 'operator'],
      ['approve', 0, 'operator'],
      ['approve', 1, 'operator'],
      ['approve', 2, 'operator'],
      ['choose', 1, 'operator'],
    ]);
  });

  it('after a kept regeneration of an earlier scene, asks again about the scene that awaited review, not the approved one kept', async () => {
    const id = uniqueId('review-keep');
    await postJson(api(''), { project_id: id, review: 'each_scene', scenes: [{ prompt: 'one' }, { prompt: 'two' }, { prompt: 'three' }] }, asOperator);
    for (const n of [0, 1]) {
      await until(id, `scene ${n} awaiting review`, awaitingScene(n));
      assert.equal((await postJson(api(`/${id}/approve`), {}, asOperator)).status, 200);
    }
    await until(id, 'scene 2 awaiting review', awaitingScene(2));
    const kept = await postJson<any>(api(`/${id}/scenes/0/regenerate`), { prompt: 'one, again', later_scenes: 'keep' }, asOperator);
    assert.deepEqual(kept.body.result, { scene_index: 0, take: 2, regenerating: [0] });
    await until(id, 'scene 0 take 2 awaiting review', (p) => awaitingScene(0)(p) && p.scenes[0].chosen_take === 2);
    assert.equal((await postJson(api(`/${id}/approve`), {}, asOperator)).status, 200);

    // Scene 2 awaited review when the change came: it is asked about again. Scene 1, approved and kept, is not.
    const film = await until(id, 'scene 2 awaiting review again', awaitingScene(2));
    assert.deepEqual(film.scenes.map((s: any) => [s.chosen_take, s.chain_broken]), [[2, false], [1, true], [1, false]]);
    assert.equal(requestsFor(stack, id, 'stitch').length, 0, 'not stitched before scene 2 is approved');
    await waitFor(() => requestsFor(stack, id, 'notification').filter((r) => r.body.type === 'scene.ready_for_review' && r.body.scene_index === 2).length === 2, 10_000, 'a second notice for scene 2');
    assert.equal((await postJson(api(`/${id}/approve`), {}, asOperator)).status, 200);
    await until(id, 'cut 1', (p) => p.status === 'completed' && p.cuts.length === 1);
    const approvals = await stack.prisma.reviewAction.findMany({ where: { projectId: id, action: 'approve' }, orderBy: { createdAt: 'asc' } });
    assert.deepEqual(approvals.map((a) => a.sceneIndex), [0, 1, 0, 2]);
  });

  it("before_stitch: a client's film waits before its stitch; another client's actions are 404s; a review costs one update and one workflow task", async () => {
    const client = await newTestClient(stack);
    const other = await newTestClient(stack);
    const id = uniqueId('review-stitch');
    const created = await postJson<any>(api(''), { project_id: id, review: 'before_stitch', review_timeout_hours: 1, scenes: [{ prompt: 'one' }, { prompt: 'two' }] }, client.headers);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const film = await until(id, 'the stitch awaiting review', (p) => p.status === 'awaiting_review' && p.review.awaiting?.stitch === true, client.headers);
    assert.ok(Date.parse(film.review.timeout_at) < Date.now() + 3_601_000);
    assert.equal(requestsFor(stack, client.film(id), 'stitch').length, 0);
    assert.equal((await postJson<any>(api(`/${id}/approve`), {}, other.headers)).status, 404);

    const handle = stack.client.workflow.getHandle(`project-${client.film(id)}`);
    const before = (await handle.fetchHistory()).events!.length;
    const approved = await postJson<any>(api(`/${id}/approve`), {}, client.headers);
    assert.deepEqual(approved.body.result, { approved: { stitch: true } });
    await until(id, 'cut 1', (p) => p.status === 'completed' && p.cuts.length === 1, client.headers);
    const after = (await handle.fetchHistory()).events!.slice(before);
    const firstCallback = after.findIndex((e) => e.workflowExecutionSignaledEventAttributes);
    assert.equal(after.slice(0, firstCallback).filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes).length, 1, 'one update');
    // From the task that accepted the update (its completion comes just before the acceptance) to the
    // stitch's callback; a task of the film's own still finishing when \`before\` was read is not the review's.
    const accepted = after.findIndex((e) => e.workflowExecutionUpdateAcceptedEventAttributes);
    const reviewTasks = after.slice(accepted - 1, firstCallback).filter((e) => e.workflowTaskCompletedEventAttributes);
    assert.equal(reviewTasks.length, 1, 'one workflow task');
    const [action] = await stack.prisma.reviewAction.findMany({ where: { projectId: client.film(id) } });
    assert.equal(action.actor, `client:${client.name}`);
  });

  it('a review that times out does as configured: fail', async () => {
    const id = uniqueId('review-timeout');
    await postJson(api(''), { project_id: id, review: 'each_scene', review_timeout_hours: 2 / 3600, review_timeout_action: 'fail', scenes: [{ prompt: 'one' }, { prompt: 'two' }] }, asOperator);
    const film = await until(id, 'the failure', (p) => p.status === 'failed');
    assert.match(film.failure_reason, /no review of scene 0 within/);
    assert.equal(requestsFor(stack, id, 'video').length, 1);
  });

  it('a provider film waits as awaiting_budget before a video would pass its spend limit, and goes on when the limit is raised', async () => {
    const id = uniqueId('review-budget');
    const scenes = ['A lighthouse at dawn', 'The keeper climbs', 'The lamp turns on'].map((p) => ({ prompt: `${id}: ${p}` }));
    const created = await postJson<any>(api(''), { project_id: id, provider: 'luma', spend_limit: 6, scenes }, asOperator);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    let film = await until(id, 'awaiting budget', (p) => p.status === 'awaiting_budget');
    assert.equal(film.review.mode, 'none');
    assert.equal(film.spend.limit, 6);
    assert.equal(film.spend.unit, 'video_seconds');
    assert.ok(film.spend.spent > 0 && film.spend.spent <= 6, JSON.stringify(film.spend));
    assert.deepEqual(film.scenes.map((s: any) => s.status), ['completed', 'pending', 'pending'], 'the second video was not submitted');
    assert.equal((await stack.prisma.providerSubmission.count({ where: { projectId: id } })), 1);

    const tooLow = await fetch(api(`/${id}/spend-limit`), { method: 'PUT', headers: { ...asOperator, 'content-type': 'application/json' }, body: JSON.stringify({ limit: -1 }) });
    assert.equal(tooLow.status, 400);
    const raised = await fetch(api(`/${id}/spend-limit`), { method: 'PUT', headers: { ...asOperator, 'content-type': 'application/json' }, body: JSON.stringify({ limit: 1000 }) });
    assert.equal(raised.status, 200, await raised.text());
    film = await until(id, 'the film to complete', (p) => p.status === 'completed');
    assert.equal(film.spend.limit, 1000);
    assert.equal(film.spend.spent, film.cost[0].amount, 'every take counted');
    const [action] = await stack.prisma.reviewAction.findMany({ where: { projectId: id } });
    assert.deepEqual([action.action, action.arguments], ['spend_limit', { limit: 1000 }]);
  });

  it("pauses before the first submit when the first video's estimate would pass the limit (Luma: 5 s of video against 3)", async () => {
    const id = uniqueId('review-estimate');
    const scenes = ['A lighthouse at dawn', 'The keeper climbs'].map((p) => ({ prompt: `${id}: ${p}` }));
    const created = await postJson<any>(api(''), { project_id: id, provider: 'luma', spend_limit: 3, scenes }, asOperator);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    let film = await until(id, 'awaiting budget', (p) => p.status === 'awaiting_budget');
    assert.deepEqual(film.spend, { spent: 0, limit: 3, unit: null });
    assert.deepEqual(film.scenes.map((s: any) => s.status), ['pending', 'pending'], 'nothing was submitted');
    assert.equal(await stack.prisma.providerSubmission.count({ where: { projectId: id } }), 0, 'Luma was never asked');

    const enough = await fetch(api(`/${id}/spend-limit`), { method: 'PUT', headers: { ...asOperator, 'content-type': 'application/json' }, body: JSON.stringify({ limit: 10 }) });
    assert.equal(enough.status, 200, await enough.text());
    film = await until(id, 'the film to complete', (p) => p.status === 'completed');
    assert.deepEqual(film.spend, { spent: 10, limit: 10, unit: 'video_seconds' }, 'two videos of 5 s, each estimated as Luma reports it');
  });
});
