import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { WorkflowHandle } from '@temporalio/client';
import type { Stack } from '../../src/dev/start-stack';
import type { TaskBehaviour } from '../../src/dev/simulator/simulator';
import { cancelProjectUpdate, progressQuery, requestNowUpdate, retrySceneUpdate } from '../../src/contracts/workflow-api';
import { approveUpdate, regenerateSceneUpdate } from '../../src/contracts/review-api';
import { startProject, waitFor } from '../support/projects';
import { mochaGlobalTeardown, testStack } from '../support/test-stack';

/**
 * `npm run histories:record`: runs each scenario on a real stack and saves every run's event history
 * under test/histories/recorded/, where the replay test checks that today's workflow code still
 * produces the same commands. New recordings are added beside the old ones, labelled (today's date, or
 * HISTORY_LABEL), and never replace them: the histories of workflow code already shipped must keep
 * replaying. Record (and commit) after a change made safe with patching, never to make a failing
 * replay pass.
 */
type Scenario = {
  name: string;
  scenes: string[];
  settings?: Parameters<typeof startProject>[1]['settings'];
  review?: Parameters<typeof startProject>[1]['review'];
  faults?: (service: string, body: Record<string, unknown>, state: { fixed: boolean }) => TaskBehaviour | undefined;
  drive?: (handle: WorkflowHandle, state: { fixed: boolean }) => Promise<void>;
};

const waiting = async (handle: WorkflowHandle) => waitFor(async () => (await handle.query(progressQuery)).current?.phase === 'waiting', 20_000, 'a wait');
const awaitingScene = async (handle: WorkflowHandle, sceneIndex: number, take = 1) =>
  waitFor(
    async () => {
      const progress = await handle.query(progressQuery);
      const awaiting = progress.review?.awaiting;
      return !!awaiting && 'sceneIndex' in awaiting && awaiting.sceneIndex === sceneIndex && progress.scenes[sceneIndex]?.take === take;
    },
    20_000,
    `scene ${sceneIndex} to await review`,
  );
const operator = { kind: 'operator' } as const;

