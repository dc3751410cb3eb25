import type { ProviderName } from '../../src/contracts/providers';
import type { Stack } from '../../src/dev/start-stack';
import { uniqueId } from './http';
import { startProject, waitFor } from './projects';
import { stackWorker } from './worker-process';

export interface PayOnceResult {
  provider: ProviderName;
  films: number;
  /** Films whose first submit the provider accepted just before the worker was killed (-9). */
  cutOff: number;
  /** Worker processes killed (one kill can cut off several films' submits in flight). */
  kills: number;
  /** Tasks the provider saw beyond one per film: what the user would pay twice for. */
  extraTasks: number;
}

/**
 * Kills a worker with SIGKILL right after the provider accepted a film's first submit and before the
 * worker heard its answer, once per film, restarts it, and counts the tasks the provider saw when every
 * film is done. A provider that lists its tasks (Replicate, Luma) should see one per film.
 */
export async function measurePayOnce(stack: Stack, provider: Exclude<ProviderName, 'guide'>, films: number): Promise<PayOnceResult> {
  const standIn = stack.providerStandIns.get(provider)!;
  const taskQueue = uniqueId(`pay-once-${provider}`);
  const worker = await stackWorker(stack, taskQueue, standIn.env);
  await worker.start();
  const ids = Array.from({ length: films }, () => uniqueId(`${provider}-pay-once`));
  const cutOff = new Set<string>();
  let kills = 0;
  let restarting: Promise<void> | undefined;
  standIn.server.options.onSubmit = async (task) => {
    const film = task.prompt.split(':')[0];
    if (!ids.includes(film) || cutOff.has(film)) return;
    cutOff.add(film);
    if (!restarting) {
      kills += 1;
      restarting = (async () => {
        await worker.kill();
        await worker.start();
      })().finally(() => (restarting = undefined));
    }
    // Answer only once the worker is gone: it never hears this task's id.
    await restarting?.catch(() => undefined);
  };
  try {
    await Promise.all(ids.map((projectId) => startProject(stack, { projectId, scenes: [`${projectId}: a single scene`], taskQueue, choice: { provider, model: null, options: null, startImageUrl: null } })));
    await waitFor(
      async () => {
        const done = await stack.prisma.project.count({ where: { id: { in: ids }, status: { in: ['completed', 'failed', 'cancelled'] } } });
        return done === films;
      },
      films * 60_000,
      `${films} ${provider} films to end`,
    );
    const failed = await stack.prisma.project.count({ where: { id: { in: ids }, status: { not: 'completed' } } });
    if (failed) throw new Error(`${failed} of the ${provider} films did not complete`);
    const tasks = [...standIn.server.tasks.values()].filter((t) => ids.includes(t.prompt.split(':')[0])).length;
    return { provider, films, cutOff: cutOff.size, kills, extraTasks: tasks - films };
  } finally {
    standIn.server.options.onSubmit = undefined;
    await worker.stop();
  }
}
