import { createProjectCreator } from '../../src/http/projects/create-project';
import { createFilmRows } from '../../src/storage/film-rows';
import type { VideoChoice } from '../../src/http/projects/video-choice';
import type { CreateProjectRequest } from '../../src/contracts/projects';
import type { Stack } from '../../src/dev/start-stack';
import { mergeSettings, type SettingsOverrides } from '../../src/contracts/workflow-settings';
import type { RecordedRequest } from '../../src/dev/simulator/simulator';
import { testWorkflowSettings } from './test-stack';

export interface StartProjectOptions {
  projectId: string;
  scenes: string[];
  settings?: SettingsOverrides;
  taskQueue?: string;
  userId?: string;
  /** The provider and model (the guide's services when absent). */
  choice?: VideoChoice;
  /** Review and spend-limit fields of the creation request (docs/review.md). */
  review?: Pick<CreateProjectRequest, 'review' | 'review_timeout_hours' | 'review_timeout_action' | 'spend_limit'>;
}

/** Creates a project the way the API does, with workflow settings (or a task queue) of the test's choosing. */
export async function startProject(stack: Stack, { projectId, scenes, settings, taskQueue, userId = 'user-1', choice, review }: StartProjectOptions) {
  const base = mergeSettings(stack.config.workflow, testWorkflowSettings);
  const create = createProjectCreator({
    films: createFilmRows(stack.database.pool),
    temporal: stack.client,
    taskQueue: taskQueue ?? stack.config.temporal.taskQueue,
    workflowSettings: mergeSettings(base, settings),
  });
  const provider = choice && choice.provider !== 'guide' ? { provider: choice.provider } : {};
  await create({ project_id: projectId, user_id: userId, scenes: scenes.map((prompt) => ({ prompt })), ...provider, ...review }, null, choice && { video: choice });
  return stack.client.workflow.getHandle(`project-${projectId}`);
}

/** What the simulator received for one project, by service. */
export const requestsFor = (stack: Stack, projectId: string, service: RecordedRequest['service']) =>
  stack.simulator!.requestsTo(service).filter((r) => r.body.project_id === projectId);

export async function waitFor<T>(probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 20_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
