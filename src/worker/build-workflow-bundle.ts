import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { projectRoot } from '../config/project-root';
import { bundleProjectWorkflows } from './workflow-bundle';

/** Where the compiled worker (dist/worker/) looks for it: see workflow-bundle.ts. */
const workflowBundlePath = path.join(projectRoot, 'dist', 'workflow-bundle.js');

/** `npm run build`: bundle the workflows once, as the production worker loads them. */
async function main() {
  const code = await bundleProjectWorkflows();
  await mkdir(path.dirname(workflowBundlePath), { recursive: true });
  await writeFile(workflowBundlePath, code);
  console.log(`Workflow bundle written to ${workflowBundlePath} (${(code.length / 1024).toFixed(0)} KiB)`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
