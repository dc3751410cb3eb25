import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { bundleProjectWorkflows, workflowBundlePath } from '../worker/workflow-bundle';

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
