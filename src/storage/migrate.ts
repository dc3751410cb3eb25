import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { projectRoot } from '../platform/project-root';

const run = promisify(execFile);

/**
 * Applies pending migrations with `prisma migrate deploy`, the same command production runs, through
 * the JavaScript schema engine (no native engine download).
 */
export async function migrateDatabase(databaseUrl: string): Promise<void> {
  const prismaCli = require.resolve('prisma/build/index.js', { paths: [projectRoot] });
  try {
    await run(process.execPath, [prismaCli, 'migrate', 'deploy'], {
      cwd: projectRoot,
      env: { ...process.env, DATABASE_URL: databaseUrl, PRISMA_HIDE_UPDATE_MESSAGE: '1' },
      timeout: 120_000,
    });
  } catch (err) {
    const { stdout = '', stderr = '' } = err as { stdout?: string; stderr?: string };
    throw new Error(`prisma migrate deploy failed:\n${stdout}\n${stderr}`.trim());
  }
}
