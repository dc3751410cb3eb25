import assert from 'node:assert/strict';
import { Webhook } from 'standardwebhooks';
import type { ProviderName } from '../../src/contracts/providers';
import type { Stack } from '../../src/dev/start-stack';
import type { ReplicateStandIn } from '../../src/dev/providers/replicate-stand-in';
import { asOperator } from '../support/clients';
import { getJson, postJson, uniqueId } from '../support/http';
import { waitFor } from '../support/projects';
import { testStack } from '../support/test-stack';

interface FilmView {
  status: string;
  provider: string;
  model: string | null;
  cost: { amount: number; unit: string }[];
  final_video_url: string | null;
  scenes: { video_url: string | null; last_frame_url: string | null; cost: { amount: number; unit: string } | null }[];
}

/** The unit each stand-in reports its tasks' cost in, as the real provider does (docs/providers.md); fal's default model reports none. */
const costUnit: Record<Exclude<ProviderName, 'guide'>, string | undefined> = {
  replicate: 'compute_seconds',
  fal: undefined,
  runway: 'credits',
  luma: 'video_seconds',
};

describe('films made through the video providers people use (Replicate, fal, Runway, Luma), played by stand-ins', function () {
  this.timeout(240_000);
  let stack: Stack;
  const url = (path: string) => `${stack.gatewayUrl}${path}`;
  const read = async (projectId: string) => (await getJson<FilmView>(url(`/api/v1/projects/${encodeURIComponent(projectId)}`), asOperator)).body;

  before(async () => {
    stack = await testStack();
  });

  async function makeFilm(provider: ProviderName): Promise<{ projectId: string; film: FilmView }> {
    const projectId = uniqueId(provider);
    const prompts = ['A lighthouse at dawn', 'The keeper climbs the stairs', 'The lamp turns on'];
    const created = await postJson(url('/api/v1/projects'), { project_id: projectId, provider, scenes: prompts.map((p) => ({ prompt: `${projectId}: ${p}` })) }, asOperator);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const film = await waitFor(
      async () => {
        const view = await read(projectId);
        return ['completed', 'failed', 'cancelled'].includes(view.status) && view;
      },
      120_000,
      `the ${provider} film to end`,
    );
    assert.equal(film.status, 'completed', JSON.stringify(film));
    return { projectId, film };
  }

  /** The stand-in's task behind a scene's video link (`…/outputs/<task id>.mp4`). */
  const taskOf = (provider: ProviderName, videoUrl: string | null) => {
    const id = /\/outputs\/([^/]+)\.mp4$/.exec(videoUrl ?? '')?.[1];
    return stack.providerStandIns.get(provider)!.server.tasks.get(id ?? '');
  };

  for (const provider of ['replicate', 'fal', 'runway', 'luma'] as const) {
    it(`makes a 3-scene film through ${provider}: one task per scene, each starting from the last frame before it, cost recorded`, async () => {
      const { projectId, film } = await makeFilm(provider);
      assert.equal(film.provider, provider);
      const standIn = stack.providerStandIns.get(provider)!;
      const tasks = [...standIn.server.tasks.values()].filter((t) => t.prompt.startsWith(`${projectId}:`));
      assert.equal(tasks.length, 3, 'the provider saw exactly one task per scene');
      film.scenes.forEach((scene, i) => {
        const task = taskOf(provider, scene.video_url);
        assert.ok(task, `scene ${i + 1}'s video is the stand-in's`);
        assert.equal(task.startFrameUrl, i === 0 ? null : film.scenes[i - 1].last_frame_url, `scene ${i + 1} starts from scene ${i}'s last frame`);
      });
      const unit = costUnit[provider];
      if (unit) {
        for (const scene of film.scenes) assert.equal(scene.cost?.unit, unit);
        const total = film.scenes.reduce((sum, s) => sum + s.cost!.amount, 0);
        assert.deepEqual(film.cost, [{ unit, amount: Math.round(total * 1e6) / 1e6 }]);
        assert.ok(total > 0);
      } else {
        assert.deepEqual(film.cost, []);
      }
      // The console's storyboard shows the same.
      const storyboard = (await getJson<FilmView>(url(`/api/v1/projects/${encodeURIComponent(projectId)}/storyboard`), asOperator)).body;
      assert.equal(storyboard.provider, provider);
      assert.deepEqual(storyboard.cost, film.cost);
      assert.deepEqual(storyboard.scenes.map((s) => s.cost), film.scenes.map((s) => s.cost));
      // The film plays: the stitch joined the provider's scene videos.
      const final = await fetch(film.final_video_url!);
      assert.equal(final.status, 200);
      assert.equal(final.headers.get('content-type'), 'video/mp4');
      assert.ok((await final.arrayBuffer()).byteLength > 10_000);
    });
  }

  it("refuses a Replicate webhook with a wrong or stale signature (401), and answers a replay of an applied one without a second effect", async () => {
    const { projectId, film } = await makeFilm('replicate');
    const standIn = stack.providerStandIns.get('replicate') as ReplicateStandIn;
    const task = taskOf('replicate', film.scenes[1].video_url)!;
    const callback = (task.request as { webhook: string }).webhook;
    const prediction = await getJson(`${standIn.server.url}/v1/predictions/${task.id}`, { authorization: `Bearer ${standIn.env.REPLICATE_API_TOKEN}` });
    const body = JSON.stringify(prediction.body);
    const send = (headers: Record<string, string>) => postJson(callback, body, headers);
    const signed = (at: Date, secret = standIn.secret()) => {
      const id = uniqueId('msg');
      return { 'webhook-id': id, 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': new Webhook(secret).sign(id, at, body) };
    };

    const forged = await send(signed(new Date(), `whsec_${Buffer.from('not the account secret, 32 bytes').toString('base64')}`));
    assert.equal(forged.status, 401);
    assert.equal((forged.body as { error: string }).error, 'invalid_signature');
    const stale = await send(signed(new Date(Date.now() - 10 * 60_000)));
    assert.equal(stale.status, 401);
    assert.equal((stale.body as { error: string }).error, 'timestamp_out_of_tolerance');

    const replay = await send(signed(new Date()));
    assert.equal(replay.status, 200, JSON.stringify(replay.body));
    assert.equal((replay.body as { duplicate?: boolean }).duplicate, true);
    const after = await read(projectId);
    assert.deepEqual(after.scenes, film.scenes, 'nothing about the film changed');
  });

  it("never trusts Luma's unsigned callback: a forged one naming another video changes nothing", async () => {
    const { projectId, film } = await makeFilm('luma');
    const task = taskOf('luma', film.scenes[0].video_url)!;
    const callback = (task.request as { callback_url: string }).callback_url;
    const forged = await postJson(callback, { id: task.id, state: 'completed', assets: { video: 'https://attacker.example/evil.mp4' } });
    // The confirming GET says what the generation really is: the same video as before, already applied.
    assert.equal(forged.status, 200, JSON.stringify(forged.body));
    const after = await read(projectId);
    assert.equal(after.scenes[0].video_url, film.scenes[0].video_url);
    assert.ok(!JSON.stringify(after).includes('attacker.example'));
  });

  it('refuses a film whose model the provider does not have, naming the field', async () => {
    const answer = await postJson(url('/api/v1/projects'), { provider: 'luma', model: 'no-such-model', scenes: [{ prompt: 'x' }] }, asOperator);
    assert.equal(answer.status, 400);
    const { details } = answer.body as { details: { fields: { field: string; message: string }[] } };
    assert.equal(details.fields[0].field, 'model');
    assert.match(details.fields[0].message, /^model: /);
    const guide = await postJson(url('/api/v1/projects'), { model: 'ray-2', scenes: [{ prompt: 'x' }] }, asOperator);
    assert.equal(guide.status, 400, "the guide's services take no model");
  });
});
