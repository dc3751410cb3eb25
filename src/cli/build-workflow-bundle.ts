import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { bundleProjectWorkflows, workflowBundlePaths } from '../worker/workflow-bundle';

/** `npm run build`: bundle the workflows once, with and without tracing, as the production worker loads them. */
async function main() {
  for (const [kind, file] of Object.entries(workflowBundlePaths)) {
    const code = await bundleProjectWorkflows({ traced: kind === 'traced' });
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, code);
    console.log(`Workflow bundle (${kind}) written to ${file} (${(code.length / 1024).toFixed(0)} KiB)`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