const scenarios: Scenario[] = [
  { name: 'happy-path', scenes: ['a harbour at dawn', 'a gull takes off'] },
  {
    name: 'task-failed-then-retried',
    scenes: ['a', 'b'],
    faults: (service, body, state) => {
      if (service !== 'video' || body.scene_index !== 1 || state.fixed) return undefined;
      state.fixed = true; // fails once
      return { fail: 'GPU fell over' };
    },
  },
  {
    name: 'lost-callback-and-lost-task',
    scenes: ['a'],
    settings: { stepTimeoutMs: { video: 1_000, lastFrame: 1_000, stitch: 1_000 } },
    faults: (service) => (service === 'video' ? { loseTask: true } : service === 'lastFrame' ? { loseCallback: true } : undefined),
  },
  {
    name: 'duplicates-and-early-callbacks',
    scenes: ['a', 'b'],
    faults: (service) => (service === 'video' ? { callbackFirst: true, duplicate: true } : { duplicate: true }),
  },
  {
    name: 'project-failed',
    scenes: ['a'],
    settings: { stepMaxAttempts: 2 },
    faults: (service) => (service === 'stitch' ? { fail: 'disk full' } : undefined),
  },
  {
    name: 'failed-then-retried-by-operator',
    scenes: ['a', 'b'],
    settings: { stepMaxAttempts: 2, failedProjectRetentionMs: 120_000 },
    faults: (service, body, state) => (service === 'video' && body.scene_index === 1 && !state.fixed ? { fail: 'model overloaded' } : undefined),
    drive: async (handle, state) => {
      await waitFor(async () => (await handle.query(progressQuery)).status === 'failed', 20_000, 'the failure');
      state.fixed = true;
      await handle.executeUpdate(retrySceneUpdate);
    },
  },
  {
    name: 'request-now-by-operator',
    scenes: ['a'],
    settings: { stepTimeoutMs: { video: 600_000 } },
    faults: (service, _body, state) => (service === 'video' && !state.fixed ? { loseCallback: true } : undefined),
    drive: async (handle, state) => {
      await waiting(handle);
      state.fixed = true;
      await handle.executeUpdate(requestNowUpdate);
    },
  },
  {
    name: 'cancelled-by-update',
    scenes: ['a', 'b'],
    settings: { stepTimeoutMs: { video: 600_000 } },
    faults: (service) => (service === 'video' ? { loseTask: true } : undefined),
    drive: async (handle) => {
      await waiting(handle);
      await handle.executeUpdate(cancelProjectUpdate, { args: [{ reason: 'recorded scenario' }] });
    },
  },
  {
    name: 'cancelled-natively',
    scenes: ['a'],
    settings: { stepTimeoutMs: { video: 600_000 } },
    faults: (service) => (service === 'video' ? { loseTask: true } : undefined),
    drive: async (handle) => {
      await waiting(handle);
      await handle.cancel();
    },
  },
  { name: 'continued-as-new', scenes: ['a', 'b', 'c'], settings: { continueAsNewAfterEvents: 30 } },
  {
    // docs/review.md: approve, regenerate a scene with an edited prompt and re-chain, approve the rest; open for edits after cut 1 until the timeout.
    name: 'reviewed-each-scene',
    scenes: ['a harbour at dawn', 'a gull takes off'],
    review: { review: 'each_scene', review_timeout_hours: 15 / 3600 },
    drive: async (handle) => {
      await awaitingScene(handle, 0);
      await handle.executeUpdate(approveUpdate, { args: [{ actor: operator }] });
      await awaitingScene(handle, 1);
      await handle.executeUpdate(regenerateSceneUpdate, { args: [{ actor: operator, sceneIndex: 0, prompt: 'a harbour at dusk', laterScenes: 'rechain' }] });
      await awaitingScene(handle, 0, 2);
      await handle.executeUpdate(approveUpdate, { args: [{ actor: operator }] });
      await awaitingScene(handle, 1, 2);
      await handle.executeUpdate(approveUpdate, { args: [{ actor: operator }] });
    },
  },
];

async function record(stack: Stack, scenario: Scenario, dir: string, label: string) {
  const projectId = `history-${scenario.name}-${Date.now()}`;
  const state = { fixed: false };
  stack.simulator!.behaviour = ({ service, body, known }) =>
    body.project_id === projectId && !known && scenario.faults ? scenario.faults(service, body, state) : undefined;
  const handle = await startProject(stack, { projectId, scenes: scenario.scenes, settings: scenario.settings, review: scenario.review });
  await scenario.drive?.(handle, state);
  await handle.result().catch(() => undefined);
  const runs: string[] = [];
  for await (const run of stack.client.workflow.list({ query: `WorkflowId = "${handle.workflowId}"` })) runs.push(run.runId);
  runs.reverse(); // oldest first
  for (const [i, runId] of runs.entries()) {
    const history = await stack.client.workflow.getHandle(handle.workflowId, runId).fetchHistory();
    const file = path.join(dir, runs.length > 1 ? `${scenario.name}.run-${i + 1}.${label}.json` : `${scenario.name}.${label}.json`);
    await writeFile(file, `${historyToJSON(history)}\n`, { flag: 'wx' }); // never overwrite a recorded history
    console.log(`recorded ${path.relative(process.cwd(), file)} (${history.events?.length} events)`);
  }
}

async function main() {
  const dir = path.join(__dirname, 'recorded');
  const label = process.env.HISTORY_LABEL ?? new Date().toISOString().slice(0, 10);
  if (!/^[\w.-]+$/.test(label)) throw new Error(`HISTORY_LABEL must be letters, digits, '.', '_' or '-': ${label}`);
  await mkdir(dir, { recursive: true });
  const stack = await testStack();
  try {
    // `npm run histories:record -- <name> …` records only the scenarios named.
    const only = process.argv.slice(2);
    for (const scenario of scenarios.filter((s) => !only.length || only.includes(s.name))) await record(stack, scenario, dir, label);
  } finally {
    await mochaGlobalTeardown();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
