import { existsSync } from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode, type WorkflowBundleOption } from '@temporalio/worker';
import { projectRoot } from '../platform/project-root';
import { workflowInterceptorModules } from './tracing';

/**
 * Written by `npm run build` next to the compiled worker, so a production worker starts without webpack.
 * One bundle for every worker, tracing or not: the tracing interceptors are part of the workflow code
 * whether or not this worker exports spans, because they await inside a traced update's handler, so a
 * history written with them replays only with them (a review film's approval did not replay without:
 * its completion came before the review wait's timer cancel instead of after). Untraced messages pass
 * straight through them.
 */
export const workflowBundlePath = path.join(projectRoot, 'dist', 'workflow-bundle.js');

/**
 * WORKFLOW_BUNDLE_PATH when set; else the bundle built with this compiled code, when running from
 * `dist/`. From `src/` (tsx) workflows are bundled from source, so a stale `dist/` never runs old code.
 */
export function prebuiltWorkflowBundle(configured: string | undefined): WorkflowBundleOption | undefined {
  if (configured) {
    if (!existsSync(configured)) throw new Error(`WORKFLOW_BUNDLE_PATH points to ${configured}, which does not exist`);
    return { codePath: configured };
  }
  return __filename.endsWith('.js') && existsSync(workflowBundlePath) ? { codePath: workflowBundlePath } : undefined;
}

/** Webpack's progress lines are noise on every start; its warnings and errors are not. */
export const quietBundlerLogger = { trace() {}, debug() {}, info() {}, log() {}, warn: console.warn, error: console.error };

/**
 * Packages that must not reach the workflow code. Each workflow instance evaluates its bundle's modules
 * afresh (the SDK shares only its own between instances), so every film, and every replay of one the
 * cache evicted, paid for zod's schemas (a quarter of the bundle) while no workflow validates anything:
 * validation stays at the gateway and the activities. The workflows import contracts free of it.
 */
const keptOutOfWorkflows = ['zod'];

/** The project workflows bundled from source into one script, with the tracing interceptors, as `npm run build` writes it. */
export async function bundleProjectWorkflows(): Promise<string> {
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('../workflows'),
    workflowInterceptorModules,
    logger: quietBundlerLogger,
  });
  const leaked = keptOutOfWorkflows.filter((name) => code.includes(`node_modules/${name}/`));
  if (leaked.length) throw new Error(`The workflow bundle reached ${leaked.join(', ')}: import the workflows' contracts from a module without it (contracts/review-api.ts, for one)`);
  return code;
}
