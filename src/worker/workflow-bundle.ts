import { existsSync } from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode, type WorkflowBundleOption } from '@temporalio/worker';
import { projectRoot } from '../platform/project-root';
import { workflowInterceptorModules } from './tracing';

/**
 * Written by `npm run build` next to the compiled worker, so a production worker starts without webpack:
 * one bundle with the tracing interceptors and one without, which is half the size (1.7 against 3.4 MiB)
 * and what a worker that does not trace loads, so tracing off costs no memory.
 */
export const workflowBundlePaths = {
  plain: path.join(projectRoot, 'dist', 'workflow-bundle.js'),
  traced: path.join(projectRoot, 'dist', 'workflow-bundle-traced.js'),
};

/**
 * WORKFLOW_BUNDLE_PATH when set; else the bundle built with this compiled code (the traced one when this
 * worker traces), when running from `dist/`. From `src/` (tsx) workflows are bundled from source, so a
 * stale `dist/` never runs old code.
 */
export function prebuiltWorkflowBundle(configured: string | undefined, traced: boolean): WorkflowBundleOption | undefined {
  if (configured) {
    if (!existsSync(configured)) throw new Error(`WORKFLOW_BUNDLE_PATH points to ${configured}, which does not exist`);
    return { codePath: configured };
  }
  const built = workflowBundlePaths[traced ? 'traced' : 'plain'];
  return __filename.endsWith('.js') && existsSync(built) ? { codePath: built } : undefined;
}

/** Webpack's progress lines are noise on every start; its warnings and errors are not. */
export const quietBundlerLogger = { trace() {}, debug() {}, info() {}, log() {}, warn: console.warn, error: console.error };

/** The project workflows bundled from source into one script, with the tracing interceptors or without, as `npm run build` writes them. */
export async function bundleProjectWorkflows({ traced }: { traced: boolean }): Promise<string> {
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('../workflows'),
    workflowInterceptorModules: traced ? workflowInterceptorModules : [],
    logger: quietBundlerLogger,
  });
  return code;
}
