import { existsSync } from 'node:fs';
import path from 'node:path';
import type { WorkflowBundleOption } from '@temporalio/worker';

/** Written by `npm run build` next to the compiled worker, so a production worker starts without webpack. */
export const workflowBundlePath = path.resolve(__dirname, '..', 'workflow-bundle.js');

/**
 * WORKFLOW_BUNDLE_PATH when set; else the bundle built with this compiled code, when running from
 * `dist/`. From `src/` (tsx) workflows are bundled from source, so a stale `dist/` never runs old code.
 */
export function prebuiltWorkflowBundle(configured?: string): WorkflowBundleOption | undefined {
  if (configured) {
    if (!existsSync(configured)) throw new Error(`WORKFLOW_BUNDLE_PATH points to ${configured}, which does not exist`);
    return { codePath: configured };
  }
  return __filename.endsWith('.js') && existsSync(workflowBundlePath) ? { codePath: workflowBundlePath } : undefined;
}
