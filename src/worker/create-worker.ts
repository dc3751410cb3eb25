import { DefaultLogger, makeTelemetryFilterString, NativeConnection, Runtime, Worker, type LogLevel, type WorkerOptions, type WorkflowBundleOption } from '@temporalio/worker';
import { createActivities } from '../activities';
import { createMediaActivities } from '../activities/media-steps';
import type { AssetStore } from '../media/asset-store';
import type { ServiceBreakers } from '../activities/service-client';
import { slotWaitBuckets, slotWaitMetric, stepDurationBuckets, stepDurationMetric } from '../activities/step-metrics';
import type { Config } from '../platform/config';
import type { Logger } from '../platform/logger';
import type { Database } from '../storage/database';
import { reportUnexpectedActivityFailures } from './activity-error-monitoring';
import { withTracing } from './tracing';

let runtimeInstalled = false;

const sdkLevel: Record<string, LogLevel> = {
  trace: 'TRACE',
  debug: 'DEBUG',
  info: 'INFO',
  warn: 'WARN',
  error: 'ERROR',
  fatal: 'ERROR',
  silent: 'ERROR',
};

/** The SDK's Prometheus endpoint; our own worker metrics (circuits, step durations) are served there too. */
const prometheusExporter = (port: number) => ({
  prometheus: {
    bindAddress: `0.0.0.0:${port}`,
    useSecondsForDurations: true,
    histogramBucketOverrides: { [stepDurationMetric]: stepDurationBuckets, [slotWaitMetric]: slotWaitBuckets },
  },
});

/**
 * Routes the SDK's own log lines (and workflow/activity `log` calls) into our JSON logger, and serves
 * the SDK's Prometheus metrics (workflow and activity counts, latencies, task queue polls) on
 * `metricsPort` when given. Signal handling stays with the process entry point, which knows what else
 * must stop cleanly.
 */
export function installWorkerRuntime(logger: Logger, metricsPort?: number): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  Runtime.install({
    telemetryOptions: {
      // Core's own warnings (failed workflow tasks, non-determinism) go through the same JSON logger.
      logging: { forward: {}, filter: makeTelemetryFilterString({ core: 'WARN', other: 'ERROR' }) },
      ...(metricsPort !== undefined ? { metrics: prometheusExporter(metricsPort) } : {}),
    },
    logger: new DefaultLogger(sdkLevel[logger.level] ?? 'INFO', ({ level: lvl, message, meta }) => {
      const method = lvl === 'TRACE' ? 'trace' : (lvl.toLowerCase() as 'debug' | 'info' | 'warn' | 'error');
      logger[method]({ ...meta, component: 'temporal' }, message);
    }),
    shutdownSignals: [],
  });
}

export interface ProjectWorkerDeps {
  config: Config;
  database: Database;
  connection: NativeConnection;
  breakers: ServiceBreakers;
  /** A pre-built workflow bundle (production, tests); otherwise workflows are bundled from source. */
  workflowBundle?: WorkflowBundleOption;
}

/**
 * How the project worker takes its tasks (cache, pollers, sticky queue). The bench's engine floor
 * (bench/floor/) runs its minimal workflow with these same options, so the two differ only in the workflow.
 */
export function workerTuning(
  config: Pick<Config, 'workerMaxCachedWorkflows' | 'workerWorkflowThreads' | 'workerMaxWorkflowTasks'>,
): Pick<WorkerOptions, 'maxCachedWorkflows' | 'workflowThreadPoolSize' | 'maxConcurrentWorkflowTaskExecutions'> {
  return { maxCachedWorkflows: config.workerMaxCachedWorkflows, workflowThreadPoolSize: config.workerWorkflowThreads, maxConcurrentWorkflowTaskExecutions: config.workerMaxWorkflowTasks };
}

/** The worker that runs project workflows and their activities on the configured task queue. */
export async function createProjectWorker({ config, database, connection, breakers, workflowBundle }: ProjectWorkerDeps): Promise<Worker> {
  return Worker.create(withTracing({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    ...(workflowBundle ? { workflowBundle } : { workflowsPath: require.resolve('../workflows') }),
    ...workerTuning(config),
    activities: createActivities(config, database, breakers, Runtime.instance().metricMeter),
    interceptors: { activity: [reportUnexpectedActivityFailures] },
  }));
}

/** The worker of the media activities (copies into the store, built-in last frame and stitch) on the media task queue. */
export async function createMediaWorker({ config, connection, store }: { config: Config; connection: NativeConnection; store: AssetStore }): Promise<Worker> {
  return Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.media.taskQueue,
    activities: createMediaActivities(config, store),
    // ffmpeg uses the cores itself: a couple of media activities at once per worker.
    maxConcurrentActivityTaskExecutions: 2,
    interceptors: { activity: [reportUnexpectedActivityFailures] },
  });
}
