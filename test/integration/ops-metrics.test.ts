import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { createSceneRows } from '../../src/activities/scene-rows';
import type { StepMetrics } from '../../src/activities/step-metrics';
import type { Step } from '../../src/contracts/steps';
import { defaultWorkflowSettings } from '../../src/contracts/workflow-settings';
import type { Stack } from '../../src/dev/start-stack';
import { registerLiveGauges } from '../../src/http/live-gauges';
import { createLogger } from '../../src/platform/logger';
import { openDatabase, type Database } from '../../src/storage/database';
import { createLiveCounts } from '../../src/storage/live-counts';
import { migrateDatabase } from '../../src/storage/migrate';
import { uniqueId } from '../support/http';
import { startProject } from '../support/projects';
import { alertRules, dashboardQueries, familyOf, metricFamilies, metricNamesIn } from '../support/promql';
import { testStack } from '../support/test-stack';

/** Series Prometheus makes itself, for every target it scrapes: no code of ours exports them. */
const prometheusOwn = new Set(['up']);

const sample = (text: string, series: string): number | undefined => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

describe('ops: what the alerts and the dashboard read', function () {
  this.timeout(120_000);
  let stack: Stack;

  before(async () => {
    stack = await testStack();
  });

  describe('metric names', () => {
    let gatewayText: string;
    let workerText: string;
    let families: Map<string, string>;
    const workerMetrics = () => fetch(`http://127.0.0.1:${stack.config.workerMetricsPort}/metrics`).then((r) => r.text());

    before(async () => {
      // One film through the simulator's webhooks, so the series created on first use exist.
      const stepsBefore = await workerMetrics();
      const handle = await startProject(stack, { projectId: uniqueId('ops-metrics'), scenes: ['a harbour', 'a gull', 'the sea'] });
      await handle.result();
      gatewayText = await (await fetch(`${stack.gatewayUrl}/metrics`)).text();
      workerText = await workerMetrics();
      families = new Map([...metricFamilies(gatewayText), ...metricFamilies(workerText)]);
      for (const [step, scenes] of [['video', 3], ['lastFrame', 3], ['stitch', 1]] as const) {
        const series = `reelay_step_duration_seconds_count{step="${step}"}`;
        const counted = (sample(workerText, series) ?? 0) - (sample(stepsBefore, series) ?? 0);
        assert.ok(counted >= scenes, `${step}: ${counted} step durations recorded for ${scenes} finished steps`);
      }
    });

    it("serves Reelay's worker metrics beside the Temporal SDK's, on the worker's metrics port", () => {
      assert.equal(metricFamilies(workerText).get('reelay_step_duration_seconds'), 'histogram');
      assert.equal(metricFamilies(workerText).get('reelay_circuit_state'), 'gauge');
      assert.equal(metricFamilies(workerText).get('temporal_workflow_completed'), 'counter');
      for (const name of ['reelay_films_in_progress', 'reelay_films_awaiting', 'reelay_films_finished_last_day', 'reelay_films_past_step_deadline', 'reelay_error_log_entries_last_hour']) {
        assert.equal(metricFamilies(gatewayText).get(name), 'gauge', name);
      }
      assert.ok((sample(gatewayText, 'reelay_films_finished_last_day{status="completed"}') ?? 0) >= 1);
    });

    it('names in every alert rule and every dashboard query only metrics the gateway and the worker export', () => {
      const queries = [
        ...alertRules().map((rule) => ({ where: `alert ${rule.alert}`, expr: rule.expr })),
        ...dashboardQueries().map((query) => ({ where: `panel "${query.panel}"`, expr: query.expr })),
      ];
      assert.ok(queries.length >= 30, `${queries.length} queries`);
      const missing = queries.flatMap(({ where, expr }) =>
        metricNamesIn(expr)
          .filter((name) => !prometheusOwn.has(name) && !familyOf(name, families))
          .map((name) => `${where}: ${name}`),
      );
      assert.deepEqual(missing, [], 'metrics nobody exports');
    });

    it('would catch a metric nobody exports, and counts only a histogram\'s own suffixes as it', () => {
      const [name] = metricNamesIn('sum(rate(reelay_webhooks_total[5m]))');
      assert.equal(familyOf(name, families), undefined);
      assert.equal(familyOf('reelay_webhook_duration_seconds_bucket', families), 'reelay_webhook_duration_seconds');
      assert.equal(familyOf('reelay_webhook_requests_total_count', families), undefined, 'a counter has no _count');
    });
  });

  /** A database of its own on the stack's PostgreSQL, so the counts are exact whatever other tests left behind. */
  describe('against a database of their own', () => {
    const name = `ops_metrics_${process.pid}`;
    let database: Database;
    const logger = createLogger({ level: 'silent' });

    before(async () => {
      await stack.database.pool.query(`DROP DATABASE IF EXISTS ${name}`);
      await stack.database.pool.query(`CREATE DATABASE ${name}`);
      const url = new URL(stack.databaseUrl);
      url.pathname = `/${name}`;
      await migrateDatabase(url.toString());
      database = openDatabase(url.toString(), { max: 2 });
    });

    after(async () => {
      await database?.close();
      await stack.database.pool.query(`DROP DATABASE IF EXISTS ${name}`);
    });

    /** A project (and its scenes) in the given states, its rows last written `ago` before now. */
    async function film(status: string, { ago = '0 seconds', completedAgo, scenes = [] }: { ago?: string; completedAgo?: string; scenes?: [string, string][] } = {}) {
      const id = uniqueId('film');
      await database.pool.query(
        `INSERT INTO projects (id, status, workflow_id, request_hash, updated_at, completed_at)
         VALUES ($1, $2, $1, 'h', now() - $3::interval, now() - $4::interval)`,
        [id, status, ago, completedAgo ?? null],
      );
      for (const [index, [sceneStatus, sceneAgo]] of scenes.entries()) {
        await database.pool.query(
          `INSERT INTO scenes (id, project_id, index, prompt, status, updated_at) VALUES ($1, $2, $3, 'p', $4, now() - $5::interval)`,
          [`${id}-s${index}`, id, index, sceneStatus, sceneAgo],
        );
      }
      return id;
    }

    it('counts films by status, films past their step deadline and the last hour of the error log, exactly', async () => {
      await film('pending');
      await film('generating', { scenes: [['completed', '3 hours'], ['generating', '31 minutes']] }); // video: 30 min deadline
      await film('generating', { scenes: [['generating', '29 minutes']] });
      await film('generating', { scenes: [['extracting_frame', '6 minutes']] }); // last frame: 5 min deadline
      await film('stitching', { ago: '31 minutes' });
      await film('stitching', { ago: '1 minute' });
      await film('awaiting_review', { scenes: [['completed', '3 days']] }); // waits for a person: not stuck
      await film('awaiting_review');
      await film('awaiting_budget', { scenes: [['completed', '1 hour'], ['pending', '1 hour']] });
      await film('cancelled', { completedAgo: '1 hour', scenes: [['generating', '2 hours']] }); // not in progress: not stuck
      await film('completed', { completedAgo: '2 hours' });
      await film('completed', { completedAgo: '2 days' });
      await film('failed', { completedAgo: '1 minute' });
      const error = (type: string, code: string, severity: string, ago = '1 minute') =>
        database.pool.query(`INSERT INTO error_log (id, type, code, severity, message, created_at) VALUES (gen_random_uuid(), $1, $2, $3, 'm', now() - $4::interval)`, [
          type,
          code,
          severity,
          ago,
        ]);
      await error('webhook', 'invalid_signature', 'warning');
      await error('webhook', 'invalid_signature', 'warning');
      await error('workflow', 'step_failed', 'error');
      await error('workflow', 'step_failed', 'error', '2 hours');

      const registry = new Registry();
      registerLiveGauges(registry, createLiveCounts(database.pool), defaultWorkflowSettings.stepTimeoutMs, logger);
      const text = await registry.metrics();
      const expected: Record<string, number> = {
        'reelay_films_in_progress{status="pending"}': 1,
        'reelay_films_in_progress{status="generating"}': 3,
        'reelay_films_in_progress{status="stitching"}': 2,
        'reelay_films_awaiting{status="awaiting_review"}': 2,
        'reelay_films_awaiting{status="awaiting_budget"}': 1,
        'reelay_films_finished_last_day{status="completed"}': 1,
        'reelay_films_finished_last_day{status="failed"}': 1,
        'reelay_films_finished_last_day{status="cancelled"}': 1,
        'reelay_films_past_step_deadline{step="video"}': 1,
        'reelay_films_past_step_deadline{step="lastFrame"}': 1,
        'reelay_films_past_step_deadline{step="stitch"}': 1,
        'reelay_error_log_entries_last_hour{type="webhook",code="invalid_signature",severity="warning"}': 2,
        'reelay_error_log_entries_last_hour{type="workflow",code="step_failed",severity="error"}': 1,
      };
      assert.deepEqual(Object.fromEntries(Object.keys(expected).map((series) => [series, sample(text, series)])), expected);
      assert.equal(text.match(/^reelay_error_log_entries_last_hour\{/gm)?.length, 2, 'no other error series');
    });

    it('reports nothing, and still serves every other metric, when the database cannot answer', async () => {
      const url = new URL(stack.databaseUrl);
      url.pathname = '/no_such_database';
      const unreachable = openDatabase(url.toString(), { max: 1 });
      try {
        const registry = new Registry();
        registerLiveGauges(registry, createLiveCounts(unreachable.pool), defaultWorkflowSettings.stepTimeoutMs, logger);
        const text = await registry.metrics();
        assert.match(text, /# TYPE reelay_films_in_progress gauge/);
        assert.doesNotMatch(text, /^reelay_films/m, 'no stale or made-up numbers');
      } finally {
        await unreachable.close();
      }
    });

    it('records each step once, as long as from its request to the write that saves its result', async () => {
      const recorded: [Step, number][] = [];
      const costs: unknown[] = [];
      const steps: StepMetrics = { stepFinished: (step, seconds) => recorded.push([step, seconds]), taskCost: (...cost) => costs.push(cost), slotWait: () => undefined };
      const rows = createSceneRows(database.pool, steps);
      const projectId = await film('stitching', { ago: '100 seconds', scenes: [['generating', '42 seconds']] });
      const sceneId = `${projectId}-s0`;
      const cost = { amount: 2.5, unit: 'compute_seconds' };
      const video = { sceneId, taskId: 'v1', videoUrl: 'https://cdn/v.mp4', detail: { provider: 'replicate', cost } };
      await rows.videoSaved(video);
      await rows.videoSaved(video); // a retried write: the step ended once, and its cost counts once
      assert.deepEqual(costs, [['replicate', cost]]);
      await rows.completed({ sceneId, taskId: 'f1', lastFrameUrl: 'https://cdn/f.png', detail: {} });
      const final = { projectId, taskId: 's1', finalVideoUrl: 'https://cdn/film.mp4', detail: {} };
      await rows.projectCompleted(final);
      await rows.projectCompleted(final);
      assert.deepEqual(
        recorded.map(([step]) => step),
        ['video', 'lastFrame', 'stitch'],
      );
      const [[, video42], [, lastFrame], [, stitch100]] = recorded;
      assert.ok(Math.abs(video42 - 42) < 5, `video took ${video42}s`);
      assert.ok(lastFrame >= 0 && lastFrame < 5, `last frame took ${lastFrame}s`);
      assert.ok(Math.abs(stitch100 - 100) < 5, `stitch took ${stitch100}s`);
      const { rows: saved } = await database.pool.query('SELECT status, final_video_url FROM projects WHERE id = $1', [projectId]);
      assert.deepEqual(saved[0], { status: 'completed', final_video_url: 'https://cdn/film.mp4' });
      await assert.rejects(rows.projectCompleted({ ...final, projectId: 'no-such-film' }), /Project no-such-film not found/);
    });

    it('counts each step once when its write rides along with the next request, and leaves the rows as the writes alone would', async () => {
      const recorded: [Step, number][] = [];
      const steps: StepMetrics = { stepFinished: (step, seconds) => recorded.push([step, seconds]), taskCost: () => undefined, slotWait: () => undefined };
      const rows = createSceneRows(database.pool, steps);
      const projectId = await film('generating', { scenes: [['generating', '42 seconds'], ['pending', '1 minute']] });
      const [first, second] = [`${projectId}-s0`, `${projectId}-s1`];
      const video = { sceneId: first, taskId: 'v1', videoUrl: 'https://cdn/v.mp4', thumbnailUrl: 'https://cdn/t.png', detail: { fps: 24 } };
      const callback = { endpoint: 'last_frame_complete', projectId } as const;
      // Twice: a retried request writes the same row and the video step still ended once.
      for (let i = 0; i < 2; i++) assert.equal(await rows.videoSavedLastFrameRequested(video, { taskId: 'f1', attempts: 2 }, callback), undefined);
      await database.pool.query(
        `INSERT INTO webhook_events (id, endpoint, task_id, status, project_id, scene_id, headers, raw_body, outcome) VALUES ($1, 'last_frame_complete', 'f1', 'completed', $2, $3, '{}', '{"stored":1}', 'signaled')`,
        [uniqueId('event'), projectId, first],
      );
      assert.equal(await rows.videoSavedLastFrameRequested(video, { taskId: 'f1', attempts: 2 }, callback), '{"stored":1}', "the request's stored callback comes back with the write");
      const scene = async (id: string) => (await database.pool.query('SELECT status, video_task_id, video_url, thumbnail_url, video_detail, last_frame_task_id, last_frame_url, attempts FROM scenes WHERE id = $1', [id])).rows[0];
      assert.deepEqual(await scene(first), { status: 'extracting_frame', video_task_id: 'v1', video_url: 'https://cdn/v.mp4', thumbnail_url: 'https://cdn/t.png', video_detail: { fps: 24 }, last_frame_task_id: 'f1', last_frame_url: null, attempts: 2 });

      const frame = { sceneId: first, taskId: 'f1', lastFrameUrl: 'https://cdn/f.png', detail: {} };
      const prompt = await rows.promptAfter(second, frame);
      assert.deepEqual(await rows.promptAfter(second, frame), prompt, 'a retried read completes the same scene again');
      assert.deepEqual({ index: prompt.index, prompt: prompt.prompt, provider: prompt.provider }, { index: 1, prompt: 'p', provider: 'guide' });
      assert.deepEqual([(await scene(first)).status, (await scene(first)).last_frame_url], ['completed', 'https://cdn/f.png']);
      await assert.rejects(rows.promptAfter(second, { ...frame, sceneId: 'no-such-scene' }), /Scene no-such-scene not found/);

      assert.equal(await rows.stitchStarts(projectId, { ...frame, sceneId: second }, true), null, 'no key scope: a film whose id was never used before');
      assert.equal((await database.pool.query('SELECT status FROM projects WHERE id = $1', [projectId])).rows[0].status, 'stitching');
      assert.equal(await rows.stitchRequested(projectId, 's1', 'stitch_complete'), undefined);
      await assert.rejects(rows.stitchRequested('no-such-film', 's1', 'stitch_complete'), /Project no-such-film not found/);
      // The video once, the first scene's last frame once (the second scene was never extracting its frame).
      assert.deepEqual(recorded.map(([step]) => step), ['video', 'lastFrame']);
      assert.ok(Math.abs(recorded[0][1] - 42) < 5, `video took ${recorded[0][1]}s`);
    });
  });
});
