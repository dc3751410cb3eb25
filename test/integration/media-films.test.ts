import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Stack } from '../../src/dev/start-stack';
import { sharedSeaweed, stopSharedSeaweed } from '../support/asset-stores';
import { assetKeys } from '../../src/media/asset-store';
import { LocalAssetStore } from '../../src/media/local-store';
import { asOperator, newTestClient } from '../support/clients';
import { extraGateways } from '../support/extra-gateway';
import { getJson, postJson, uniqueId } from '../support/http';
import { requestsFor, waitFor } from '../support/projects';
import { createAssetLinkSigner } from '../../src/media/asset-links';
import { freePort, testAssetLinkSecret, testEnv, testStack } from '../support/test-stack';
import { WorkerProcess } from '../support/worker-process';

/** A link as Reelay stores it: without the signature it is handed out with. */
const stable = (url: string | null) => url && url.split('?')[0];
/** What a test signs with: the secret every test deployment shares. */
const testSigner = (ttlSeconds = 600) => createAssetLinkSigner({ secrets: [testAssetLinkSecret], ttlSeconds });

interface FilmView {
  status: string;
  final_video_url: string | null;
  scenes: { video_url: string | null; last_frame_url: string | null }[];
}

/**
 * A deployment that does both media steps itself and keeps the film's media: a gateway and a worker
 * process of their own (their own task queues), on the shared stack's Temporal and PostgreSQL, making a
 * film through the Replicate stand-in, whose links then all expire.
 */
