import assert from 'node:assert/strict';
import type { Stack } from '../../src/dev/start-stack';
import { asOperator } from '../support/clients';
import { getJson, postJson, uniqueId } from '../support/http';
import { requestsFor, startProject, waitFor } from '../support/projects';
import { testStack } from '../support/test-stack';
import { stackWorker, type WorkerProcess } from '../support/worker-process';

/**
 * A regeneration is a paid submit made inside the workflow task that took the person's update. A worker
 * killed with -9 while that submit is in flight must not make the user pay for the take twice: the next
 * worker asks again under the same key (the guide's services) or finds the task by its fingerprint (a
 * provider that takes no key), and the film goes on with one take.
 */
describe('a worker killed while a regeneration is submitted', function () {
  this.timeout(240_000);
  let stack: Stack;
  const api = (path: string) => `${stack.gatewayUrl}/api/v1/projects${path}`;
  const view = async (id: string) => (await getJson<any>(api(`/${encodeURIComponent(id)}`), asOperator)).body;
  const until = (id: string, what: string, probe: (p: any) => boolean) =>
    waitFor(async () => {
      const p = await view(id);
      return probe(p) ? p : undefined;
    }, 90_000, what);
  const awaiting = (scene: number, take: number) => (p: any) =>
    p.status === 'awaiting_review' && p.review.awaiting?.scene_index === scene && p.scenes[scene].chosen_take === take;

  before(async () => {
    stack = await testStack();
  });

  /**
   * Runs a two-scene each_scene film on a worker of its own, regenerates scene 0 with `edited`, and
   * kills the worker while `holdSubmits` holds that submit's answer (released once the worker is dead);
   * returns the film once it completed on the next worker.
   */
  async function regenerateThroughACrash(
    provider: 'guide' | 'luma',
    holdSubmits: (isRegeneration: (prompt: string) => boolean, killed: Promise<void>, held: () => void) => () => void,
  ) {
    const projectId = uniqueId(`regen-crash-${provider}`);
    const taskQueue = uniqueId(`regen-crash-${provider}`);
    const standIn = provider === 'guide' ? undefined : stack.providerStandIns.get(provider)!;
    const worker: WorkerProcess = await stackWorker(stack, taskQueue, standIn?.env);
    const edited = `${projectId}: the harbour at dusk`;
    let killed!: () => void;
    const workerKilled = new Promise<void>((r) => (killed = r));
    let submitHeld = false;
    const restore = holdSubmits((prompt) => prompt === edited, workerKilled, () => (submitHeld = true));
    try {
      await worker.start();
      await startProject(stack, {
        projectId,
        scenes: [`${projectId}: a harbour at dawn`, `${projectId}: a gull`],
        taskQueue,
        review: { review: 'each_scene', review_timeout_hours: 1 },
        ...(standIn ? { choice: { provider, model: null, options: null, startImageUrl: null } } : {}),
      });
      await until(projectId, 'scene 0 awaiting review', awaiting(0, 1));

      const regenerating = postJson<any>(api(`/${projectId}/scenes/0/regenerate`), { prompt: edited }, asOperator);
      await waitFor(() => submitHeld, 30_000, "the regeneration's submit to reach the service");
      await worker.kill();
      killed();
      await worker.start();

      const answer = await regenerating;
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      assert.equal(answer.body.result.take, 2);
      const film = await until(projectId, 'take 2 of scene 0 awaiting review', awaiting(0, 2));
      assert.equal(film.scenes[0].takes[1].prompt, edited);
      assert.equal((await postJson(api(`/${projectId}/approve`), {}, asOperator)).status, 200);
      await until(projectId, 'scene 1 awaiting review', awaiting(1, 1));
      assert.equal((await postJson(api(`/${projectId}/approve`), {}, asOperator)).status, 200);
      await until(projectId, 'cut 1', (p) => p.status === 'completed' && p.cuts.length === 1);

      const scene0 = await stack.prisma.scene.findFirstOrThrow({ where: { projectId, index: 0 }, include: { takes: { orderBy: { take: 'asc' } } } });
      assert.deepEqual(scene0.takes.map((t) => [t.take, t.prompt]), [
        [1, `${projectId}: a harbour at dawn`],
        [2, edited],
      ], 'one row per take');
      return { projectId, takeTaskId: scene0.takes[1].taskId, standIn };
    } finally {
      restore();
      killed();
      await worker.stop();
    }
  }

  it("submits the guide's video once: the next worker asks again under the same Idempotency-Key", async () => {
    const simulator = stack.simulator!;
    const { projectId, takeTaskId } = await regenerateThroughACrash('guide', (isRegeneration, killed, held) => {
      const before = simulator.behaviour;
      simulator.behaviour = (query) => {
        if (query.service !== 'video' || !isRegeneration(String(query.body.prompt)) || query.known) return before(query);
        held();
        return { holdUntil: killed };
      };
      return () => (simulator.behaviour = before);
    });
    const regenerations = requestsFor(stack, projectId, 'video').filter((r) => String(r.body.prompt).endsWith('the harbour at dusk'));
    assert.ok(regenerations.length >= 2, `asked again after the crash (${regenerations.length} requests)`);
    assert.equal(new Set(regenerations.map((r) => r.idempotencyKey)).size, 1, 'one task at the service');
    assert.match(takeTaskId ?? '', /^vid/);
  });

  it('submits a provider task once (Luma takes no key): the next worker finds the task it submitted', async () => {
    let luma!: NonNullable<Awaited<ReturnType<typeof regenerateThroughACrash>>['standIn']>;
    const { projectId, takeTaskId } = await regenerateThroughACrash('luma', (isRegeneration, killed, held) => {
      luma = stack.providerStandIns.get('luma')!;
      luma.server.options.onSubmit = async (task) => {
        if (!isRegeneration(task.prompt)) return;
        held();
        await killed; // the provider has the task; the worker that asked never hears its id
      };
      return () => (luma.server.options.onSubmit = undefined);
    });
    const tasks = [...luma.server.tasks.values()].filter((t) => t.prompt.startsWith(`${projectId}:`));
    assert.equal(tasks.filter((t) => t.prompt.endsWith('the harbour at dusk')).length, 1, 'one task for the new take');
    assert.equal(tasks.length, 3, 'two scenes and one regeneration');
    assert.equal(takeTaskId, tasks.find((t) => t.prompt.endsWith('the harbour at dusk'))!.id);
  });
});
