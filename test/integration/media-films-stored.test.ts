import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Stack } from '../../src/dev/start-stack';
import { assetKeys } from '../../src/media/asset-store';
import { LocalAssetStore } from '../../src/media/local-store';
import { asOperator, newTestClient } from '../support/clients';
import { getJson, postJson, uniqueId } from '../support/http';
import { filmEnds, mediaDeployments, stable, testSigner, type FilmView } from '../support/media-deployment';
import { requestsFor, waitFor } from '../support/projects';
import { testStack } from '../support/test-stack';

/**
 * Deployments with an asset store of their own: which media steps a film has done by Reelay, the links
 * the remote steps are handed, deleting a film with its media, and a copy cut short by kill -9.
 */
describe('films whose media Reelay stores: the steps it does, the links it hands out, delete and kill -9', function () {
  this.timeout(300_000);
  let stack: Stack;
  before(async () => {
    stack = await testStack();
  });
  const { gateway, deployment, storeEnv } = mediaDeployments(() => stack);

  it('does the media steps itself for a film that asks, on a deployment whose steps are the remote services', async () => {
    const replicate = stack.providerStandIns.get('replicate')!;
    const remoteByDefault = { TEMPORAL_TASK_QUEUE: uniqueId('media-choice'), MEDIA_TASK_QUEUE: uniqueId('media'), ...(await storeEnv.local()), ...replicate.env };
    const api = await deployment(remoteByDefault);
    const projectId = uniqueId('builtin-choice');
    const scenes = ['A kite rises', 'The string snaps'].map((p) => ({ prompt: `${projectId}: ${p}` }));
    const created = await postJson(`${api.url}/api/v1/projects`, { project_id: projectId, provider: 'replicate', media: { last_frame: 'builtin', stitch: 'builtin' }, scenes }, asOperator);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const film = await filmEnds(async () => (await getJson<FilmView>(`${api.url}/api/v1/projects/${projectId}`, asOperator)).body);
    assert.equal(film.status, 'completed', JSON.stringify(film));
    const own = (key: string) => `${api.url}/assets/projects/${projectId}/${key}`;
    assert.deepEqual(film.scenes.map((s) => stable(s.last_frame_url)), [own('scenes/1/last-frame.png'), own('scenes/2/last-frame.png')]);
    assert.equal(stable(film.final_video_url), own('film.mp4'));
    assert.equal(requestsFor(stack, projectId, 'lastFrame').length, 0, 'the last-frame service was not asked');
    assert.equal(requestsFor(stack, projectId, 'stitch').length, 0, 'the stitch service was not asked');

    // A deployment without an asset store cannot do it, and says which field.
    const storeless = await gateway({ ...replicate.env, ASSET_STORE: 'none' });
    const refused = await postJson(`${storeless.url}/api/v1/projects`, { provider: 'replicate', media: { stitch: 'builtin' }, scenes }, asOperator);
    assert.equal(refused.status, 400, JSON.stringify(refused.body));
    const body = refused.body as { code: string; details: { fields: { field: string }[] } };
    assert.equal(body.code, 'validation_failed');
    assert.deepEqual(body.details.fields.map((f) => f.field), ['media.stitch']);
  });

  it('hands the remote steps and the notification links to the stored media they can fetch without a key (S3: presigned)', async () => {
    const api = await deployment({ TEMPORAL_TASK_QUEUE: uniqueId('remote-s3'), MEDIA_TASK_QUEUE: uniqueId('media'), ...(await storeEnv.s3()) });
    const projectId = uniqueId('remote-s3');
    const created = await postJson(`${api.url}/api/v1/projects`, { project_id: projectId, scenes: [{ prompt: 'A paper boat' }, { prompt: 'It reaches the sea' }] }, asOperator);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const film = await filmEnds(async () => (await getJson<FilmView>(`${api.url}/api/v1/projects/${projectId}`, asOperator)).body);
    assert.equal(film.status, 'completed', JSON.stringify(film));
    // The user is told after the film is recorded complete.
    await waitFor(() => requestsFor(stack, projectId, 'notification').length > 0, 30_000, 'the notification');
    const handedOut = [
      ...requestsFor(stack, projectId, 'lastFrame').map((r) => r.body.video_url as string),
      ...requestsFor(stack, projectId, 'stitch').flatMap((r) => (r.body.scenes as { video_url: string }[]).map((scene) => scene.video_url)),
      ...requestsFor(stack, projectId, 'notification').map((r) => r.body.final_video_url as string),
      ...requestsFor(stack, projectId, 'video').map((r) => r.body.start_frame_url as string | null).filter((url): url is string => url !== null),
    ];
    assert.equal(handedOut.length, 2 + 2 + 1 + 1, handedOut.join('\n'));
    for (const link of handedOut) {
      const url = new URL(link);
      assert.ok(url.pathname.includes(`/projects/${encodeURIComponent(projectId)}/`) || url.pathname.includes(`/projects/${projectId}/`), link);
      assert.ok(url.searchParams.has('X-Amz-Signature'), `the bucket's presigned link, fetched with no redirect: ${link}`);
      const fetched = await fetch(link, { redirect: 'manual' });
      assert.equal(fetched.status, 200, link);
      await fetched.arrayBuffer();
    }
  });

  it("deletes a finished film with its stored media, only for its own client, never while it runs", async () => {
    const [owner, stranger] = [await newTestClient(stack), await newTestClient(stack)];
    const root = await mkdtemp(path.join(os.tmpdir(), 'reelay-delete-'));
    const api = await deployment({ TEMPORAL_TASK_QUEUE: uniqueId('delete'), MEDIA_TASK_QUEUE: uniqueId('media'), ASSET_STORE: 'local', ASSET_DIR: root });
    const projectId = uniqueId('doomed');
    const filmUrl = `${api.url}/api/v1/projects/${projectId}`;
    const remove = async (headers: Record<string, string>) => {
      const response = await fetch(filmUrl, { method: 'DELETE', headers });
      return { status: response.status, body: response.status === 204 ? undefined : ((await response.json()) as { code: string }) };
    };
    const created = await postJson(`${api.url}/api/v1/projects`, { project_id: projectId, scenes: [{ prompt: 'A sandcastle' }, { prompt: 'The tide comes in' }] }, owner.headers);
    assert.equal(created.status, 201, JSON.stringify(created.body));

    const whileRunning = await remove(owner.headers);
    assert.equal(whileRunning.status, 409, JSON.stringify(whileRunning.body));
    assert.equal(whileRunning.body!.code, 'project_running');
    const film = await filmEnds(async () => (await getJson<FilmView>(filmUrl, owner.headers)).body);
    assert.equal(film.status, 'completed', JSON.stringify(film));
    const store = new LocalAssetStore(root);
    const prefix = assetKeys.project(owner.film(projectId));
    assert.ok((await store.list(prefix)).length >= 5, 'two scenes (video, thumbnail, last frame) and the film are stored');
    assert.equal((await fetch(film.final_video_url!)).status, 200);

    assert.equal((await remove(stranger.headers)).status, 404, "another client's delete finds nothing");
    assert.equal((await remove(owner.headers)).status, 204);
    assert.deepEqual(await store.list(prefix), [], 'no asset of the film is left');
    assert.equal((await fetch(film.final_video_url!)).status, 404, 'its link is gone');
    assert.equal((await getJson(filmUrl, owner.headers)).status, 404);
    assert.equal(await stack.prisma.webhookEvent.count({ where: { projectId: owner.film(projectId) } }), 0, 'nor any of its rows');
    const again = await remove(owner.headers);
    assert.equal(again.status, 404);
    assert.equal(again.body!.code, 'project_not_found');

    // The id is free again: a new film under it runs a new workflow (the deleted film's run stays closed).
    const deletedRun = (await stack.client.workflow.getHandle(`project-${owner.film(projectId)}`).describe()).runId;
    const reborn = await postJson(`${api.url}/api/v1/projects`, { project_id: projectId, scenes: [{ prompt: 'A new sandcastle' }] }, owner.headers);
    assert.equal(reborn.status, 201, JSON.stringify(reborn.body));
    // Read from the database: the client's rate limit is spent on the first film's polling.
    const row = await waitFor(async () => {
      const project = await stack.prisma.project.findUnique({ where: { id: owner.film(projectId) } });
      return project && ['completed', 'failed', 'cancelled'].includes(project.status) ? project : undefined;
    }, 120_000, 'the new film under the deleted id to end');
    assert.equal(row.status, 'completed', JSON.stringify(row));
    const handle = stack.client.workflow.getHandle(`project-${owner.film(projectId)}`);
    await handle.result();
    const run = await handle.describe();
    assert.notEqual(run.runId, deletedRun, 'a run of its own');
    assert.equal(run.status.name, 'COMPLETED');
    const notified = requestsFor(stack, owner.film(projectId), 'notification').filter((r) => r.body.type === 'project.completed');
    assert.equal(notified.length, 2, 'each film’s completion is told, under a key of its own');
    assert.notEqual(notified[0].idempotencyKey, notified[1].idempotencyKey);
    await rm(root, { recursive: true, force: true });
  });

  it('completes a film whose worker is killed (-9) while it copies a large scene video, and stores only whole objects', async () => {
    const replicate = stack.providerStandIns.get('replicate')!;
    const root = await mkdtemp(path.join(os.tmpdir(), 'reelay-kill-copy-'));
    const paddingBytes = 24 * 1024 * 1024;
    // Each scene's video 24 MiB larger and sent at 3 MiB/s: a copy of several seconds to interrupt.
    replicate.server.videos.serveLarge({ paddingBytes, bytesPerSecond: 3 * 1024 * 1024 });
    try {
      const env = { TEMPORAL_TASK_QUEUE: uniqueId('kill-copy'), MEDIA_TASK_QUEUE: uniqueId('media'), LAST_FRAME_STEP: 'builtin', STITCH_STEP: 'builtin', ASSET_STORE: 'local', ASSET_DIR: root, ...replicate.env };
      const api = await deployment(env);
      const projectId = uniqueId('kill-copy');
      const created = await postJson(`${api.url}/api/v1/projects`, { project_id: projectId, provider: 'replicate', scenes: [{ prompt: 'A long train' }, { prompt: 'It enters a tunnel' }] }, asOperator);
      assert.equal(created.status, 201, JSON.stringify(created.body));

      await waitFor(() => replicate.server.videos.sending > 0, 120_000, 'the worker to start copying the first scene');
      await new Promise((r) => setTimeout(r, 1_500));
      assert.ok(replicate.server.videos.sending > 0, 'still copying');
      await api.worker.kill();
      const firstVideo = testSigner().signed(api.url, `projects/${projectId}/scenes/1/video.mp4`);
      assert.equal((await fetch(firstVideo, { method: 'HEAD' })).status, 404, 'no half-copied video is served');

      await api.startWorker();
      const film = await filmEnds(async () => (await getJson<FilmView>(`${api.url}/api/v1/projects/${projectId}`, asOperator)).body);
      assert.equal(film.status, 'completed', JSON.stringify(film));
      const store = new LocalAssetStore(root);
      const keys = await store.list(assetKeys.project(projectId));
      // Replicate hands out no thumbnail: each scene's video and last frame, and the film.
      assert.equal(keys.length, 5, `2 scenes × (video, last frame) and the film: ${keys.join(', ')}`);
      for (const key of keys) {
        const bytes = await readFile(path.join(root, key));
        const facts = JSON.parse(await readFile(path.join(root, `${key}.meta.json`), 'utf8')) as { size: number; sha256: string };
        assert.equal(bytes.length, facts.size, `${key} is whole`);
        assert.equal(createHash('sha256').update(bytes).digest('hex'), facts.sha256, `${key} is the bytes it was checked as`);
        if (key.endsWith('/video.mp4')) assert.ok(bytes.length > paddingBytes, `${key} is the large video`);
      }
      const served = Buffer.from(await (await fetch(firstVideo)).arrayBuffer());
      assert.equal(createHash('sha256').update(served).digest('hex'), (await store.head(`projects/${projectId}/scenes/1/video.mp4`))!.sha256);
    } finally {
      replicate.server.videos.serveLarge(undefined);
      await rm(root, { recursive: true, force: true });
    }
  });
});
