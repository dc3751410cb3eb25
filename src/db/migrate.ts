import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The folder holding package.json, prisma.config.ts and prisma/, from src/ or from dist/. */
export const projectRoot = path.resolve(__dirname, '..', '..');

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
