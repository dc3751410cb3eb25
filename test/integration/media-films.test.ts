import assert from 'node:assert/strict';
import type { Stack } from '../../src/dev/start-stack';
import { createAssetLinkSigner } from '../../src/media/asset-links';
import { asOperator } from '../support/clients';
import { getJson, postJson, uniqueId } from '../support/http';
import { filmEnds, mediaDeployments, stable, testSigner, type FilmView } from '../support/media-deployment';
import { waitFor } from '../support/projects';
import { testStack } from '../support/test-stack';

/**
 * A deployment that does both media steps itself and keeps the film's media: a gateway and a worker
 * process of their own (their own task queues), on the shared stack's Temporal and PostgreSQL, making a
 * film through the Replicate stand-in, whose links then all expire.
 */
describe('a film with the built-in media steps and its own asset store, after the provider’s links expire', function () {
  this.timeout(300_000);
  let stack: Stack;
  before(async () => {
    stack = await testStack();
  });
  const { gateway, deployment, storeEnv } = mediaDeployments(() => stack);

  for (const store of ['local', 's3'] as const) {
    it(`makes a chained 3-scene Replicate film that still plays from Reelay’s store (${store}) once every Replicate link has expired`, () => filmOutlivesItsLinks(store));
  }

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
