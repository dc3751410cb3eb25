import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import type { Stack } from '../../src/dev/start-stack';
import type { TaskBehaviour } from '../../src/dev/simulator/simulator';
import { uniqueId } from '../support/http';
import { requestsFor, startProject } from '../support/projects';
import { testStack } from '../support/test-stack';

const seed = Number(process.env.FAULT_SEED ?? 20261128);
const projectCount = 50;
const scenesPerProject = 2;
const maxAttempts = 3;

/** A number in [0, 100) drawn from the seed and a name: the same name always draws the same number. */
function draw(name: string): number {
  const salt = createHash('sha256').update(`${seed}:${name}`).digest().readUInt32BE(0);
  return uniformInt(xoroshiro128plus(salt), 0, 99);
}

type Fault = 'ok' | 'duplicate' | 'late' | 'outage' | 'fail' | 'loseTask' | 'loseCallback';
const usesAnAttempt: ReadonlySet<Fault> = new Set(['fail', 'loseTask', 'loseCallback']);

function faultFor(roll: number): Fault {
  if (roll < 45) return 'ok';
  if (roll < 55) return 'duplicate';
  if (roll < 65) return 'late';
  if (roll < 72) return 'outage';
  if (roll < 84) return 'fail';
  if (roll < 92) return 'loseTask';
  return 'loseCallback';
}

const behaviours: Record<Exclude<Fault, 'ok'>, TaskBehaviour> = {
  duplicate: { duplicate: true },
  late: { extraDelayMs: 400 },
  outage: { reject: 503 },
  fail: { fail: 'injected failure' },
  loseTask: { loseTask: true },
  loseCallback: { loseCallback: true },
};

describe(`fault injection over ${projectCount} projects (seed ${seed}, FAULT_SEED to change it)`, function () {
  this.timeout(300_000);
  let stack: Stack;

  before(async () => {
    stack = await testStack();
  });

  it('ends every project completed or failed exactly as the injected faults dictate, with no task requested twice', async () => {
    const run = uniqueId('chaos');
    const ids = Array.from({ length: projectCount }, (_, i) => `${run}-${i}`);
    // One project in five is doomed: its video fails on every attempt at one scene.
    const doomed = new Map(ids.filter((_, i) => draw(`doomed:${i}`) < 20).map((id) => [id, draw(`doomed-scene:${id.split('-').pop()}`) % scenesPerProject]));
    const indexOf = new Map(ids.map((id, i) => [id, i]));
    const sceneIndexOf = new Map<string, number>();
    const attemptFaults = new Map<string, number>(); // per project step: faults that cost an attempt
    const tasksExpected = new Map<string, number>(); // per project step: tasks that must be created
    const rejected = new Set<string>();

    stack.simulator!.behaviour = ({ service, body, idempotencyKey, known }) => {
      const projectId = body.project_id as string;
      if (!indexOf.has(projectId) || known || service === 'notification') return undefined;
      if (typeof body.scene_index === 'number') sceneIndexOf.set(body.scene_id as string, body.scene_index);
      const scene = body.scene_id ? sceneIndexOf.get(body.scene_id as string) : 'stitch';
      const step = `${projectId}:${service}:${scene}`;
      const newTask = () => tasksExpected.set(step, (tasksExpected.get(step) ?? 0) + 1);
      if (rejected.delete(idempotencyKey)) {
        newTask(); // the 503 was a blip: Temporal's retry of the same request goes through
        return undefined;
      }
      if (service === 'video' && doomed.get(projectId) === scene) {
        newTask();
        return behaviours.fail;
      }
      let fault = faultFor(draw(`${indexOf.get(projectId)}:${service}:${scene}:${idempotencyKey.split(':').pop()}`));
      if (fault === 'outage') {
        rejected.add(idempotencyKey);
        return behaviours.outage;
      }
      newTask();
      const used = attemptFaults.get(step) ?? 0;
      if (usesAnAttempt.has(fault) && used >= maxAttempts - 1) fault = 'ok'; // leave one attempt to succeed
      if (usesAnAttempt.has(fault)) attemptFaults.set(step, used + 1);
      return fault === 'ok' ? undefined : behaviours[fault];
    };

    const handles = await Promise.all(
      ids.map((projectId) =>
        startProject(stack, {
          projectId,
          scenes: Array.from({ length: scenesPerProject }, (_, i) => `scene ${i}`),
          settings: { stepTimeoutMs: { video: 1_500, lastFrame: 1_500, stitch: 1_500 }, stepMaxAttempts: maxAttempts, stepRetryBackoffMs: 100 },
        }),
      ),
    );
    const outcomes = await Promise.all(handles.map((h) => h.result().then((p) => p.status, () => 'failed')));

    const rows = await stack.prisma.project.findMany({ where: { id: { in: ids } }, include: { scenes: { orderBy: { index: 'asc' } } } });
    const byId = new Map(rows.map((r) => [r.id, r]));
    let failed = 0;
    ids.forEach((projectId, i) => {
      const row = byId.get(projectId)!;
      if (doomed.has(projectId)) {
        failed += 1;
        assert.equal(outcomes[i], 'failed', projectId);
        assert.equal(row.status, 'failed', projectId);
        assert.equal(row.scenes[doomed.get(projectId)!].status, 'failed', projectId);
        assert.match(row.failureReason!, /video failed after 3 attempts: injected failure/);
      } else {
        assert.equal(outcomes[i], 'completed', `${projectId}: ${row.failureReason}`);
        assert.equal(row.status, 'completed', projectId);
        assert.ok(row.finalVideoUrl && row.scenes.every((s) => s.status === 'completed' && s.lastFrameUrl), projectId);
      }
      // Exactly one notice per project, of the right kind.
      const notices = requestsFor(stack, projectId, 'notification').map((n) => n.body.type);
      assert.deepEqual([...new Set(notices)], [doomed.has(projectId) ? 'project.failed' : 'project.completed'], projectId);
      assert.equal(new Set(requestsFor(stack, projectId, 'notification').map((n) => n.idempotencyKey)).size, 1, projectId);
    });
    assert.ok(failed > 0 && failed < projectCount, `the seed dooms some projects, not all (${failed})`);

    // No outbound request beyond its idempotency key: every new key stands for a task the faults required.
    for (const [step, expected] of tasksExpected) {
      const [projectId, service, scene] = step.split(':');
      const keys = new Set(
        requestsFor(stack, projectId, service as 'video')
          .filter((r) => String(r.body.scene_id ? sceneIndexOf.get(r.body.scene_id as string) : 'stitch') === scene)
          .map((r) => r.idempotencyKey),
      );
      assert.equal(keys.size, expected, `${step}: ${keys.size} keys for ${expected} tasks`);
    }
  });
});
