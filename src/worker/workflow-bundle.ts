import { existsSync } from 'node:fs';
import path from 'node:path';
import type { WorkflowBundleOption } from '@temporalio/worker';
import { projectRoot } from '../db/migrate';

/** Written by `npm run build`, so a production worker starts without bundling with webpack. */
export const workflowBundlePath = path.join(projectRoot, 'dist', 'workflow-bundle.js');

/** The pre-built bundle in production; in development workflows are bundled from source at start. */
export function prebuiltWorkflowBundle(): WorkflowBundleOption | undefined {
  return process.env.NODE_ENV === 'production' && existsSync(workflowBundlePath) ? { codePath: workflowBundlePath } : undefined;
}