describe('a film with the built-in media steps and its own asset store, after the provider’s links expire', function () {
  this.timeout(300_000);
  let stack: Stack;
  const gateway = extraGateways(() => stack);
  let assetDir: string;
  const workers: WorkerProcess[] = [];

  before(async () => {
    stack = await testStack();
    assetDir = await mkdtemp(path.join(os.tmpdir(), 'reelay-media-film-'));
  });
  after(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await rm(assetDir, { recursive: true, force: true });
    await stopSharedSeaweed();
  });

  /** The store's variables: a folder, or a bucket on SeaweedFS (fetched into ~/.cache/reelay on first use). */
  const storeEnv = {
    local: async () => ({ ASSET_STORE: 'local', ASSET_DIR: assetDir }),
    s3: async () => {
      const s3 = await sharedSeaweed();
      return { ASSET_STORE: 's3', S3_BUCKET: s3.bucket, S3_REGION: s3.region, S3_ENDPOINT: s3.endpoint, S3_ACCESS_KEY_ID: s3.accessKeyId, S3_SECRET_ACCESS_KEY: s3.secretAccessKey };
    },
  };

  for (const store of ['local', 's3'] as const) {
    it(`makes a chained 3-scene Replicate film that still plays from Reelay’s store (${store}) once every Replicate link has expired`, () => filmOutlivesItsLinks(store));
  }

  /** A gateway and a worker process of their own with these variables (the simulator's services configured on both). */
  async function deployment(env: Record<string, string>) {
    const services = {
      VIDEO_GENERATION_SERVICE: stack.simulator!.url,
      LAST_FRAME_SERVICE_URL: stack.simulator!.url,
      STITCH_SERVICE_URL: stack.simulator!.url,
      NOTIFICATION_SERVICE_URL: stack.simulator!.url,
    };
    const api = await gateway({ ...services, ...env });
    const startWorker = async () => {
      const healthPort = await freePort();
      const worker = new WorkerProcess(
        {
          ...process.env,
          ...testEnv({
            ...env,
            ...services,
            LOG_LEVEL: 'warn',
            DATABASE_URL: stack.databaseUrl,
            TEMPORAL_ADDRESS: stack.temporalAddress,
            // Webhooks and the asset links both go to this deployment's own gateway.
            NEXT_PUBLIC_APP_URL: api.url,
            WORKER_HEALTH_PORT: String(healthPort),
          }),
        },
        healthPort,
      );
      workers.push(worker);
      await worker.start();
      return worker;
    };
    return { url: api.url, worker: await startWorker(), startWorker };
  }

  const filmEnds = (read: () => Promise<FilmView>) =>
    waitFor(async () => {
      const view = await read();
      return ['completed', 'failed', 'cancelled'].includes(view.status) && view;
    }, 180_000, 'the film to end');

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

  /** The film is answered to no one who lacks a signed, unexpired link, whether or not the asset exists. */
  async function linksAreGuarded(base: string, key: string): Promise<void> {
    const refusal = async (url: string, method = 'GET') => {
      const response = await fetch(url, { method, redirect: 'manual' });
      return { status: response.status, code: method === 'HEAD' ? undefined : ((await response.json()) as { code: string }).code };
    };
    assert.deepEqual(await refusal(`${base}/assets/${key}`), { status: 403, code: 'asset_link_unsigned' });
    assert.deepEqual(await refusal(`${base}/assets/${key}`, 'HEAD'), { status: 403, code: undefined });
    const signed = testSigner().signed(base, key);
    assert.deepEqual(await refusal(signed.replace(/signature=[\w-]+/, `signature=${'A'.repeat(43)}`)), { status: 403, code: 'asset_link_invalid' });
    assert.deepEqual(await refusal(signed.replace(key, key.replace('film.mp4', 'scenes/1/video.mp4'))), { status: 403, code: 'asset_link_invalid' }, 'a signature opens its own asset only');
    const otherSecret = createAssetLinkSigner({ secrets: ['another-deployment-secret-0123456789'], ttlSeconds: 600 }).signed(base, key);
    assert.deepEqual(await refusal(otherSecret), { status: 403, code: 'asset_link_invalid' });
    assert.deepEqual(await refusal(testSigner().signed(base, key, Date.now() - 3_600_000)), { status: 403, code: 'asset_link_expired' });
    assert.deepEqual(await refusal(testSigner().signed(base, 'projects/no-such-film/film.mp4')), { status: 404, code: 'not_found' });
  }

  async function filmOutlivesItsLinks(store: keyof typeof storeEnv): Promise<void> {
    const replicate = stack.providerStandIns.get('replicate')!;
    const media = {
      TEMPORAL_TASK_QUEUE: uniqueId('media-film'),
      MEDIA_TASK_QUEUE: uniqueId('media'),
      LAST_FRAME_STEP: 'builtin',
      STITCH_STEP: 'builtin',
      ...(await storeEnv[store]()),
      ...replicate.env,
    };
    const api = await deployment(media);

    const projectId = uniqueId(`replicate-${store}`);
    const prompts = ['A lighthouse at dawn', 'The keeper climbs the stairs', 'The lamp turns on'];
    const created = await postJson(`${api.url}/api/v1/projects`, { project_id: projectId, provider: 'replicate', scenes: prompts.map((p) => ({ prompt: `${projectId}: ${p}` })) }, asOperator);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const read = async () => (await getJson<FilmView>(`${api.url}/api/v1/projects/${encodeURIComponent(projectId)}`, asOperator)).body;
    const film = await filmEnds(read);
    assert.equal(film.status, 'completed', JSON.stringify(film));

    // Every link the film keeps is Reelay's own, under the stable keys, handed out signed.
    const own = (key: string) => `${api.url}/assets/projects/${projectId}/${key}`;
    assert.ok(film.final_video_url);
    assert.equal(stable(film.final_video_url), own('film.mp4'));
    film.scenes.forEach((scene, i) => {
      assert.equal(stable(scene.video_url), own(`scenes/${i + 1}/video.mp4`));
      assert.equal(stable(scene.last_frame_url), own(`scenes/${i + 1}/last-frame.png`));
    });
    for (const link of [film.final_video_url, ...film.scenes.flatMap((s) => [s.video_url!, s.last_frame_url!])]) {
      assert.match(link, /\?expires=\d+&signature=[\w-]+$/, `${link} is signed`);
    }
    // The scenes chain: Replicate was asked to open each scene on the built-in last frame before it, by a
    // link it could fetch without a key (the gateway's signed one; the bucket's presigned one from S3).
    const tasks = [...replicate.server.tasks.values()].filter((t) => t.prompt.startsWith(`${projectId}:`));
    assert.equal(tasks.length, 3, 'one Replicate prediction per scene');
    const byPrompt = prompts.map((p) => tasks.find((t) => t.prompt === `${projectId}: ${p}`)!);
    assert.equal(byPrompt[0].startFrameUrl, null);
    for (const [i, task] of byPrompt.slice(1).entries()) {
      const frame = new URL(task.startFrameUrl!);
      assert.ok(frame.pathname.endsWith(`/projects/${projectId}/scenes/${i + 1}/last-frame.png`), `scene ${i + 2} opens on scene ${i + 1}'s last frame: ${frame.href}`);
      assert.ok(store === 's3' ? frame.searchParams.has('X-Amz-Signature') : frame.searchParams.has('signature'), `a link fetchable without a key: ${frame.href}`);
    }
    await linksAreGuarded(api.url, `projects/${projectId}/film.mp4`);

    replicate.server.videos.expireAll();
    const expired = await fetch(`${replicate.server.url}/outputs/${byPrompt[0].id}.mp4`);
    assert.equal(expired.status, 404, "the provider's link is gone");

    const whole = await fetch(film.final_video_url);
    assert.equal(whole.status, 200);
    assert.equal(whole.headers.get('content-type'), 'video/mp4');
    const bytes = Buffer.from(await whole.arrayBuffer());
    assert.ok(bytes.length > 10_000, `a film of ${bytes.length} bytes`);
    assert.equal(bytes.subarray(4, 8).toString('latin1'), 'ftyp', 'an MP4 file');
    const part = await fetch(film.final_video_url, { headers: { range: 'bytes=100-1099' } });
    assert.equal(part.status, 206);
    assert.equal(part.headers.get('content-range'), `bytes 100-1099/${bytes.length}`);
    assert.deepEqual(Buffer.from(await part.arrayBuffer()), bytes.subarray(100, 1100));
    for (const scene of film.scenes) {
      const head = await fetch(scene.video_url!, { method: 'HEAD' });
      assert.equal(head.status, 200, `${scene.video_url} is kept`);
      assert.ok(Number(head.headers.get('content-length')) > 1_000, 'HEAD tells the size');
    }

    // Three days later, a gateway keeping intermediate assets two days removes the scene videos and last
    // frames (its start-up sweep), and the scenes stop linking to them; the film stays.
    await stack.prisma.project.update({ where: { id: projectId }, data: { completedAt: new Date(Date.now() - 3 * 86_400_000) } });
    const sweeper = await gateway({ ...media, ASSET_INTERMEDIATE_RETENTION_DAYS: '2' });
    const pruned = await waitFor(async () => {
      const view = await read();
      return view.scenes.every((s) => s.video_url === null && s.last_frame_url === null) && view;
    }, 30_000, 'the intermediate assets to be removed');
    assert.equal(stable(pruned.final_video_url), stable(film.final_video_url));
    for (const gone of [...film.scenes.map((s) => s.video_url!), ...film.scenes.map((s) => s.last_frame_url!)]) {
      assert.equal((await fetch(gone.replace(api.url, sweeper.url), { method: 'HEAD' })).status, 404, `${gone} was removed`);
    }
    assert.equal((await fetch(film.final_video_url.replace(api.url, sweeper.url), { method: 'HEAD' })).status, 200, 'the film stays');
  }
});
